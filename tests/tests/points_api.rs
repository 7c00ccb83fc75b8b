//! The integration points and dead-letter routes of the REST API (issue
//! #3) on both stores: the happy path with versions, `ETag` and audit, the
//! point reaching the node's registry at once, and every refusal as
//! problem+json — bad fields, unknown system or point, a second point for
//! the same system and service, missing or stale `If-Match`, a bad limit, a
//! re-drive of something that is no dead letter.

#![forbid(unsafe_code)]

use serde_json::{json, Value};
use smevgate_tests::*;

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

on_both_stores!(
    point_lifecycle_versions_audits_and_reaches_the_registry,
    point_bad_fields_are_unprocessable_with_every_field,
    point_unknown_system_or_foreign_point_is_not_found,
    point_second_for_same_service_is_conflict,
    point_change_without_or_with_stale_if_match_is_refused,
    dead_letters_bad_limit_and_unknown_redrive_are_refused,
);

const POINTS: &str = "/systems/PROVIDER01/points";

fn push_body(url: &str) -> Value {
    json!({ "kind": "push", "url": url, "max_attempts": 4, "backoff_base_ms": 50 })
}

fn fields(reply: &ApiReply) -> Vec<String> {
    let errors = reply.json["errors"].as_array().cloned().unwrap_or_default();
    errors
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn assert_problem(reply: &ApiReply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.json);
    assert!(
        reply.content_type.starts_with("application/problem+json"),
        "{}",
        reply.content_type
    );
    assert_eq!(reply.json["status"], status);
}

async fn admin(node: &TestNode) -> String {
    token_of_role(node, "points.admin", "technical_administrator").await
}

async fn point_lifecycle_versions_audits_and_reaches_the_registry(backend: Backend) {
    let node = TestNode::start(backend).await;
    let token = admin(&node).await;

    let created = api_call(
        node.addr,
        "POST",
        POINTS,
        &token,
        None,
        Some(&push_body("http://127.0.0.1:9/a")),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.etag.as_deref(), Some("\"1\""));
    assert_eq!(created.json["max_attempts"], 4);
    assert_eq!(
        created.json["backoff_cap_ms"], 300_000,
        "defaults fill the rest"
    );
    assert!(created.json["service"].is_null());
    let id = created.json["id"].as_i64().unwrap();
    let registry = node.node.registry();
    let decided = registry
        .point_for(PROVIDER, ECHO_NS, ECHO_REQUEST)
        .expect("in the registry");
    assert_eq!(decided.kind, cabinet::PointKind::Push);

    update_then_delete(&node, &token, id).await;
    node.stop().await;
}

/// Replaces point `id` with an upstream one for the echo service, lists
/// it, deletes it, and checks the registry and the audit at each step.
async fn update_then_delete(node: &TestNode, token: &str, id: i64) {
    let token = token.to_owned();
    let path = format!("{POINTS}/{id}");
    let body = json!({ "kind": "upstream", "url": "https://node-b.example/ws",
        "service": { "namespace": ECHO_NS, "root": ECHO_REQUEST } });
    let updated = api_call(node.addr, "PUT", &path, &token, Some(1), Some(&body)).await;
    assert_eq!(updated.status, 200, "{}", updated.json);
    assert_eq!(updated.etag.as_deref(), Some("\"2\""));
    assert_eq!(updated.json["kind"], "upstream");
    let listed = api_call(node.addr, "GET", POINTS, &token, None, None).await;
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(1));
    let registry = node.node.registry();
    let decided = registry.point_for(PROVIDER, ECHO_NS, ECHO_REQUEST).unwrap();
    assert_eq!(decided.kind, cabinet::PointKind::Upstream);

    let deleted = api_call(node.addr, "DELETE", &path, &token, Some(2), None).await;
    assert_eq!(deleted.status, 204);
    let gone = api_call(node.addr, "GET", &path, &token, None, None).await;
    assert_problem(&gone, 404);
    assert!(node
        .node
        .registry()
        .point_for(PROVIDER, ECHO_NS, ECHO_REQUEST)
        .is_none());
    let audit = api_call(
        node.addr,
        "GET",
        "/audit?object=integration_point",
        &token,
        None,
        None,
    )
    .await;
    let actions: Vec<&str> = audit.json["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        actions,
        [
            "integration_point.create",
            "integration_point.update",
            "integration_point.delete"
        ],
        "{}",
        audit.json
    );
}

async fn point_bad_fields_are_unprocessable_with_every_field(backend: Backend) {
    let node = TestNode::start(backend).await;
    let token = admin(&node).await;

    let bad_kind = json!({ "kind": "poll" });
    let bad_values = json!({ "kind": "push", "url": "ftp://x", "max_attempts": 0,
        "backoff_base_ms": 500, "backoff_cap_ms": 100, "timeout_ms": 0 });
    let unknown_field = json!({ "kind": "push", "url": "http://x", "retries": 3 });

    let kind = api_call(node.addr, "POST", POINTS, &token, None, Some(&bad_kind)).await;
    let values = api_call(node.addr, "POST", POINTS, &token, None, Some(&bad_values)).await;
    let unknown = api_call(
        node.addr,
        "POST",
        POINTS,
        &token,
        None,
        Some(&unknown_field),
    )
    .await;

    assert_problem(&kind, 422);
    assert_eq!(fields(&kind), ["kind"]);
    assert_problem(&values, 422);
    assert_eq!(
        fields(&values),
        ["url", "max_attempts", "backoff_cap_ms", "timeout_ms"]
    );
    assert_problem(&unknown, 400);
    let listed = api_call(node.addr, "GET", POINTS, &token, None, None).await;
    assert_eq!(listed.json["items"], json!([]), "nothing was stored");
    node.stop().await;
}

async fn point_unknown_system_or_foreign_point_is_not_found(backend: Backend) {
    let node = TestNode::start(backend).await;
    let token = admin(&node).await;
    let created = api_call(
        node.addr,
        "POST",
        POINTS,
        &token,
        None,
        Some(&push_body("http://a")),
    )
    .await;
    let id = created.json["id"].as_i64().unwrap();

    let unknown = api_call(
        node.addr,
        "GET",
        "/systems/NOBODY/points",
        &token,
        None,
        None,
    )
    .await;
    let foreign = format!("/systems/{CONSUMER}/points/{id}");
    let foreign = api_call(node.addr, "GET", &foreign, &token, None, None).await;
    let garbage = api_call(
        node.addr,
        "GET",
        &format!("{POINTS}/x1"),
        &token,
        None,
        None,
    )
    .await;

    assert_problem(&unknown, 404);
    assert_problem(&foreign, 404);
    assert_problem(&garbage, 404);
    node.stop().await;
}

async fn point_second_for_same_service_is_conflict(backend: Backend) {
    let node = TestNode::start(backend).await;
    let token = admin(&node).await;

    let first = api_call(
        node.addr,
        "POST",
        POINTS,
        &token,
        None,
        Some(&push_body("http://a")),
    )
    .await;
    let second = api_call(
        node.addr,
        "POST",
        POINTS,
        &token,
        None,
        Some(&push_body("http://b")),
    )
    .await;

    assert_eq!(first.status, 201);
    assert_problem(&second, 409);
    node.stop().await;
}

async fn point_change_without_or_with_stale_if_match_is_refused(backend: Backend) {
    let node = TestNode::start(backend).await;
    let token = admin(&node).await;
    let created = api_call(
        node.addr,
        "POST",
        POINTS,
        &token,
        None,
        Some(&push_body("http://a")),
    )
    .await;
    let path = format!("{POINTS}/{}", created.json["id"]);
    let body = push_body("http://b");

    let missing = api_call(node.addr, "PUT", &path, &token, None, Some(&body)).await;
    let stale = api_call(node.addr, "PUT", &path, &token, Some(7), Some(&body)).await;
    let stale_delete = api_call(node.addr, "DELETE", &path, &token, Some(3), None).await;

    assert_problem(&missing, 428);
    assert_problem(&stale, 412);
    assert_eq!(stale.json["current_version"], 1);
    assert_problem(&stale_delete, 412);
    let kept = api_call(node.addr, "GET", &path, &token, None, None).await;
    assert_eq!(kept.json["url"], "http://a", "nothing changed");
    node.stop().await;
}

async fn dead_letters_bad_limit_and_unknown_redrive_are_refused(backend: Backend) {
    let node = TestNode::start(backend).await;
    let token = admin(&node).await;
    let auditor = token_of_role(&node, "points.auditor", "auditor").await;

    let zero = api_call(
        node.addr,
        "GET",
        "/dead-letters?limit=0",
        &token,
        None,
        None,
    )
    .await;
    let huge = api_call(
        node.addr,
        "GET",
        "/dead-letters?limit=10001",
        &token,
        None,
        None,
    )
    .await;
    let empty = api_call(node.addr, "GET", "/dead-letters", &auditor, None, None).await;
    let unknown = "/dead-letters/00000000-0000-1000-8000-000000000000/redrive";
    let unknown = api_call(node.addr, "POST", unknown, &token, None, None).await;
    let by_auditor = "/dead-letters/00000000-0000-1000-8000-000000000000/redrive";
    let by_auditor = api_call(node.addr, "POST", by_auditor, &auditor, None, None).await;

    assert_problem(&zero, 400);
    assert_eq!(fields(&zero), ["limit"]);
    assert_problem(&huge, 400);
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json["items"], json!([]));
    assert_problem(&unknown, 404);
    assert_problem(&by_auditor, 403);
    node.stop().await;
}

#[tokio::test]
async fn push_point_of_an_auto_polled_system_is_422_a_queue_point_is_not() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.settings.auto_poll = vec![CONSUMER.to_owned()];
    let node = TestNode::start_with(options).await;
    let token = admin(&node).await;
    let path = "/systems/CONSUMER01/points";

    let push = json!({ "kind": "push", "url": "http://127.0.0.1:9/p" });
    let refused = api_call(node.addr, "POST", path, &token, None, Some(&push)).await;
    let queue = json!({ "kind": "queue" });
    let accepted = api_call(node.addr, "POST", path, &token, None, Some(&queue)).await;

    assert_problem(&refused, 422);
    assert_eq!(fields(&refused), ["kind"]);
    assert_eq!(accepted.status, 201, "{}", accepted.json);
    node.stop().await;
}
