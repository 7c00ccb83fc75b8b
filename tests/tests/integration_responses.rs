//! Responses through the integration REST API (issue #3) over real HTTP on
//! 127.0.0.1: with auto-poll on for the consumer ИС, a request posted as
//! JSON is taken and answered by the provider over SOAP, the node takes the
//! status and the response from the consumer's queue, keeps them for
//! `GET /responses/{id}` and acks them (the provider's GetStatus sees the
//! delivery); a rejection arrives the same way; a crash between keeping
//! and acking redelivers without a duplicate. Also `GET /requests` pages
//! and filters, its bad parameters, and `GET /status`. Both stores.

#[allow(dead_code)]
mod api {
    pub mod client;
    pub mod fixture;
}

use std::time::Duration;

use api::client::{Answer, Call};
use api::fixture::{Cabinet, Subject};
use serde_json::{json, Value};
use smevgate_tests::{
    echo_request, echo_response, message_id, Backend, Ims, NodeOptions, CONSUMER, PROVIDER,
};
use store::{QueueId, QueueKind};
use time::OffsetDateTime;
use wire::{ReplyKind, Version};

const P: &str = ::api::PREFIX;

/// Longest a test waits for the auto-poll task (it polls every 20 ms).
const DEADLINE: Duration = Duration::from_secs(30);

/// A cabinet whose node polls and acks for the consumer.
async fn start(backend: Backend, task: bool) -> Cabinet {
    let mut options = NodeOptions::new(backend);
    options.settings.auto_poll = vec![CONSUMER.to_owned()];
    options.auto_poll_every = task.then_some(Duration::from_millis(20));
    Cabinet::start_with(options).await
}

async fn call(cabinet: &Cabinet, subject: Subject, method: &'static str, path: &str) -> Answer {
    let call = Call::new(method, format!("{P}{path}"));
    let call = call.bearer(cabinet.bearer(subject).unwrap());
    call.send(cabinet.addr()).await
}

/// Posts an echo request as the operator; its message id.
async fn post_echo(cabinet: &Cabinet, client_id: &str) -> String {
    let body = json!({ "system": CONSUMER, "client_id": client_id, "payload": echo_request() });
    let call = Call::new("POST", format!("{P}/requests")).json(&body);
    let call = call.bearer(cabinet.bearer(Subject::Operator).unwrap());
    let answer = call.send(cabinet.addr()).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()["message_id"].as_str().unwrap().to_owned()
}

/// The provider takes the next request over SOAP and acks it: its
/// message id and `ReplyTo`.
async fn provider_takes_and_acks(cabinet: &Cabinet) -> (String, String) {
    let provider = Ims::provider();
    let envelope = provider.get_request(Version::V1_3, OffsetDateTime::now_utc());
    let reply = cabinet.node.post(envelope, "urn:GetRequest").await;
    let read = wire::read_reply(reply.status, &reply.content_type, reply.body.as_bytes());
    let Ok(ReplyKind::Request(request)) = read.map(|r| r.kind) else {
        panic!("the provider gets the request: {}", reply.body)
    };
    let id = request.data.message_id;
    let ack = cabinet
        .node
        .post(provider.ack(Version::V1_3, &id, true), "urn:Ack")
        .await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    (id, request.reply_to.expect("ReplyTo"))
}

/// The provider answers `to` over SOAP with `content`; the answer's id.
async fn provider_answers(
    cabinet: &Cabinet,
    to: &str,
    content: wire::ResponseInputContent<'_>,
) -> String {
    let provider = Ims::provider();
    let id = message_id(OffsetDateTime::now_utc());
    let input = wire::ResponseInput {
        id: "SIGNED_BY_CALLER",
        message_id: &id,
        to,
        content,
    };
    let sign = |e: &str, i: &str| provider.sign(e, i);
    let envelope = wire::write_send_response_request(Version::V1_3, &input, &[], Some(&sign));
    let reply = cabinet.node.post(envelope, "urn:SendResponse").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    id
}

/// `GET /responses/{id}` once it lists `count` items and the consumer's
/// response queue is empty (everything kept was acked).
async fn responses_once_settled(cabinet: &Cabinet, id: &str, count: usize) -> Value {
    let started = std::time::Instant::now();
    loop {
        let answer = call(
            cabinet,
            Subject::Operator,
            "GET",
            &format!("/responses/{id}"),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let body = answer.json();
        let listed = body["items"].as_array().unwrap().len();
        if listed == count && consumer_pending(cabinet).await == 0 {
            return body;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "still {body} after {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Pending messages in the consumer's response queue.
async fn consumer_pending(cabinet: &Cabinet) -> u64 {
    let queue = QueueId::new(CONSUMER, QueueKind::Responses);
    cabinet.store().pending_count(&queue, 1000).await.unwrap()
}

async fn auto_poll_keeps_status_then_response_and_acks_them(backend: Backend) {
    let cabinet = start(backend, true).await;
    let id = post_echo(&cabinet, "auto-1").await;

    let (taken, reply_to) = provider_takes_and_acks(&cabinet).await;
    let payload = echo_response();
    let primary = wire::ResponseInputContent::Primary {
        payload: &payload,
        personal_signature: None,
        attachment_headers: &[],
    };
    let answered = provider_answers(&cabinet, &reply_to, primary).await;
    let body = responses_once_settled(&cabinet, &id, 2).await;

    assert_eq!(taken, id);
    assert_eq!(body["items"][1]["message_id"], answered.as_str());
    assert_eq!(body["message_id"], id.as_str());
    assert_eq!(body["client_id"], "auto-1");
    assert_eq!(body["auto_poll"], true);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items[0]["kind"], "status", "{body}");
    assert_eq!(items[0]["status"], "underProcessing");
    assert_eq!(items[0]["payload"], Value::Null);
    assert_eq!(items[1]["kind"], "response", "{body}");
    let kept = items[1]["payload"].as_str().unwrap();
    assert!(kept.starts_with("<q:EchoResponse"), "{kept}");
    assert!(kept.contains("<q:Found>true</q:Found>"), "{kept}");
    assert_eq!(items[1]["payload_withheld"], false);
    let status = Ims::provider().get_status(Version::V1_3, OffsetDateTime::now_utc());
    let status = cabinet.node.post(status, "urn:GetStatus").await;
    assert!(
        status.body.contains("messageIsDelivered"),
        "{}",
        status.body
    );
    assert!(status.body.contains(&answered), "{}", status.body);
}

#[tokio::test]
async fn auto_poll_keeps_status_then_response_and_acks_them_sqlite() {
    auto_poll_keeps_status_then_response_and_acks_them(Backend::Sqlite).await;
}

#[tokio::test]
async fn auto_poll_keeps_status_then_response_and_acks_them_postgres() {
    auto_poll_keeps_status_then_response_and_acks_them(Backend::Postgres).await;
}

async fn rejection_reaches_the_api_with_every_reason(backend: Backend) {
    let cabinet = start(backend, true).await;
    let id = post_echo(&cabinet, "reject-1").await;
    let (_, reply_to) = provider_takes_and_acks(&cabinet).await;
    let reasons = [
        wire::Rejection {
            code: "NO_DATA".to_owned(),
            description: "Сведения не найдены".to_owned(),
        },
        wire::Rejection {
            code: "FAILURE".to_owned(),
            description: "Второй отказ".to_owned(),
        },
    ];

    provider_answers(
        &cabinet,
        &reply_to,
        wire::ResponseInputContent::Rejected(&reasons),
    )
    .await;
    let body = responses_once_settled(&cabinet, &id, 2).await;

    let rejection = &body["items"][1];
    assert_eq!(rejection["kind"], "rejection", "{body}");
    assert_eq!(rejection["status"], "NO_DATA");
    assert_eq!(rejection["description"], "Сведения не найдены");
    assert_eq!(
        rejection["fields"],
        json!([
            { "name": "NO_DATA", "value": "Сведения не найдены" },
            { "name": "FAILURE", "value": "Второй отказ" },
        ])
    );
    assert_eq!(rejection["payload"], Value::Null);
}

#[tokio::test]
async fn rejection_reaches_the_api_with_every_reason_sqlite() {
    rejection_reaches_the_api_with_every_reason(Backend::Sqlite).await;
}

#[tokio::test]
async fn rejection_reaches_the_api_with_every_reason_postgres() {
    rejection_reaches_the_api_with_every_reason(Backend::Postgres).await;
}

async fn crash_between_keep_and_ack_redelivers_without_duplicate(backend: Backend) {
    let cabinet = start(backend, false).await;
    let id = post_echo(&cabinet, "crash-1").await;
    provider_takes_and_acks(&cabinet).await;
    let node = &cabinet.node.node;
    let queue = QueueId::new(CONSUMER, QueueKind::Responses);
    let an_hour_ago = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let lease = Duration::from_secs(1);
    let taken = cabinet
        .store()
        .take(&queue, None, an_hour_ago, lease, "test-node");
    let taken = taken.await.unwrap().expect("the status waits");

    // The node kept it, then died before the ack: the lease ran out.
    assert!(node.keep_received(CONSUMER, &taken).await.unwrap());
    let settled = node.auto_poll_once().await;

    assert_eq!(settled, 1);
    assert!(!node.keep_received(CONSUMER, &taken).await.unwrap());
    let kept = cabinet.store().received_responses(&id).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].message_id, taken.message.message_id);
    assert_eq!(consumer_pending(&cabinet).await, 0);
    let stored = cabinet
        .store()
        .get(&taken.message.message_id)
        .await
        .unwrap();
    assert_eq!(stored.unwrap().delivery.state, store::MessageState::Acked);
    assert_eq!(node.auto_poll_once().await, 0);
}

#[tokio::test]
async fn crash_between_keep_and_ack_redelivers_without_duplicate_sqlite() {
    crash_between_keep_and_ack_redelivers_without_duplicate(Backend::Sqlite).await;
}

#[tokio::test]
async fn crash_between_keep_and_ack_redelivers_without_duplicate_postgres() {
    crash_between_keep_and_ack_redelivers_without_duplicate(Backend::Postgres).await;
}

#[tokio::test]
async fn auto_poll_skips_systems_without_a_key_and_unflagged_ones() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.settings.auto_poll = vec!["NOSUCH01".to_owned(), "NOKEY01".to_owned()];
    let cabinet = Cabinet::start_with(options).await;
    let form = cabinet::SystemForm {
        mnemonic: "NOKEY01".to_owned(),
        name: "ИС без ключа".to_owned(),
        kind: "ИС потребителя".to_owned(),
    };
    let context = api::fixture::setup_context();
    cabinet
        .store()
        .create_system(&form, &context)
        .await
        .unwrap();
    cabinet.node.node.reload_registry().await.unwrap();
    post_echo(&cabinet, "unpolled-1").await;
    provider_takes_and_acks(&cabinet).await;

    let settled = cabinet.node.node.auto_poll_once().await;

    assert_eq!(settled, 0);
    assert!(cabinet.node.node.auto_poll_systems().is_empty());
    assert_eq!(consumer_pending(&cabinet).await, 1);
}

#[tokio::test]
async fn put_system_with_auto_poll_on_a_keyless_system_gets_422() {
    let cabinet = start(Backend::Sqlite, false).await;
    let form = cabinet::SystemForm {
        mnemonic: "STORED01".to_owned(),
        name: "ИС".to_owned(),
        kind: "ИС потребителя".to_owned(),
    };
    let context = api::fixture::setup_context();
    cabinet
        .store()
        .create_system(&form, &context)
        .await
        .unwrap();
    let put = |auto_poll: bool| {
        let body = json!({ "name": "ИС", "kind": "ИС потребителя", "auto_poll": auto_poll });
        let call = Call::new("PUT", format!("{P}/systems/STORED01")).if_match(1);
        call.json(&body)
            .bearer(cabinet.bearer(Subject::Admin).unwrap())
    };

    let on = put(true).send(cabinet.addr()).await;
    let off = put(false).send(cabinet.addr()).await;

    on.assert_problem(422);
    assert_eq!(on.problem_fields(), ["auto_poll"]);
    assert_eq!(off.status, 200, "{}", off.text);
}

#[tokio::test]
async fn responses_of_an_unknown_request_get_404() {
    let cabinet = start(Backend::Sqlite, false).await;

    let answer = call(&cabinet, Subject::Operator, "GET", "/responses/nothing-1").await;

    answer.assert_problem(404);
    assert!(answer.json()["detail"]
        .as_str()
        .unwrap()
        .contains("nothing-1"));
}

#[tokio::test]
async fn auditor_sees_responses_without_the_payload() {
    let cabinet = start(Backend::Sqlite, true).await;
    let id = post_echo(&cabinet, "audit-1").await;
    let (_, reply_to) = provider_takes_and_acks(&cabinet).await;
    let payload = echo_response();
    let primary = wire::ResponseInputContent::Primary {
        payload: &payload,
        personal_signature: None,
        attachment_headers: &[],
    };
    provider_answers(&cabinet, &reply_to, primary).await;
    responses_once_settled(&cabinet, &id, 2).await;

    let answer = call(&cabinet, Subject::Auditor, "GET", "/responses/audit-1").await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    let response = &answer.json()["items"][1];
    assert_eq!(response["kind"], "response");
    assert_eq!(response["payload"], Value::Null);
    assert_eq!(response["payload_withheld"], true);
    assert!(!answer.text.contains("EchoResponse"), "{}", answer.text);
}

/// `GET /requests?{query}` as the operator.
async fn page(cabinet: &Cabinet, query: &str) -> Answer {
    call(
        cabinet,
        Subject::Operator,
        "GET",
        &format!("/requests?{query}"),
    )
    .await
}

/// The message ids of a page, in order.
fn page_ids(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{}", answer.text);
    let items = answer.json()["items"].as_array().unwrap().clone();
    let ids = items
        .iter()
        .map(|i| i["message_id"].as_str().unwrap().to_owned());
    ids.collect()
}

async fn request_page_filters_and_cursor_walk_every_request(backend: Backend) {
    let cabinet = start(backend, false).await;
    let before = OffsetDateTime::now_utc() - time::Duration::minutes(1);
    let mut sent = Vec::new();
    for n in 1..=3 {
        sent.push(post_echo(&cabinet, &format!("page-{n}")).await);
    }
    let (acked, _) = provider_takes_and_acks(&cabinet).await;
    let echo_root = "%7Burn://smevgate.test/echo/1.0.0%7DEchoRequest";
    let later = time_text(before + time::Duration::hours(1));

    let first = page(&cabinet, "limit=2").await;
    let next = first.json()["next"].as_str().unwrap().to_owned();
    let second = page(&cabinet, &format!("limit=2&cursor={next}")).await;
    let processing = page(&cabinet, "status=underProcessing").await;
    let queued = page(&cabinet, "status=requestIsQueued&service=echo").await;
    let by_root = page(&cabinet, &format!("service={echo_root}")).await;
    let window = page(&cabinet, &format!("since={}", time_text(before))).await;
    let future = page(&cabinet, &format!("since={later}")).await;
    let past = page(&cabinet, &format!("until={}", time_text(before))).await;

    let walked = [page_ids(&first), page_ids(&second)].concat();
    assert_eq!(walked, sent);
    assert_eq!(second.json()["next"], Value::Null);
    assert_eq!(page_ids(&processing), vec![acked.clone()]);
    let queued = page_ids(&queued);
    assert_eq!(queued.len(), 2);
    assert!(!queued.contains(&acked));
    assert_eq!(page_ids(&by_root).len(), 3);
    assert_eq!(page_ids(&window).len(), 3);
    assert!(page_ids(&future).is_empty());
    assert!(page_ids(&past).is_empty());
    let item = &first.json()["items"][0];
    assert_eq!(item["sent_by"], "operator");
    assert_eq!(item["remote"], "127.0.0.1");
    assert_eq!(item["client_id"], "page-1");
}

#[tokio::test]
async fn request_page_filters_and_cursor_walk_every_request_sqlite() {
    request_page_filters_and_cursor_walk_every_request(Backend::Sqlite).await;
}

#[tokio::test]
async fn request_page_filters_and_cursor_walk_every_request_postgres() {
    request_page_filters_and_cursor_walk_every_request(Backend::Postgres).await;
}

#[tokio::test]
async fn request_page_bad_parameters_get_400_naming_each() {
    let cabinet = start(Backend::Sqlite, false).await;
    let query = "since=%D0%B2%D1%87%D0%B5%D1%80%D0%B0&until=2024-13-01&status=bogus&service=nope&limit=501&cursor=%40%40";

    let answer = call(
        &cabinet,
        Subject::Operator,
        "GET",
        &format!("/requests?{query}"),
    )
    .await;
    let zero = call(&cabinet, Subject::Operator, "GET", "/requests?limit=0").await;
    let word = call(&cabinet, Subject::Operator, "GET", "/requests?limit=ten").await;
    let unknown = call(&cabinet, Subject::Operator, "GET", "/requests?colour=red").await;

    answer.assert_problem(400);
    assert_eq!(
        answer.problem_fields(),
        ["since", "until", "status", "service", "limit", "cursor"]
    );
    zero.assert_problem(400);
    assert_eq!(zero.problem_fields(), ["limit"]);
    word.assert_problem(400);
    assert_eq!(word.problem_fields(), ["limit"]);
    unknown.assert_problem(400);
    assert_eq!(unknown.problem_fields(), ["query"]);
}

#[tokio::test]
async fn sent_request_records_who_sent_it_from_where_and_when() {
    let cabinet = start(Backend::Sqlite, false).await;
    let before = OffsetDateTime::now_utc();

    let id = post_echo(&cabinet, "who-1").await;

    let recorded = cabinet
        .store()
        .integration_request_by_message(&id)
        .await
        .unwrap();
    let recorded = recorded.expect("recorded");
    assert_eq!(recorded.sent_by, "operator");
    assert_eq!(recorded.remote, Some("127.0.0.1".parse().unwrap()));
    assert!(recorded.created_at >= before - time::Duration::seconds(1));
    let read = call(
        &cabinet,
        Subject::Auditor,
        "GET",
        &format!("/requests/{id}"),
    )
    .await;
    assert_eq!(read.json()["sent_by"], "operator");
}

async fn status_names_version_store_queues_and_holds_no_secrets(backend: Backend) {
    let cabinet = start(backend, false).await;
    post_echo(&cabinet, "status-1").await;

    let answer = call(&cabinet, Subject::Auditor, "GET", "/status").await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["node_id"], "test-node");
    assert_eq!(body["store_reachable"], true);
    assert_eq!(
        body["queues"],
        json!([{ "owner": PROVIDER, "kind": "requests", "pending": 1, "in_flight": 0, "dead": 0 }])
    );
    assert_eq!(body["last_error"], Value::Null);
    assert!(body["uptime_secs"].is_u64(), "{body}");
    assert_eq!(body["auto_poll"], json!([CONSUMER]));
    let text = &answer.text;
    for secret in secrets(&cabinet) {
        assert!(!text.contains(&secret), "{text} leaks {secret}");
    }
    for marker in ["PRIVATE", "BEGIN", "postgres://", "sqlite://", "password"] {
        assert!(!text.contains(marker), "{text} contains {marker}");
    }
}

/// Key material, bearer tokens and the fixture password of this cabinet.
fn secrets(cabinet: &Cabinet) -> Vec<String> {
    let keys = smevgate_tests::fixtures_dir().join("keys");
    let mut secrets: Vec<String> = ["consumer", "provider"]
        .iter()
        .flat_map(|folder| {
            let pem = std::fs::read_to_string(keys.join(folder).join("key.pem")).unwrap();
            let lines: Vec<String> = pem
                .lines()
                .filter(|l| !l.starts_with("-----") && l.len() > 16)
                .map(str::to_owned)
                .collect();
            lines
        })
        .collect();
    for subject in [Subject::Admin, Subject::Operator, Subject::Auditor] {
        secrets.push(cabinet.bearer(subject).unwrap().to_owned());
    }
    secrets.push(api::fixture::PASSWORD.to_owned());
    secrets
}

#[tokio::test]
async fn status_names_version_store_queues_and_holds_no_secrets_sqlite() {
    status_names_version_store_queues_and_holds_no_secrets(Backend::Sqlite).await;
}

#[tokio::test]
async fn status_names_version_store_queues_and_holds_no_secrets_postgres() {
    status_names_version_store_queues_and_holds_no_secrets(Backend::Postgres).await;
}

#[tokio::test]
async fn status_without_a_token_gets_401() {
    let cabinet = start(Backend::Sqlite, false).await;

    let answer = Call::new("GET", format!("{P}/status"))
        .send(cabinet.addr())
        .await;

    answer.assert_problem(401);
}

fn time_text(at: OffsetDateTime) -> String {
    let text = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    text.replace('+', "%2B")
}

#[tokio::test]
async fn openapi_documents_the_new_routes_parameters_and_answers() {
    let cabinet = start(Backend::Sqlite, false).await;

    let answer = Call::new("GET", format!("{P}/openapi.json"))
        .send(cabinet.addr())
        .await;

    let document = answer.json();
    let paths = &document["paths"];
    let page = &paths[format!("{P}/requests")]["get"];
    let names: Vec<&str> = page["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["since", "until", "status", "service", "limit", "cursor"]
    );
    assert!(page["responses"]["400"].is_object(), "{page}");
    let responses = &paths[format!("{P}/responses/{{id}}")]["get"];
    assert_eq!(responses["parameters"][0]["schema"]["type"], "string");
    assert!(responses["responses"]["404"].is_object(), "{responses}");
    assert!(paths[format!("{P}/status")]["get"]["responses"]["401"].is_object());
    assert!(paths[format!("{P}/session")]["post"]["responses"]["429"].is_object());
    assert!(paths[format!("{P}/users/{{id}}")]["put"]["responses"]["409"].is_object());
}

#[tokio::test]
async fn two_nodes_on_one_postgres_poll_each_message_once() {
    let cabinet = start(Backend::Postgres, true).await;
    let mut options = NodeOptions::new(Backend::Postgres);
    options.pg_schema = cabinet.node.pg_schema.clone();
    options.settings.node_id = "other-node".to_owned();
    options.settings.auto_poll = vec![CONSUMER.to_owned()];
    options.auto_poll_every = Some(Duration::from_millis(20));
    let other = smevgate_tests::TestNode::start_with(options).await;
    let mut sent = Vec::new();
    for n in 0..6 {
        sent.push(post_echo(&cabinet, &format!("twin-{n}")).await);
    }

    for _ in 0..6 {
        provider_takes_and_acks(&cabinet).await;
    }
    for id in &sent {
        let body = responses_once_settled(&cabinet, id, 1).await;
        assert_eq!(body["items"][0]["status"], "underProcessing", "{body}");
    }

    assert_eq!(consumer_pending(&cabinet).await, 0);
    assert_eq!(cabinet.node.node.last_error(), None);
    assert_eq!(other.node.last_error(), None);
    other.stop().await;
}
