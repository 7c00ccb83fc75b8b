//! Queue behaviour over real HTTP: CASES B09 (a taken message stays in
//! flight and comes back after its lease until acked; a second ack is
//! `TargetMessageIsNotFound`), Ack true/false and the statuses they cause,
//! the selector filter, concurrent takers, GetIncomingQueueStatistics, and
//! an accepted message surviving a node restart on the same SQLite file.
//!
//! Leases are driven by a clock the test moves, never by sleeping.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use common::envelopes::{
    get_request_for, get_response_for, queue_statistics_request, replace_once,
};
use common::faults::{assert_journaled, assert_void, fault_of, read};
use common::own_node::{OwnNode, StepClock};
use common::registry::{other_request, with_other_service, OTHER_NS, OTHER_REQUEST};
use smevgate_tests::*;
use time::{Duration, OffsetDateTime};
use wire::{FaultKind, Operation, ReplyKind, Version};

/// The message a GetRequest answer hands out, or `None` for an empty queue.
fn taken_id(reply: &HttpReply) -> Option<String> {
    match read(reply).kind {
        ReplyKind::Request(request) => Some(request.data.message_id),
        ReplyKind::EmptyQueue(Operation::GetRequest) => None,
        other => panic!("GetRequest answered {other:?}: {}", reply.body),
    }
}

/// Operations the journal recorded for `message_id`, in order.
async fn journal_of(node: &exchange::Node, message_id: &str) -> Vec<String> {
    let filter = store::JournalFilter {
        message_id: Some(message_id.to_owned()),
        ..store::JournalFilter::default()
    };
    let records = node.store().query(&filter).await.expect("journal reads");
    records.into_iter().map(|r| r.entry.operation).collect()
}

/// Sends one valid echo request of the consumer and checks it was taken.
async fn send_echo(node: &TestNode, version: Version, id: &str) {
    let body = Ims::consumer().send_request(version, id, &echo_request());
    let reply = node.post(body, "urn:SendRequest").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn b09_unacked_request_is_redelivered_after_its_lease_until_acked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = StepClock::at(OffsetDateTime::now_utc());
    let settings = exchange::Settings {
        redelivery_after: Duration::seconds(1),
        ..exchange::Settings::default()
    };
    let store = OwnNode::sqlite_store(&dir.path().join("node.db")).await;
    let node = OwnNode::start(store, clock.clone(), settings).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = || exchange::Clock::now(clock.as_ref());
    let id = message_id(now());
    let sent = node
        .post(
            consumer.send_request(Version::V1_1, &id, &echo_request()),
            "",
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let get = || provider.get_request(Version::V1_1, now());

    let first = taken_id(&node.post(get(), "urn:GetRequest").await);
    let in_flight = taken_id(&node.post(get(), "urn:GetRequest").await);
    clock.advance(Duration::seconds(2));
    let again = taken_id(&node.post(get(), "urn:GetRequest").await);

    assert_eq!(first.as_deref(), Some(id.as_str()));
    assert_eq!(
        in_flight, None,
        "a message in flight is not handed out twice"
    );
    assert_eq!(
        again.as_deref(),
        Some(id.as_str()),
        "redelivered after the lease"
    );
    let ops = journal_of(&node.node, &id).await;
    assert_eq!(ops, ["SendRequest", "delivered", "redelivery"]);

    let acked = node
        .post(provider.ack(Version::V1_1, &id, true), "urn:Ack")
        .await;
    let twice = node
        .post(provider.ack(Version::V1_1, &id, true), "urn:Ack")
        .await;
    clock.advance(Duration::seconds(2));
    let after_ack = taken_id(&node.post(get(), "urn:GetRequest").await);

    assert!(
        matches!(read(&acked).kind, ReplyKind::Acknowledged),
        "{}",
        acked.body
    );
    let text = "Неподтверждённое сообщение с таким ID не найдено";
    assert_void(&fault_of(&twice), &FaultKind::TargetMessageIsNotFound, text);
    assert_eq!(after_ack, None, "an acked message never comes back");
    let ops = journal_of(&node.node, &id).await;
    assert_eq!(
        &ops[..4],
        ["SendRequest", "delivered", "redelivery", "acked"]
    );
    node.stop().await;
}

#[tokio::test]
async fn b09_ack_with_accepted_maybe_gets_xsd_invalid_content() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let ack = Ims::provider().ack(Version::V1_1, &id, true);
    let body = replace_once(&ack, r#"accepted="true""#, r#"accepted="maybe""#);

    let fault = fault_of(&node.post(body, "urn:Ack").await);

    let FaultKind::InvalidContent(errors) = &fault.kind else {
        panic!("InvalidContent: {fault:?}")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("accepted"), "{errors:?}");
    assert_eq!(
        fault.description.as_deref(),
        Some("SMEV-403:Сообщение не соответствует XML-схеме")
    );
    // The decoder refuses the attribute before the target id is read, so the
    // journal entry names no message.
    assert_journaled(&node.node, "InvalidContent", None).await;
}

#[tokio::test]
async fn ack_true_and_false_settle_requests_and_tell_the_requester() {
    let node = TestNode::start(Backend::Sqlite).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let (taken, refused) = (message_id(now), message_id(now));
    for (id, accepted) in [(&taken, true), (&refused, false)] {
        send_echo(&node, Version::V1_2, id).await;
        let got = node
            .post(provider.get_request(Version::V1_2, now), "urn:GetRequest")
            .await;
        assert_eq!(taken_id(&got).as_deref(), Some(id.as_str()));
        let acked = node
            .post(provider.ack(Version::V1_2, id, accepted), "urn:Ack")
            .await;
        assert!(
            matches!(read(&acked).kind, ReplyKind::Acknowledged),
            "{}",
            acked.body
        );
    }

    let mut categories = BTreeMap::new();
    for _ in 0..2 {
        let got = node
            .post(consumer.get_response(Version::V1_2, now), "urn:GetResponse")
            .await;
        let ReplyKind::Response(response) = read(&got).kind else {
            panic!("a status: {}", got.body)
        };
        let wire::ResponseContent::AsyncStatus(status) = response.data.content else {
            panic!("an async status: {}", got.body)
        };
        categories.insert(status.original_message_id, status.category);
        let status_id = response.metadata.message_id.expect("status id");
        node.post(consumer.ack(Version::V1_2, &status_id, true), "urn:Ack")
            .await;
    }

    assert_eq!(categories[&taken], "underProcessing");
    assert_eq!(categories[&refused], "requestIsRejectedBySmev");
    assert_eq!(
        journal_of(&node.node, &taken).await[..3],
        ["SendRequest", "delivered", "acked"]
    );
    assert_eq!(
        journal_of(&node.node, &refused).await[..3],
        ["SendRequest", "delivered", "rejected"]
    );
}

#[tokio::test]
async fn get_request_selector_takes_only_the_named_type() {
    let node = TestNode::start(Backend::Sqlite).await;
    node.node.replace_registry(with_other_service());
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let (echo_id, other_id) = (message_id(now), message_id(now));
    send_echo(&node, Version::V1_3, &echo_id).await;
    let other = consumer.send_request(Version::V1_3, &other_id, &other_request("X-1"));
    assert_eq!(node.post(other, "urn:SendRequest").await.status, 200);

    let for_other = get_request_for(&provider, Version::V1_3, now, OTHER_NS, OTHER_REQUEST);
    let got_other = node.post(for_other.clone(), "urn:GetRequest").await;
    let none_left = node.post(for_other, "urn:GetRequest").await;
    let for_echo = get_request_for(&provider, Version::V1_3, now, ECHO_NS, ECHO_REQUEST);
    let got_echo = node.post(for_echo, "urn:GetRequest").await;
    let any = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;

    assert_eq!(
        taken_id(&got_other).as_deref(),
        Some(other_id.as_str()),
        "older echo skipped"
    );
    assert_eq!(taken_id(&none_left), None);
    assert_eq!(taken_id(&got_echo).as_deref(), Some(echo_id.as_str()));
    assert_eq!(taken_id(&any), None, "both are in flight");
}

/// Polls GetRequest on `addr` until the queue looks empty; returns the ids.
async fn drain(addr: std::net::SocketAddr, provider: Arc<Ims>) -> Vec<String> {
    let headers = [
        ("content-type", "text/xml; charset=utf-8"),
        ("soapaction", "urn:GetRequest"),
    ];
    let mut taken = Vec::new();
    loop {
        let body = provider.get_request(Version::V1_3, OffsetDateTime::now_utc());
        let reply = post_raw(addr, "/ws", body.into_bytes(), &headers).await;
        match taken_id(&reply) {
            Some(id) => taken.push(id),
            None => return taken,
        }
    }
}

/// 8 pollers take 40 messages at once; each message goes to exactly one.
async fn concurrent_takers_share_nothing(backend: Backend) {
    let node = TestNode::start(backend).await;
    let sent: BTreeSet<String> = (0..40)
        .map(|_| message_id(OffsetDateTime::now_utc()))
        .collect();
    for id in &sent {
        send_echo(&node, Version::V1_3, id).await;
    }
    let provider = Arc::new(Ims::provider());

    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(drain(node.addr, provider.clone())))
        .collect();
    let mut taken = Vec::new();
    for task in tasks {
        taken.extend(task.await.expect("poller finishes"));
    }
    taken.extend(drain(node.addr, provider.clone()).await);

    let unique: BTreeSet<String> = taken.iter().cloned().collect();
    assert_eq!(taken.len(), unique.len(), "a message was handed out twice");
    assert_eq!(unique, sent, "every message is handed out once");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_get_request_callers_on_sqlite_never_get_the_same_message() {
    concurrent_takers_share_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_get_request_callers_on_postgres_never_get_the_same_message() {
    concurrent_takers_share_nothing(Backend::Postgres).await;
}

#[tokio::test]
async fn ack_before_delivery_is_refused_and_the_message_is_still_delivered() {
    let node = TestNode::start(Backend::Sqlite).await;
    let provider = Ims::provider();
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    send_echo(&node, Version::V1_3, &id).await;

    let early = node
        .post(provider.ack(Version::V1_3, &id, true), "urn:Ack")
        .await;
    let got = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;

    let text = "Неподтверждённое сообщение с таким ID не найдено";
    assert_void(&fault_of(&early), &FaultKind::TargetMessageIsNotFound, text);
    assert_eq!(taken_id(&got).as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn acked_messages_free_their_place_in_the_queue_quota() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.settings.queue_quota = 1;
    let node = TestNode::start_with(options).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let (first, second) = (message_id(now), message_id(now));
    send_echo(&node, Version::V1_3, &first).await;
    let full = consumer.send_request(Version::V1_3, &second, &echo_request());
    let refused = node.post(full.clone(), "urn:SendRequest").await;
    assert!(matches!(
        fault_of(&refused).kind,
        FaultKind::DestinationOverflow { .. }
    ));

    let got = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;
    assert_eq!(taken_id(&got).as_deref(), Some(first.as_str()));
    node.post(provider.ack(Version::V1_3, &first, true), "urn:Ack")
        .await;
    let resent = node.post(full, "urn:SendRequest").await;

    assert_eq!(
        resent.status, 200,
        "the same message fits once the first is acked"
    );
    let got = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;
    assert_eq!(taken_id(&got).as_deref(), Some(second.as_str()));
}

/// The caller's queues and pending counts, from GetIncomingQueueStatistics.
async fn statistics(
    node: &TestNode,
    ims: &Ims,
    version: Version,
    now: OffsetDateTime,
) -> Vec<(String, i64)> {
    let body = queue_statistics_request(ims, version, now);
    let reply = node.post(body, "urn:GetIncomingQueueStatistics").await;
    match read(&reply).kind {
        ReplyKind::QueueStatistics(queues) => queues
            .into_iter()
            .map(|q| (q.queue_name, q.pending_messages))
            .collect(),
        other => panic!("statistics: {other:?}: {}", reply.body),
    }
}

#[tokio::test]
async fn queue_statistics_count_pending_messages_in_1_1_and_1_2() {
    let node = TestNode::start(Backend::Sqlite).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let ids: Vec<String> = (0..3).map(|_| message_id(now)).collect();
    for id in &ids {
        send_echo(&node, Version::V1_1, id).await;
    }
    for version in [Version::V1_1, Version::V1_2] {
        assert_eq!(
            statistics(&node, &provider, version, now).await,
            [("PROVIDER01:requests".to_owned(), 3)]
        );
        assert_eq!(statistics(&node, &consumer, version, now).await, []);
    }
    let got = node
        .post(provider.get_request(Version::V1_1, now), "urn:GetRequest")
        .await;
    let first = taken_id(&got).expect("a request");
    node.post(provider.ack(Version::V1_1, &first, true), "urn:Ack")
        .await;
    let after_ack = statistics(&node, &provider, Version::V1_2, now).await;
    assert_eq!(after_ack, [("PROVIDER01:requests".to_owned(), 2)]);
}

#[tokio::test]
async fn queue_statistics_in_1_3_is_an_unknown_operation() {
    let node = TestNode::start(Backend::Sqlite).await;
    let body = queue_statistics_request(&Ims::provider(), Version::V1_3, OffsetDateTime::now_utc());

    let fault = fault_of(&node.post(body, "urn:GetIncomingQueueStatistics").await);

    assert_eq!(fault.faultcode, wire::FaultCode::Client);
    assert_eq!(
        fault.faultstring,
        "Сообщение не является корректным SOAP-конвертом"
    );
}

#[tokio::test]
async fn accepted_request_survives_a_node_restart_on_the_same_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("node.db");
    let settings = || exchange::Settings {
        node_id: "restart-node".to_owned(),
        ..exchange::Settings::default()
    };
    let clock = || -> exchange::SharedClock { Arc::new(exchange::SystemClock) };
    let id = message_id(OffsetDateTime::now_utc());
    let first = OwnNode::start(OwnNode::sqlite_store(&path).await, clock(), settings()).await;
    let body = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());
    let sent = first.post(body, "urn:SendRequest").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    first.stop().await;

    let second = OwnNode::start(OwnNode::sqlite_store(&path).await, clock(), settings()).await;
    let now = OffsetDateTime::now_utc();
    let got = second
        .post(
            Ims::provider().get_request(Version::V1_3, now),
            "urn:GetRequest",
        )
        .await;

    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("the request survived: {}", got.body)
    };
    assert_eq!(request.data.message_id, id);
    assert_eq!(request.data.payload.local_name, ECHO_REQUEST);
    assert_eq!(
        journal_of(&second.node, &id).await,
        ["SendRequest", "delivered"]
    );
    second.stop().await;
}

#[tokio::test]
async fn get_response_selector_names_the_type_of_the_original_request() {
    let node = TestNode::start(Backend::Sqlite).await;
    node.node.replace_registry(with_other_service());
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    send_echo(&node, Version::V1_3, &id).await;
    let got = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;
    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("request: {}", got.body)
    };
    let reply_to = request.reply_to.expect("ReplyTo");
    let answer =
        provider.send_response(Version::V1_3, &message_id(now), &reply_to, &echo_response());
    assert_eq!(node.post(answer, "urn:SendResponse").await.status, 200);

    let for_other = get_response_for(&consumer, Version::V1_3, now, OTHER_NS, OTHER_REQUEST);
    let other = node.post(for_other, "urn:GetResponse").await;
    let for_echo = get_response_for(&consumer, Version::V1_3, now, ECHO_NS, ECHO_REQUEST);
    let echo = node.post(for_echo, "urn:GetResponse").await;

    assert!(
        matches!(
            read(&other).kind,
            ReplyKind::EmptyQueue(Operation::GetResponse)
        ),
        "{}",
        other.body
    );
    let ReplyKind::Response(response) = read(&echo).kind else {
        panic!("the echo response: {}", echo.body)
    };
    assert_eq!(response.original_message_id.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn ack_without_accepted_is_true_in_1_3_and_refused_in_1_1() {
    let node = TestNode::start(Backend::Sqlite).await;
    let provider = Ims::provider();
    let now = OffsetDateTime::now_utc();
    let mut answers = Vec::new();
    for version in [Version::V1_3, Version::V1_1] {
        let id = message_id(now);
        send_echo(&node, version, &id).await;
        let got = node
            .post(provider.get_request(version, now), "urn:GetRequest")
            .await;
        assert_eq!(taken_id(&got).as_deref(), Some(id.as_str()));
        let sign = |e: &str, i: &str| provider.sign(&e.replace(r#" accepted="true""#, ""), i);
        let ack = wire::write_ack_request(version, "SIGNED_BY_CALLER", &id, true, Some(&sign));
        let ack = replace_once(&ack, r#" accepted="true""#, "");
        answers.push((id.clone(), node.post(ack, "urn:Ack").await));
    }

    let (acked_id, acked) = &answers[0];
    assert!(
        matches!(read(acked).kind, ReplyKind::Acknowledged),
        "{}",
        acked.body
    );
    assert_eq!(journal_of(&node.node, acked_id).await[2], "acked");
    let fault = fault_of(&answers[1].1);
    assert!(
        matches!(fault.kind, FaultKind::InvalidContent(ref e) if e.len() == 1),
        "{fault:?}"
    );
}
