//! Two in-process nodes sharing one PostgreSQL schema, as two replicas of
//! one participant node behind a balancer: whatever one node queues the
//! other delivers, every message exactly once, and the shared journal
//! records each delivery once.

#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use smevgate_tests::*;
use time::OffsetDateTime;
use wire::{ReplyKind, Version};

/// Requests queued through node A in the polling test.
const REQUESTS: usize = 60;
/// Concurrent provider pollers; even ones poll node A, odd ones node B.
const POLLERS: usize = 6;

const VERSION: Version = Version::V1_3;

/// Options for a node named `node_id` on `pg_schema` (fresh when `None`).
fn node_options(
    node_id: &str,
    clock: Option<OffsetDateTime>,
    pg_schema: Option<String>,
) -> NodeOptions {
    NodeOptions {
        clock,
        settings: exchange::Settings {
            node_id: node_id.to_owned(),
            redelivery_after: time::Duration::seconds(300),
            ..exchange::Settings::default()
        },
        pg_schema,
        ..NodeOptions::new(Backend::Postgres)
    }
}

/// Starts node A on a fresh schema and node B on the same schema.
async fn pair() -> (TestNode, TestNode) {
    let a = TestNode::start_with(node_options("node-a", None, None)).await;
    let b = TestNode::start_with(node_options("node-b", None, a.pg_schema.clone())).await;
    (a, b)
}

/// Stops B first, then A, which drops the schema it made.
async fn stop(a: TestNode, b: TestNode) {
    b.stop().await;
    a.stop().await;
}

async fn post(addr: SocketAddr, body: String, action: &str) -> wire::Reply {
    let headers = [
        ("content-type", "text/xml; charset=utf-8"),
        ("soapaction", action),
    ];
    let reply = post_raw(addr, "/ws", body.into_bytes(), &headers).await;
    wire::read_reply(reply.status, &reply.content_type, reply.body.as_bytes())
        .unwrap_or_else(|e| panic!("unreadable reply {e}: {}", reply.body))
}

async fn send_request(addr: SocketAddr, consumer: &Ims) -> String {
    let id = message_id(OffsetDateTime::now_utc());
    let body = consumer.send_request(VERSION, &id, &echo_request());
    let reply = post(addr, body, "urn:SendRequest").await;
    let ReplyKind::Receipt { metadata, .. } = reply.kind else {
        panic!("no receipt: {}", reply.xml)
    };
    assert_eq!(metadata.message_id.as_deref(), Some(id.as_str()));
    id
}

async fn ack(addr: SocketAddr, ims: &Ims, id: &str) -> wire::Reply {
    post(addr, ims.ack(VERSION, id, true), "urn:Ack").await
}

async fn assert_acked(addr: SocketAddr, ims: &Ims, id: &str) {
    let reply = ack(addr, ims, id).await;
    assert!(
        matches!(reply.kind, ReplyKind::Acknowledged),
        "ack of {id} on {addr}: {}",
        reply.xml
    );
}

/// GetRequest + Ack against `addr` until the queue is empty; returns the
/// ids taken, in order.
async fn poll_until_empty(addr: SocketAddr, provider: Arc<Ims>) -> Vec<String> {
    let mut taken = Vec::new();
    loop {
        let body = provider.get_request(VERSION, OffsetDateTime::now_utc());
        let reply = post(addr, body, "urn:GetRequest").await;
        let request = match reply.kind {
            ReplyKind::EmptyQueue(_) => return taken,
            ReplyKind::Request(request) => request,
            _ => panic!("unexpected GetRequest reply: {}", reply.xml),
        };
        let id = request.data.message_id.clone();
        assert_acked(addr, &provider, &id).await;
        taken.push(id);
    }
}

/// How many journal entries of `operation` each message id has.
async fn journal_counts(node: &TestNode, operation: &str) -> BTreeMap<String, usize> {
    let filter = store::JournalFilter {
        operation: Some(operation.to_owned()),
        ..store::JournalFilter::default()
    };
    let records = node
        .node
        .store()
        .query(&filter)
        .await
        .expect("journal reads");
    let mut counts = BTreeMap::new();
    for record in records {
        let id = record.entry.message_id.expect("delivery names its message");
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_schema_deliver_every_request_exactly_once() {
    let (a, b) = pair().await;
    let consumer = Ims::consumer();
    let mut sent = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        sent.push(send_request(a.addr, &consumer).await);
    }

    let provider = Arc::new(Ims::provider());
    let pollers: Vec<_> = (0..POLLERS)
        .map(|i| {
            let addr = if i % 2 == 0 { a.addr } else { b.addr };
            tokio::spawn(poll_until_empty(addr, provider.clone()))
        })
        .collect();
    let mut taken = Vec::new();
    for poller in pollers {
        taken.extend(poller.await.expect("poller finishes"));
    }

    taken.sort();
    sent.sort();
    assert_eq!(taken, sent, "every request delivered exactly once");
    let once: BTreeMap<String, usize> = sent.iter().map(|id| (id.clone(), 1)).collect();
    assert_eq!(journal_counts(&b, store::journal::OP_DELIVERED).await, once);
    assert_eq!(journal_counts(&a, store::journal::OP_DELIVERED).await, once);
    assert_eq!(journal_counts(&a, store::journal::OP_ACKED).await, once);
    assert!(journal_counts(&b, store::journal::OP_REDELIVERY)
        .await
        .is_empty());
    stop(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_sent_via_node_b_reaches_consumer_polling_node_a() {
    let (a, b) = pair().await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let request_id = send_request(a.addr, &consumer).await;

    let body = provider.get_request(VERSION, OffsetDateTime::now_utc());
    let ReplyKind::Request(request) = post(b.addr, body, "urn:GetRequest").await.kind else {
        panic!("node B does not deliver the request queued through node A")
    };
    assert_eq!(request.data.message_id, request_id);
    assert_acked(b.addr, &provider, &request_id).await;
    let reply_to = request.reply_to.expect("ReplyTo");
    let response_id = message_id(OffsetDateTime::now_utc());
    let answer = provider.send_response(VERSION, &response_id, &reply_to, &echo_response());
    let answered = post(b.addr, answer, "urn:SendResponse").await;
    assert!(
        matches!(answered.kind, ReplyKind::Receipt { .. }),
        "{}",
        answered.xml
    );

    let status = next_response(a.addr, &consumer).await;
    assert!(matches!(
        status.data.content,
        wire::ResponseContent::AsyncStatus(_)
    ));
    let status_id = status.metadata.message_id.expect("status id");
    assert_acked(a.addr, &consumer, &status_id).await;
    let response = next_response(a.addr, &consumer).await;
    assert_eq!(response.data.message_id, response_id);
    assert_eq!(
        response.original_message_id.as_deref(),
        Some(request_id.as_str())
    );
    assert_acked(a.addr, &consumer, &response_id).await;

    let body = consumer.get_response(VERSION, OffsetDateTime::now_utc());
    let empty = post(b.addr, body, "urn:GetResponse").await;
    assert!(
        matches!(empty.kind, ReplyKind::EmptyQueue(_)),
        "{}",
        empty.xml
    );
    assert_journal_nodes(&a, &request_id, &response_id).await;
    stop(a, b).await;
}

/// Each journal entry names the node that did the work.
async fn assert_journal_nodes(node: &TestNode, request_id: &str, response_id: &str) {
    let records = node
        .node
        .store()
        .query(&store::JournalFilter::default())
        .await
        .expect("journal reads");
    let node_of = |operation: &str, id: &str| {
        records
            .iter()
            .find(|r| r.entry.operation == operation && r.entry.message_id.as_deref() == Some(id))
            .map(|r| r.entry.node_id.clone())
            .unwrap_or_else(|| panic!("no {operation} of {id}"))
    };
    assert_eq!(node_of("SendRequest", request_id), "node-a");
    assert_eq!(node_of(store::journal::OP_DELIVERED, request_id), "node-b");
    assert_eq!(node_of("SendResponse", response_id), "node-b");
    assert_eq!(node_of(store::journal::OP_DELIVERED, response_id), "node-a");
}

/// The consumer's next GetResponse item from `addr`; panics on anything else.
async fn next_response(addr: SocketAddr, consumer: &Ims) -> wire::ReceivedResponse {
    let body = consumer.get_response(VERSION, OffsetDateTime::now_utc());
    let reply = post(addr, body, "urn:GetResponse").await;
    match reply.kind {
        ReplyKind::Response(response) => response,
        _ => panic!("no response on {addr}: {}", reply.xml),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_acks_on_both_nodes_succeed_once() {
    let (a, b) = pair().await;
    let provider = Arc::new(Ims::provider());
    let request_id = send_request(a.addr, &Ims::consumer()).await;
    let body = provider.get_request(VERSION, OffsetDateTime::now_utc());
    let taken = post(a.addr, body, "urn:GetRequest").await;
    assert!(matches!(taken.kind, ReplyKind::Request(_)), "{}", taken.xml);

    let acks: Vec<_> = [a.addr, b.addr]
        .into_iter()
        .map(|addr| {
            let (provider, id) = (provider.clone(), request_id.clone());
            tokio::spawn(async move { ack(addr, &provider, &id).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for ack in acks {
        let reply = ack.await.expect("ack finishes");
        outcomes.push(match reply.kind {
            ReplyKind::Acknowledged => "acked".to_owned(),
            ReplyKind::Fault(fault) => fault.kind.element_name().unwrap_or("?").to_owned(),
            _ => panic!("unexpected Ack reply: {}", reply.xml),
        });
    }

    outcomes.sort();
    assert_eq!(outcomes, ["TargetMessageIsNotFound", "acked"]);
    let acked = journal_counts(&b, store::journal::OP_ACKED).await;
    assert_eq!(acked.get(&request_id), Some(&1));
    stop(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_taken_on_a_but_not_acked_is_redelivered_by_b_after_the_delay() {
    let taken_at = OffsetDateTime::now_utc();
    let later = taken_at + time::Duration::seconds(301);
    let a = TestNode::start_with(node_options("node-a", Some(taken_at), None)).await;
    let b = TestNode::start_with(node_options("node-b", Some(later), a.pg_schema.clone())).await;
    let provider = Ims::provider();
    let request_id = send_request(a.addr, &Ims::consumer()).await;

    let first = post(
        a.addr,
        provider.get_request(VERSION, taken_at),
        "urn:GetRequest",
    )
    .await;
    let again_on_a = post(
        a.addr,
        provider.get_request(VERSION, taken_at),
        "urn:GetRequest",
    )
    .await;
    let on_b = post(
        b.addr,
        provider.get_request(VERSION, later),
        "urn:GetRequest",
    )
    .await;

    assert!(matches!(first.kind, ReplyKind::Request(_)), "{}", first.xml);
    assert!(
        matches!(again_on_a.kind, ReplyKind::EmptyQueue(_)),
        "{}",
        again_on_a.xml
    );
    let ReplyKind::Request(redelivered) = on_b.kind else {
        panic!("node B does not redeliver: {}", on_b.xml)
    };
    assert_eq!(redelivered.data.message_id, request_id);
    assert_acked(b.addr, &provider, &request_id).await;
    assert_eq!(
        journal_counts(&a, store::journal::OP_DELIVERED).await.len(),
        1
    );
    let redeliveries = journal_counts(&a, store::journal::OP_REDELIVERY).await;
    assert_eq!(redeliveries.get(&request_id), Some(&1));
    stop(a, b).await;
}
