//! The integration REST API (`/api/v1/requests`, issue #3) over real HTTP
//! on 127.0.0.1: a request posted as JSON is signed with the consumer ИС
//! key, routed and queued exactly as a SOAP SendRequest, the provider takes
//! it with GetRequest, a repeated client id never makes a second message,
//! refusals name the SMEV fault, and `GET /requests/{id}` finds a request
//! by message id and by client id. SQLite, and the main flow on PostgreSQL.

#[allow(dead_code)]
mod api {
    pub mod client;
    pub mod fixture;
}

use api::client::{Answer, Call};
use api::fixture::{setup_context, Cabinet, Subject};
use base64::Engine;
use serde_json::{json, Value};
use smevgate_tests::{echo_request, Backend, Ims, CONSUMER, ECHO_NS, PROVIDER};
use time::OffsetDateTime;

const P: &str = ::api::PREFIX;

async fn post_request(cabinet: &Cabinet, subject: Subject, body: &Value) -> Answer {
    let call = Call::new("POST", format!("{P}/requests")).json(body);
    let call = call.bearer(cabinet.bearer(subject).unwrap());
    call.send(cabinet.addr()).await
}

async fn get_request(cabinet: &Cabinet, subject: Subject, id: &str) -> Answer {
    let call = Call::new("GET", format!("{P}/requests/{id}"));
    let call = call.bearer(cabinet.bearer(subject).unwrap());
    call.send(cabinet.addr()).await
}

fn echo_body(client_id: &str) -> Value {
    json!({ "system": CONSUMER, "client_id": client_id, "payload": echo_request(), "test": false })
}

/// The provider's GetRequest answer, over SOAP.
async fn provider_takes(cabinet: &Cabinet) -> String {
    let envelope = Ims::provider().get_request(wire::Version::V1_3, OffsetDateTime::now_utc());
    let reply = cabinet.node.post(envelope, "urn:GetRequest").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn posted_request_reaches_the_provider_signed_by_the_consumer(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;

    let answer = post_request(&cabinet, Subject::Operator, &echo_body("order-1")).await;

    assert_eq!(answer.status, 201, "{}", answer.text);
    let body = answer.json();
    let message_id = body["message_id"].as_str().unwrap().to_owned();
    assert_eq!(body["client_id"], "order-1");
    assert_eq!(body["system"], CONSUMER);
    assert_eq!(body["service"], format!("{{{ECHO_NS}}}EchoRequest"));
    assert_eq!(body["state"], "pending");
    assert_eq!(body["delivered_at"], Value::Null);
    let taken = provider_takes(&cabinet).await;
    assert!(taken.contains(&message_id), "{taken}");
    assert!(taken.contains("12345678901"), "{taken}");
    let consumer_cert =
        base64::engine::general_purpose::STANDARD.encode(Ims::consumer().cert.as_der());
    assert!(
        taken.contains(&consumer_cert),
        "the consumer's signature travels: {taken}"
    );
    let stored = cabinet.store().get(&message_id).await.unwrap().unwrap();
    assert_eq!(stored.message.sender, CONSUMER);
    assert_eq!(stored.message.recipient, PROVIDER);
    let read = get_request(&cabinet, Subject::Operator, &message_id).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert!(read.json()["delivered_at"].is_string());
}

#[tokio::test]
async fn posted_request_reaches_the_provider_signed_by_the_consumer_sqlite() {
    posted_request_reaches_the_provider_signed_by_the_consumer(Backend::Sqlite).await;
}

#[tokio::test]
async fn posted_request_reaches_the_provider_signed_by_the_consumer_postgres() {
    posted_request_reaches_the_provider_signed_by_the_consumer(Backend::Postgres).await;
}

#[tokio::test]
async fn repeated_client_id_answers_the_first_message_without_a_second() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;

    let first = post_request(&cabinet, Subject::Operator, &echo_body("order-2")).await;
    let second = post_request(&cabinet, Subject::Admin, &echo_body("order-2")).await;

    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(first.json()["message_id"], second.json()["message_id"]);
    let depths = cabinet
        .store()
        .queue_depths(OffsetDateTime::now_utc())
        .await
        .unwrap();
    let pending: u64 = depths.iter().map(|d| d.pending).sum();
    assert_eq!(pending, 1);
    let recorded = cabinet
        .store()
        .integration_requests_by_client("order-2")
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
}

#[tokio::test]
async fn malformed_payload_gets_422_naming_the_smev_fault() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = json!({ "system": CONSUMER, "client_id": "bad-1", "payload": "<q:Echo" });

    let answer = post_request(&cabinet, Subject::Operator, &body).await;

    answer.assert_problem(422);
    let problem = answer.json();
    assert_eq!(problem["smev_fault"], "soap:Client", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("не является корректным SOAP-конвертом"),
        "{detail}"
    );
    assert!(cabinet
        .store()
        .integration_requests_by_client("bad-1")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn payload_of_no_service_gets_422_naming_the_smev_fault() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let payload = r#"<u:Unknown xmlns:u="urn://smevgate.test/unknown/1.0.0">1</u:Unknown>"#;
    let body = json!({ "system": CONSUMER, "client_id": "bad-2", "payload": payload });

    let answer = post_request(&cabinet, Subject::Operator, &body).await;

    answer.assert_problem(422);
    let problem = answer.json();
    assert_eq!(
        problem["smev_fault"], "BusinessDataTypeIsNotSupported",
        "{problem}"
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("SMEV-403"), "{detail}");
}

#[tokio::test]
async fn auditor_posting_a_request_gets_403() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;

    let answer = post_request(&cabinet, Subject::Auditor, &echo_body("audit-1")).await;

    answer.assert_problem(403);
    assert!(cabinet
        .store()
        .integration_requests_by_client("audit-1")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn system_without_a_key_gets_409_cannot_sign() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let form = cabinet::SystemForm {
        mnemonic: "NOKEY01".to_owned(),
        name: "ИС без ключа".to_owned(),
        kind: "ИС потребителя".to_owned(),
    };
    cabinet
        .store()
        .create_system(&form, &setup_context())
        .await
        .unwrap();
    cabinet.node.node.reload_registry().await.unwrap();
    let body = json!({ "system": "NOKEY01", "client_id": "nokey-1", "payload": echo_request() });

    let answer = post_request(&cabinet, Subject::Admin, &body).await;

    answer.assert_problem(409);
    let detail = answer.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.starts_with("ИС не может подписывать: ключ не задан"),
        "{detail}"
    );
}

#[tokio::test]
async fn get_finds_a_request_by_message_id_and_by_client_id() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let sent = post_request(&cabinet, Subject::Operator, &echo_body("order-3")).await;
    let message_id = sent.json()["message_id"].as_str().unwrap().to_owned();

    let by_message = get_request(&cabinet, Subject::Auditor, &message_id).await;
    let by_client = get_request(&cabinet, Subject::Auditor, "order-3").await;
    let unknown = get_request(&cabinet, Subject::Auditor, "order-404").await;

    assert_eq!(by_message.status, 200, "{}", by_message.text);
    assert_eq!(by_message.json(), by_client.json());
    let body = by_client.json();
    assert_eq!(body["message_id"], message_id.as_str());
    assert_eq!(body["client_id"], "order-3");
    assert_eq!(body["status"], sent.json()["status"]);
    assert!(body["sent_at"].is_string());
    unknown.assert_problem(404);
}

/// Pending messages in every queue of the node.
async fn pending_messages(cabinet: &Cabinet) -> u64 {
    let now = OffsetDateTime::now_utc();
    let depths = cabinet.store().queue_depths(now).await.unwrap();
    depths.iter().map(|d| d.pending).sum()
}

async fn concurrent_identical_requests_make_one_message(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let body = echo_body("order-race");

    let posts = (0..8).map(|_| post_request(&cabinet, Subject::Operator, &body));
    let answers = futures_util::future::join_all(posts).await;

    let created = answers.iter().filter(|a| a.status == 201).count();
    let repeated = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!((created, repeated), (1, 7), "{:?}", statuses(&answers));
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|a| a.json()["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(pending_messages(&cabinet).await, 1);
}

#[tokio::test]
async fn concurrent_identical_requests_make_one_message_sqlite() {
    concurrent_identical_requests_make_one_message(Backend::Sqlite).await;
}

#[tokio::test]
async fn concurrent_identical_requests_make_one_message_postgres() {
    concurrent_identical_requests_make_one_message(Backend::Postgres).await;
}

#[tokio::test]
async fn key_recorded_before_a_stop_routes_its_own_message_id_once() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    // A node stopped between recording the key and queueing its message.
    let message_id = smevgate_tests::message_id(OffsetDateTime::now_utc());
    let orphan = store::integration::IntegrationRequest {
        system: CONSUMER.to_owned(),
        client_id: "order-stopped".to_owned(),
        message_id: message_id.clone(),
        created_at: OffsetDateTime::now_utc(),
        sent_by: "operator".to_owned(),
        remote: None,
        payload_digest: None,
    };
    assert!(cabinet
        .store()
        .record_integration_request(orphan)
        .await
        .unwrap());

    let retried = post_request(&cabinet, Subject::Operator, &echo_body("order-stopped")).await;
    let again = post_request(&cabinet, Subject::Operator, &echo_body("order-stopped")).await;

    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.json()["message_id"], message_id.as_str());
    assert_eq!(again.json()["message_id"], message_id.as_str());
    assert_eq!(pending_messages(&cabinet).await, 1);
    assert!(provider_takes(&cabinet).await.contains(&message_id));
}

#[tokio::test]
async fn refused_request_frees_its_client_id_for_a_corrected_retry() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let wrong = json!({
        "system": CONSUMER, "client_id": "order-fixed",
        "payload": format!(r#"<q:EchoRequest xmlns:q="{ECHO_NS}"><q:Unknown/></q:EchoRequest>"#),
    });

    let refused = post_request(&cabinet, Subject::Operator, &wrong).await;
    let corrected = post_request(&cabinet, Subject::Operator, &echo_body("order-fixed")).await;

    refused.assert_problem(422);
    assert_eq!(
        refused.json()["smev_fault"],
        "InvalidContent",
        "{}",
        refused.text
    );
    assert_eq!(corrected.status, 201, "{}", corrected.text);
    assert_eq!(pending_messages(&cabinet).await, 1);
}

fn statuses(answers: &[Answer]) -> Vec<u16> {
    answers.iter().map(|a| a.status).collect()
}

#[tokio::test]
async fn responses_of_a_system_not_auto_polled_say_so() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let sent = post_request(&cabinet, Subject::Operator, &echo_body("unpolled-1")).await;
    assert_eq!(sent.status, 201, "{}", sent.text);

    let call = Call::new("GET", format!("{P}/responses/unpolled-1"))
        .bearer(cabinet.bearer(Subject::Operator).unwrap());
    let answer = call.send(cabinet.addr()).await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["auto_poll"], false);
    assert_eq!(answer.json()["items"], json!([]));
}
