//! Push and upstream delivery end to end (issue #3), on both stores, all on
//! 127.0.0.1: a push receiver written here that fails a few times then
//! answers 200, one that always fails (dead letter, visible in the journal
//! and the API, re-driven, then delivered), two smevgate nodes with the
//! second as the first one's upstream, an upstream that refuses with
//! InvalidContent, and an upstream that is down.
//!
//! Backoffs are milliseconds (per point) and the workers look every 20 ms;
//! every wait polls the store with a generous deadline, never a fixed sleep.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cabinet::audit::AuditContext;
use cabinet::{PointForm, PointKind};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use smevgate_tests::*;
use store::delivery::{OP_ATTEMPT_FAILED, OP_DEAD_LETTER, OP_FORWARDED, OP_REDRIVEN};
use store::{JournalFilter, MessageState};
use time::OffsetDateTime;
use wire::{ReplyKind, ResponseContent, Version};

const VERSION: Version = Version::V1_2;

/// How long any background step may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs each named `async fn(Backend)` on SQLite and on PostgreSQL.
macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_two_replicas_on_one_database_deliver_each_message_once() {
    let first = delivering_node(Backend::Postgres).await;
    let mut options = NodeOptions::new(Backend::Postgres);
    options.pg_schema = first.pg_schema.clone();
    options.settings.node_id = "replica-b".into();
    options.delivery = first_delivery_settings();
    let second = TestNode::start_with(options).await;
    let receiver = Endpoint::start(Script::default()).await;

    // The point is made through the first node only; the second notices
    // `registry_version` move within a second and pushes too.
    add_point(&first, &point(PointKind::Push, &receiver.url(), 5)).await;
    let started = tokio::time::Instant::now();
    while second
        .node
        .registry()
        .point_for(PROVIDER, ECHO_NS, ECHO_REQUEST)
        .is_none()
    {
        assert!(
            started.elapsed() < DEADLINE,
            "the second replica never noticed the point"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut ids = Vec::new();
    for _ in 0..20 {
        ids.push(send_request(&first).await);
    }
    for id in &ids {
        wait_for_state(&first, id, MessageState::Acked).await;
    }

    let mut pushed: Vec<String> = receiver
        .posts()
        .iter()
        .map(|post| {
            let reply = wire::read_reply(200, &post.content_type, post.body.as_bytes()).unwrap();
            let ReplyKind::Request(request) = reply.kind else {
                panic!("a GetRequestResponse");
            };
            request.data.message_id
        })
        .collect();
    pushed.sort();
    ids.sort();
    assert_eq!(
        pushed, ids,
        "every message pushed exactly once across both replicas"
    );
    let registry = second.node.registry();
    assert!(
        registry
            .point_for(PROVIDER, ECHO_NS, ECHO_REQUEST)
            .is_some(),
        "second noticed"
    );
    second.stop().await;
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_stop_when_told_and_when_the_sender_is_dropped() {
    let node = TestNode::start(Backend::Sqlite).await;
    let settings = first_delivery_settings().unwrap();
    let (told, stopped) = tokio::sync::watch::channel(false);
    let workers = delivery::start(node.node.clone(), settings.clone(), stopped).unwrap();
    let (dropped, stopped_too) = tokio::sync::watch::channel(false);
    let others = delivery::start(node.node.clone(), settings, stopped_too).unwrap();

    told.send(true).unwrap();
    drop(dropped);

    let joined = tokio::time::timeout(DEADLINE, async {
        workers.join().await;
        others.join().await;
    });
    assert!(joined.await.is_ok(), "the workers never stopped");
    node.stop().await;
}

fn first_delivery_settings() -> Option<delivery::DeliverySettings> {
    Some(delivery::DeliverySettings {
        poll_interval: Duration::from_millis(20),
        ..delivery::DeliverySettings::default()
    })
}

on_both_stores!(
    push_receiver_failing_twice_gets_the_message_once_and_status_follows,
    push_receiver_always_failing_dead_letters_then_redrive_delivers,
    upstream_node_answers_reach_the_consumer_on_the_first_node,
    upstream_without_the_consumer_key_forwards_the_stored_signature,
    upstream_invalid_content_fault_becomes_rejected_by_smev_status,
    upstream_down_is_retried_then_dead_lettered,
);

/// One POST a test endpoint received.
#[derive(Debug, Clone)]
struct Post {
    content_type: String,
    soap_action: String,
    body: String,
    answered: u16,
}

/// What a test endpoint answers: `fail_first` times 503, then 200, or 503
/// forever while `always_fail`; or, with `fault`, that envelope with 500.
#[derive(Debug, Default)]
struct Script {
    fail_first: usize,
    always_fail: bool,
    fault: Option<String>,
    posts: Vec<Post>,
}

/// A test HTTP endpoint on 127.0.0.1:0.
struct Endpoint {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
}

// === impl Endpoint ===

impl Endpoint {
    async fn start(script: Script) -> Endpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let script = Arc::new(Mutex::new(script));
        let shared = script.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = shared.clone();
                let service = service_fn(move |request| answer(script.clone(), request));
                tokio::spawn(async move {
                    let connection = hyper::server::conn::http1::Builder::new();
                    let _ = connection
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Endpoint { addr, script }
    }

    fn url(&self) -> String {
        format!("http://{}/push", self.addr)
    }

    fn posts(&self) -> Vec<Post> {
        self.script.lock().unwrap().posts.clone()
    }

    fn set_always_fail(&self, always_fail: bool) {
        self.script.lock().unwrap().always_fail = always_fail;
    }
}

async fn answer(
    script: Arc<Mutex<Script>>,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, hyper::Error> {
    let header = |name: &str| {
        let value = request.headers().get(name).and_then(|v| v.to_str().ok());
        value.unwrap_or("").to_owned()
    };
    let (content_type, soap_action) = (header("content-type"), header("soapaction"));
    let body = request.into_body().collect().await?.to_bytes();
    let mut script = script.lock().unwrap();
    let failing = script.always_fail || script.posts.len() < script.fail_first;
    let (status, reply) = match (&script.fault, failing) {
        (Some(fault), _) => (500, fault.clone()),
        (None, true) => (503, "busy".to_owned()),
        (None, false) => (200, String::new()),
    };
    script.posts.push(Post {
        content_type,
        soap_action,
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: status,
    });
    let response = hyper::Response::builder()
        .status(status)
        .header("content-type", "text/xml; charset=utf-8")
        .body(Full::new(Bytes::from(reply)));
    Ok(response.unwrap())
}

/// A node running the delivery workers, looking every 20 ms.
async fn delivering_node(backend: Backend) -> TestNode {
    let mut options = NodeOptions::new(backend);
    options.delivery = Some(delivery::DeliverySettings {
        poll_interval: Duration::from_millis(20),
        ..delivery::DeliverySettings::default()
    });
    TestNode::start_with(options).await
}

fn admin() -> AuditContext {
    AuditContext {
        actor: "admin".into(),
        remote: None,
        at: OffsetDateTime::now_utc(),
    }
}

/// A point of PROVIDER01 with millisecond backoffs.
fn point(kind: PointKind, url: &str, max_attempts: u32) -> PointForm {
    PointForm {
        max_attempts,
        backoff_base_ms: 10,
        backoff_cap_ms: 40,
        timeout_ms: 10_000,
        ..PointForm::new(PROVIDER, kind, url)
    }
}

/// Stores `form` and reloads the registry, as the API does.
async fn add_point(node: &TestNode, form: &PointForm) {
    node.node
        .store()
        .create_point(form, &admin())
        .await
        .expect("point");
    node.node.reload_registry().await.expect("reload");
}

/// The consumer sends an echo request to `node`; its message id.
async fn send_request(node: &TestNode) -> String {
    let id = message_id(OffsetDateTime::now_utc());
    let envelope = Ims::consumer().send_request(VERSION, &id, &echo_request());
    let reply = node.post(envelope, "urn:SendRequest").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    id
}

/// Polls until `message_id` on `node` is in `state`.
async fn wait_for_state(node: &TestNode, message_id: &str, state: MessageState) {
    let started = tokio::time::Instant::now();
    loop {
        let stored = node.node.store().get(message_id).await.unwrap();
        if stored.as_ref().map(|s| s.delivery.state) == Some(state) {
            return;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "{message_id} never became {state:?}: {stored:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The journal operations about `message_id`, in order.
async fn operations(node: &TestNode, message_id: &str) -> Vec<String> {
    let filter = JournalFilter {
        message_id: Some(message_id.to_owned()),
        ..JournalFilter::default()
    };
    let records = node.node.store().query(&filter).await.unwrap();
    records.into_iter().map(|r| r.entry.operation).collect()
}

fn count(operations: &[String], operation: &str) -> usize {
    operations.iter().filter(|o| *o == operation).count()
}

/// The consumer's next message on `node` (GetResponse), acked; `None`
/// when the queue is empty.
async fn next_answer(node: &TestNode) -> Option<wire::ReceivedResponse> {
    let consumer = Ims::consumer();
    let poll = consumer.get_response(VERSION, OffsetDateTime::now_utc());
    let reply = node.post(poll, "urn:GetResponse").await;
    let reply = wire::read_reply(reply.status, &reply.content_type, reply.body.as_bytes());
    let ReplyKind::Response(response) = reply.expect("readable").kind else {
        return None;
    };
    let ack_id = response.metadata.message_id.clone().expect("metadata id");
    let ack = node
        .post(consumer.ack(VERSION, &ack_id, true), "urn:Ack")
        .await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    Some(response)
}

/// Polls the consumer's queue on `node` until an answer matches `wanted`.
async fn wait_for_answer(
    node: &TestNode,
    wanted: impl Fn(&wire::ReceivedResponse) -> bool,
) -> wire::ReceivedResponse {
    let started = tokio::time::Instant::now();
    let mut seen = Vec::new();
    loop {
        match next_answer(node).await {
            Some(response) if wanted(&response) => return response,
            Some(response) => seen.push(response.data.content),
            None => tokio::time::sleep(Duration::from_millis(20)).await,
        }
        assert!(
            started.elapsed() < DEADLINE,
            "no wanted answer; saw {seen:?}"
        );
    }
}

fn category(response: &wire::ReceivedResponse) -> Option<&str> {
    match &response.data.content {
        ResponseContent::AsyncStatus(status) => Some(status.category.as_str()),
        _ => None,
    }
}

/// One API call with a bearer; status and JSON body.
async fn api(addr: SocketAddr, method: &str, path: &str, bearer: &str) -> (u16, Value) {
    let reply = api_call(addr, method, path, bearer, None, None).await;
    (reply.status, reply.json)
}

async fn push_receiver_failing_twice_gets_the_message_once_and_status_follows(backend: Backend) {
    let node = delivering_node(backend).await;
    let receiver = Endpoint::start(Script {
        fail_first: 2,
        ..Script::default()
    })
    .await;
    add_point(&node, &point(PointKind::Push, &receiver.url(), 5)).await;

    let id = send_request(&node).await;
    wait_for_state(&node, &id, MessageState::Acked).await;

    let posts = receiver.posts();
    let answered: Vec<u16> = posts.iter().map(|p| p.answered).collect();
    assert_eq!(
        answered,
        [503, 503, 200],
        "delivered exactly once after two failures"
    );
    for post in &posts {
        assert_eq!(post.content_type, "text/xml; charset=utf-8");
        assert_eq!(post.soap_action, "urn:GetRequest");
        let reply = wire::read_reply(200, &post.content_type, post.body.as_bytes()).unwrap();
        let ReplyKind::Request(request) = reply.kind else {
            panic!("a push carries a GetRequestResponse: {}", post.body);
        };
        assert_eq!(request.data.message_id, id);
        assert!(
            request.smev_signature.is_some(),
            "ЭП-СМЭВ as for a polling ИС"
        );
    }
    let ops = operations(&node, &id).await;
    assert_eq!(count(&ops, OP_ATTEMPT_FAILED), 2, "{ops:?}");
    assert_eq!(ops.last().map(String::as_str), Some("acked"), "{ops:?}");
    let status = wait_for_answer(&node, |r| category(r).is_some()).await;
    assert_eq!(category(&status), Some("underProcessing"));
    assert_eq!(status.original_message_id.as_deref(), Some(id.as_str()));
    node.stop().await;
}

async fn push_receiver_always_failing_dead_letters_then_redrive_delivers(backend: Backend) {
    let node = delivering_node(backend).await;
    let receiver = Endpoint::start(Script {
        always_fail: true,
        ..Script::default()
    })
    .await;
    add_point(&node, &point(PointKind::Push, &receiver.url(), 3)).await;
    let token = token_of_role(&node, "delivery.admin", "technical_administrator").await;

    let id = send_request(&node).await;
    wait_for_state(&node, &id, MessageState::Dead).await;

    assert_eq!(receiver.posts().len(), 3, "exactly the configured attempts");
    let ops = operations(&node, &id).await;
    assert_eq!(count(&ops, OP_ATTEMPT_FAILED), 3, "{ops:?}");
    assert_eq!(
        ops.last().map(String::as_str),
        Some(OP_DEAD_LETTER),
        "{ops:?}"
    );
    let (status, letters) = api(node.addr, "GET", "/dead-letters", &token).await;
    assert_eq!(status, 200);
    let letter = &letters["items"][0];
    assert_eq!(letter["message_id"], id.as_str());
    assert_eq!(letter["attempts"], 3);
    assert_eq!(letter["last_error"], "http 503");
    assert!(letter.get("content").is_none(), "no bodies in the list");
    let depths = node
        .node
        .store()
        .queue_depths(OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(depths.iter().map(|d| d.dead).sum::<u64>(), 1);
    let (status, node_status) = api(node.addr, "GET", "/status", &token).await;
    assert_eq!(status, 200, "{node_status}");
    let dead: u64 = node_status["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["dead"].as_u64().unwrap())
        .sum();
    assert_eq!(
        dead, 1,
        "the node's status counts the dead letter: {node_status}"
    );
    let last_error = node_status["last_error"]["what"]
        .as_str()
        .unwrap_or_default();
    assert!(
        last_error.starts_with(&format!("delivery of {id}: ")),
        "the failed pushes are the node's last error: {node_status}"
    );

    receiver.set_always_fail(false);
    let path = format!("/dead-letters/{id}/redrive");
    let (status, redriven) = api(node.addr, "POST", &path, &token).await;
    assert_eq!(status, 200, "{redriven}");
    wait_for_state(&node, &id, MessageState::Acked).await;

    let answered: Vec<u16> = receiver.posts().iter().map(|p| p.answered).collect();
    assert_eq!(answered, [503, 503, 503, 200]);
    let ops = operations(&node, &id).await;
    assert_eq!(count(&ops, OP_REDRIVEN), 1, "{ops:?}");
    let (status, again) = api(node.addr, "POST", &path, &token).await;
    assert_eq!(status, 404, "no longer a dead letter: {again}");
    node.stop().await;
}

/// The provider takes request `id` from `upstream`, acks it and answers;
/// the answer's message id.
async fn provider_answers(upstream: &TestNode, id: &str) -> String {
    let provider = Ims::provider();
    let poll = provider.get_request(VERSION, OffsetDateTime::now_utc());
    let reply = upstream.post(poll, "urn:GetRequest").await;
    let reply = wire::read_reply(reply.status, &reply.content_type, reply.body.as_bytes());
    let ReplyKind::Request(request) = reply.unwrap().kind else {
        panic!("the request reached the upstream node's provider queue");
    };
    assert_eq!(
        request.data.message_id, id,
        "forwarded with the same message id"
    );
    let to = request.reply_to.clone().expect("reply-to");
    let taken = request.metadata.message_id.clone().unwrap();
    let ack = upstream
        .post(provider.ack(VERSION, &taken, true), "urn:Ack")
        .await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    let answer_id = message_id(OffsetDateTime::now_utc());
    let response = provider.send_response(VERSION, &answer_id, &to, &echo_response());
    let sent = upstream.post(response, "urn:SendResponse").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    answer_id
}

async fn upstream_node_answers_reach_the_consumer_on_the_first_node(backend: Backend) {
    let first = delivering_node(backend).await;
    let upstream = TestNode::start(backend).await;
    add_point(&first, &point(PointKind::Upstream, &upstream.url(), 5)).await;

    let id = send_request(&first).await;
    wait_for_state(&first, &id, MessageState::Acked).await;
    assert_eq!(count(&operations(&first, &id).await, OP_FORWARDED), 1);

    let answer_id = provider_answers(&upstream, &id).await;

    let primary =
        |r: &wire::ReceivedResponse| matches!(r.data.content, ResponseContent::Primary { .. });
    let answer = wait_for_answer(&first, primary).await;
    assert_eq!(answer.original_message_id.as_deref(), Some(id.as_str()));
    assert_eq!(answer.data.message_id, answer_id);
    assert_eq!(
        answer.metadata.sender.as_ref().map(|p| p.mnemonic.as_str()),
        Some(PROVIDER)
    );
    let store = first.node.store();
    let filed = store.get(&answer_id).await.unwrap().expect("filed");
    assert_eq!(
        filed.message.original_message_id.as_deref(),
        Some(id.as_str())
    );
    let upstream_copy = upstream
        .node
        .store()
        .get(&answer_id)
        .await
        .unwrap()
        .unwrap();
    let acked = upstream_copy.delivery.state;
    assert_eq!(acked, MessageState::Acked, "acked upstream once filed");
    upstream.stop().await;
    first.stop().await;
}

/// The fixtures' registry with no ИС key held by the node.
fn registry_without_keys() -> exchange::Registry {
    let full = fixtures_registry();
    let systems = full
        .systems()
        .iter()
        .cloned()
        .map(|system| exchange::InformationSystem {
            signing: None,
            ..system
        })
        .collect();
    let services = full.services().cloned().collect();
    exchange::Registry::new(systems, services).unwrap()
}

async fn upstream_without_the_consumer_key_forwards_the_stored_signature(backend: Backend) {
    let first = delivering_node(backend).await;
    first.node.replace_registry(registry_without_keys());
    let upstream = TestNode::start(backend).await;
    add_point(&first, &point(PointKind::Upstream, &upstream.url(), 3)).await;
    assert!(first.node.systems_with_keys().is_empty());

    let id = send_request(&first).await;
    wait_for_state(&first, &id, MessageState::Acked).await;

    let arrived = upstream.node.store().get(&id).await.unwrap();
    let arrived = arrived.expect("the upstream verified the consumer's own ЭП-ОВ and queued it");
    let stored = first.node.store().get(&id).await.unwrap().unwrap();
    assert_eq!(
        arrived.message.content, stored.message.content,
        "the same fragment"
    );
    assert_eq!(
        arrived.message.signature, stored.message.signature,
        "the same ЭП-ОВ"
    );
    upstream.stop().await;
    first.stop().await;
}

async fn upstream_invalid_content_fault_becomes_rejected_by_smev_status(backend: Backend) {
    let node = delivering_node(backend).await;
    let errors = vec![wire::ValidationError {
        message: "bad payload".into(),
        position: 3,
    }];
    let fault = wire::Fault::new(wire::FaultKind::InvalidContent(errors));
    let fault = wire::write_fault(Some(VERSION), &fault);
    let upstream = Endpoint::start(Script {
        fault: Some(fault),
        ..Script::default()
    })
    .await;
    add_point(&node, &point(PointKind::Upstream, &upstream.url(), 5)).await;

    let id = send_request(&node).await;
    wait_for_state(&node, &id, MessageState::Rejected).await;

    let status = wait_for_answer(&node, |r| category(r).is_some()).await;
    assert_eq!(category(&status), Some("requestIsRejectedBySmev"));
    assert_eq!(status.original_message_id.as_deref(), Some(id.as_str()));
    let ResponseContent::AsyncStatus(async_status) = &status.data.content else {
        unreachable!("category is set");
    };
    let smev_fault = async_status.fault.as_ref().expect("typed SmevFault");
    assert!(
        matches!(smev_fault.kind, wire::FaultKind::InvalidContent(_)),
        "{smev_fault:?}"
    );
    let filter = JournalFilter {
        message_id: Some(id.clone()),
        operation: Some(OP_FORWARDED.into()),
        ..JournalFilter::default()
    };
    let records = node.node.store().query(&filter).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        records[0].entry.fault_code.as_deref(),
        Some("InvalidContent")
    );
    let sends = upstream
        .posts()
        .iter()
        .filter(|p| p.soap_action == "urn:SendRequest")
        .count();
    assert_eq!(sends, 1, "a sender's fault is not retried");
    node.stop().await;
}

async fn upstream_down_is_retried_then_dead_lettered(backend: Backend) {
    let node = delivering_node(backend).await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ws", closed.local_addr().unwrap());
    drop(closed);
    add_point(&node, &point(PointKind::Upstream, &url, 3)).await;

    let id = send_request(&node).await;
    wait_for_state(&node, &id, MessageState::Dead).await;

    let ops = operations(&node, &id).await;
    assert_eq!(count(&ops, OP_ATTEMPT_FAILED), 3, "{ops:?}");
    assert_eq!(ops.last().map(String::as_str), Some(OP_DEAD_LETTER));
    let letters = node.node.store().dead_letters(10).await.unwrap();
    assert_eq!(letters.len(), 1);
    let error = letters[0].last_error.clone().unwrap_or_default();
    assert!(error.starts_with("connecting to"), "{error}");
    assert!(
        next_answer(&node).await.is_none(),
        "nothing reaches the consumer"
    );
    node.stop().await;
}
