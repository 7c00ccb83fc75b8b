//! API clients of the integration API over real HTTP on 127.0.0.1 (issue
//! #3): the technical administrator creates a client (secret shown once),
//! the client gets a signed access token at `POST /api/v1/oauth/token`
//! (HTTP Basic or body parameters) and sends requests with it; wrong
//! secrets, unknown clients, bad grants and scopes, expired tokens (the
//! node's clock moved by the test), rotated and deleted clients are
//! refused; the rate limit answers 429 with a `Retry-After` from the
//! bucket, the message quota 429 until the period ends, and refused sends
//! consume no quota. Two nodes on one PostgreSQL share tokens and quota.

#[allow(dead_code)]
mod api {
    pub mod client;
    pub mod fixture;
    pub mod matrix;
}
mod common;

use std::sync::Arc;

use api::client::{Answer, Call};
use api::fixture::{Cabinet, Subject};
use api::matrix::{expected, MATRIX};
use base64::Engine;
use common::own_node::StepClock;
use serde_json::{json, Value};
use smevgate_tests::{echo_request, Backend, NodeOptions, CONSUMER, PROVIDER};
use time::{Duration, OffsetDateTime};

const P: &str = ::api::PREFIX;

/// A cabinet whose node clock the test moves.
async fn cabinet_on_clock(backend: Backend, clock: &Arc<StepClock>) -> Cabinet {
    let source: exchange::SharedClock = clock.clone();
    let options = NodeOptions {
        clock_source: Some(source),
        ..NodeOptions::new(backend)
    };
    Cabinet::start_with(options).await
}

fn client_json(extra: Value) -> Value {
    let mut body = json!({
        "name": "ИС бухгалтерии", "system": CONSUMER,
        "scopes": ["requests:send", "requests:read"], "allowed_services": ["echo"],
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// Creates a client through the API as the administrator: (id, secret).
async fn create_client(cabinet: &Cabinet, body: Value) -> (String, String) {
    let admin = cabinet.bearer(Subject::Admin).unwrap();
    let call = Call::new("POST", format!("{P}/clients"))
        .bearer(admin)
        .json(&body);
    let answer = call.send(cabinet.addr()).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let created = answer.json();
    let id = created["client"]["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    (id, secret)
}

fn form_call(form: &str) -> Call {
    Call::new("POST", format!("{P}/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .raw(form.to_owned())
}

fn basic(id: &str, secret: &str) -> String {
    let pair = format!("{id}:{secret}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    format!("Basic {encoded}")
}

async fn token_by_basic(cabinet: &Cabinet, id: &str, secret: &str, extra: &str) -> Answer {
    let call = form_call(&format!("grant_type=client_credentials{extra}"));
    let call = call.header("authorization", basic(id, secret));
    call.send(cabinet.addr()).await
}

async fn token_by_body(cabinet: &Cabinet, id: &str, secret: &str) -> Answer {
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    form_call(&form).send(cabinet.addr()).await
}

/// A fresh access token of the client.
async fn access_token(cabinet: &Cabinet, id: &str, secret: &str) -> String {
    let answer = token_by_basic(cabinet, id, secret, "").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["access_token"].as_str().unwrap().to_owned()
}

async fn send_as(cabinet: &Cabinet, token: &str, body: &Value) -> Answer {
    let call = Call::new("POST", format!("{P}/requests"))
        .bearer(token)
        .json(body);
    call.send(cabinet.addr()).await
}

fn echo(client_id: &str) -> Value {
    json!({ "client_id": client_id, "payload": echo_request() })
}

/// Asserts a token endpoint refusal: status, problem+json, RFC 6749 code.
fn assert_oauth_error(answer: &Answer, status: u16, code: &str) {
    answer.assert_problem(status);
    assert_eq!(answer.json()["error"], code, "{}", answer.text);
    assert_eq!(answer.header("cache-control"), "no-store");
}

async fn pending_messages(cabinet: &Cabinet) -> u64 {
    let depths = cabinet
        .store()
        .queue_depths(OffsetDateTime::now_utc())
        .await;
    depths.unwrap().iter().map(|d| d.pending).sum()
}

async fn token_by_basic_or_body_sends_and_reads_a_request(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;

    let answer = token_by_basic(&cabinet, &id, &secret, "").await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.header("cache-control"), "no-store");
    let issued = answer.json();
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 600);
    assert_eq!(issued["scope"], "requests:send requests:read");
    let token = issued["access_token"].as_str().unwrap();
    let sent = send_as(&cabinet, token, &echo("client-order-1")).await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert_eq!(
        sent.json()["system"],
        CONSUMER,
        "the bound ИС is the sender"
    );
    let message_id = sent.json()["message_id"].as_str().unwrap().to_owned();
    let stored = cabinet.store().get(&message_id).await.unwrap().unwrap();
    assert_eq!(stored.message.sender, CONSUMER);

    let by_body = token_by_body(&cabinet, &id, &secret).await;
    assert_eq!(by_body.status, 200, "{}", by_body.text);
    let token = by_body.json()["access_token"].as_str().unwrap().to_owned();
    let read = Call::new("GET", format!("{P}/requests/client-order-1")).bearer(&token);
    let read = read.send(cabinet.addr()).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json()["message_id"], message_id);
}

#[tokio::test]
async fn token_by_basic_or_body_sends_and_reads_a_request_sqlite() {
    token_by_basic_or_body_sends_and_reads_a_request(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_by_basic_or_body_sends_and_reads_a_request_postgres() {
    token_by_basic_or_body_sends_and_reads_a_request(Backend::Postgres).await;
}

async fn token_wrong_secret_or_unknown_client_is_401_invalid_client(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let (stranger, _) = cabinet::Secret::generate().unwrap();

    let wrong = token_by_basic(&cabinet, &id, stranger.expose(), "").await;
    let unknown = token_by_basic(&cabinet, "999999", &secret, "").await;
    let not_a_number = token_by_body(&cabinet, "abc", &secret).await;
    let none = form_call("grant_type=client_credentials")
        .send(cabinet.addr())
        .await;

    for answer in [&wrong, &unknown, &not_a_number, &none] {
        assert_oauth_error(answer, 401, "invalid_client");
        assert_eq!(
            answer.header("www-authenticate"),
            "Basic realm=\"smevgate\""
        );
    }
    assert_eq!(
        wrong.json()["detail"],
        unknown.json()["detail"],
        "not told apart"
    );
}

#[tokio::test]
async fn token_wrong_secret_or_unknown_client_is_401_invalid_client_sqlite() {
    token_wrong_secret_or_unknown_client_is_401_invalid_client(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_wrong_secret_or_unknown_client_is_401_invalid_client_postgres() {
    token_wrong_secret_or_unknown_client_is_401_invalid_client(Backend::Postgres).await;
}

#[tokio::test]
async fn token_bad_grant_scope_or_body_gets_the_rfc_error() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let auth = basic(&id, &secret);
    let with_auth = |form: &str| form_call(form).header("authorization", auth.clone());
    let cases = [
        ("grant_type=password", 400, "unsupported_grant_type"),
        ("scope=requests:send", 400, "invalid_request"),
        (
            "grant_type=client_credentials&scope=journal:read",
            400,
            "invalid_scope",
        ),
        (
            "grant_type=client_credentials&scope=users:manage",
            400,
            "invalid_scope",
        ),
        ("grant_type=client_credentials&scope=", 400, "invalid_scope"),
        (
            "grant_type=client_credentials&colour=blue",
            400,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&grant_type=client_credentials",
            400,
            "invalid_request",
        ),
    ];
    for (form, status, code) in cases {
        let answer = with_auth(form).send(cabinet.addr()).await;
        assert_oauth_error(&answer, status, code);
    }

    let both = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let answer = with_auth(&both).send(cabinet.addr()).await;
    assert_oauth_error(&answer, 400, "invalid_request");
    let as_json = Call::new("POST", format!("{P}/oauth/token"))
        .header("authorization", auth.clone())
        .json(&json!({ "grant_type": "client_credentials" }));
    assert_oauth_error(&as_json.send(cabinet.addr()).await, 415, "invalid_request");
    let huge = format!("grant_type=client_credentials&scope={}", "a".repeat(70_000));
    let answer = with_auth(&huge).send(cabinet.addr()).await;
    assert_oauth_error(&answer, 413, "invalid_request");

    let narrow = token_by_basic(&cabinet, &id, &secret, "&scope=requests:read").await;
    assert_eq!(narrow.status, 200, "{}", narrow.text);
    assert_eq!(narrow.json()["scope"], "requests:read");
}

async fn token_expired_by_the_node_clock_is_401(backend: Backend) {
    let clock = StepClock::at(OffsetDateTime::now_utc());
    let cabinet = cabinet_on_clock(backend, &clock).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let token = access_token(&cabinet, &id, &secret).await;
    let read = || Call::new("GET", format!("{P}/requests/none")).bearer(&token);

    clock.advance(Duration::minutes(9));
    let live = read().send(cabinet.addr()).await;
    clock.advance(Duration::minutes(1));
    let expired = read().send(cabinet.addr()).await;

    assert_eq!(live.status, 404, "still live: {}", live.text);
    expired.assert_problem(401);
}

#[tokio::test]
async fn token_expired_by_the_node_clock_is_401_sqlite() {
    token_expired_by_the_node_clock_is_401(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_expired_by_the_node_clock_is_401_postgres() {
    token_expired_by_the_node_clock_is_401(Backend::Postgres).await;
}

async fn token_of_rotated_or_deleted_client_is_401(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let admin = cabinet.bearer(Subject::Admin).unwrap().to_owned();
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let old_token = access_token(&cabinet, &id, &secret).await;

    let rotate = Call::new("POST", format!("{P}/clients/{id}/secret")).bearer(&admin);
    let rotated = rotate.send(cabinet.addr()).await;

    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let fresh = rotated.json()["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(fresh, secret);
    send_as(&cabinet, &old_token, &echo("rot-1"))
        .await
        .assert_problem(401);
    let old_secret = token_by_basic(&cabinet, &id, &secret, "").await;
    assert_oauth_error(&old_secret, 401, "invalid_client");
    let new_token = access_token(&cabinet, &id, &fresh).await;
    let sent = send_as(&cabinet, &new_token, &echo("rot-2")).await;
    assert_eq!(sent.status, 201, "{}", sent.text);

    let version = rotated.json()["client"]["version"].as_i64().unwrap();
    let delete = Call::new("DELETE", format!("{P}/clients/{id}"))
        .bearer(&admin)
        .if_match(version);
    assert_eq!(delete.send(cabinet.addr()).await.status, 204);
    send_as(&cabinet, &new_token, &echo("rot-3"))
        .await
        .assert_problem(401);
    let gone = token_by_basic(&cabinet, &id, &fresh, "").await;
    assert_oauth_error(&gone, 401, "invalid_client");
}

#[tokio::test]
async fn token_of_rotated_or_deleted_client_is_401_sqlite() {
    token_of_rotated_or_deleted_client_is_401(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_of_rotated_or_deleted_client_is_401_postgres() {
    token_of_rotated_or_deleted_client_is_401(Backend::Postgres).await;
}

#[tokio::test]
async fn client_disabled_or_outside_its_network_gets_no_token() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let (disabled, disabled_secret) =
        create_client(&cabinet, client_json(json!({ "disabled": true }))).await;
    let (far, far_secret) =
        create_client(&cabinet, client_json(json!({ "ip_allow": ["10.0.0.0/8"] }))).await;

    let refused = token_by_basic(&cabinet, &disabled, &disabled_secret, "").await;
    let outside = token_by_basic(&cabinet, &far, &far_secret, "").await;

    assert_oauth_error(&refused, 400, "unauthorized_client");
    assert_oauth_error(&outside, 400, "unauthorized_client");
    assert!(outside.json()["detail"].as_str().unwrap().contains("IP"));
}

async fn token_of_a_client_disabled_since_stays_dead_when_enabled_again(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let token = access_token(&cabinet, &id, &secret).await;
    let admin = cabinet.bearer(Subject::Admin).unwrap();
    let put = |version: i64, disabled: bool| {
        Call::new("PUT", format!("{P}/clients/{id}"))
            .bearer(admin)
            .if_match(version)
            .json(&client_json(json!({ "disabled": disabled })))
    };

    assert_eq!(put(1, true).send(cabinet.addr()).await.status, 200);
    let refused = send_as(&cabinet, &token, &echo("disabled-1")).await;
    let no_token = token_by_basic(&cabinet, &id, &secret, "").await;
    assert_eq!(put(2, false).send(cabinet.addr()).await.status, 200);
    let old_token = send_as(&cabinet, &token, &echo("disabled-2")).await;
    let fresh = access_token(&cabinet, &id, &secret).await;
    let sent = send_as(&cabinet, &fresh, &echo("disabled-3")).await;

    refused.assert_problem(401);
    no_token.assert_problem(400);
    assert_eq!(no_token.json()["error"], "unauthorized_client");
    old_token.assert_problem(401);
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert_eq!(pending_messages(&cabinet).await, 1);
}

#[tokio::test]
async fn token_of_a_client_disabled_since_stays_dead_when_enabled_again_sqlite() {
    token_of_a_client_disabled_since_stays_dead_when_enabled_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn token_of_a_client_disabled_since_stays_dead_when_enabled_again_postgres() {
    token_of_a_client_disabled_since_stays_dead_when_enabled_again(Backend::Postgres).await;
}

#[tokio::test]
async fn client_without_the_scope_or_on_user_routes_gets_403() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let answer = token_by_basic(&cabinet, &id, &secret, "&scope=requests:read").await;
    let reader = answer.json()["access_token"].as_str().unwrap().to_owned();

    let send = send_as(&cabinet, &reader, &echo("scope-1")).await;
    send.assert_problem(403);
    assert_eq!(
        send.json()["type"],
        "urn:smevgate:problem:insufficient-scope"
    );
    assert!(send
        .header("www-authenticate")
        .contains("insufficient_scope"));
    for (method, path) in [("GET", "/users"), ("DELETE", "/session"), ("GET", "/audit")] {
        let call = Call::new(method, format!("{P}{path}")).bearer(&reader);
        call.send(cabinet.addr()).await.assert_problem(403);
    }
    assert_eq!(pending_messages(&cabinet).await, 0);
}

#[tokio::test]
async fn client_bound_to_a_system_sends_only_as_it_and_only_its_services() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let token = access_token(&cabinet, &id, &secret).await;
    let (other, other_secret) =
        create_client(&cabinet, client_json(json!({ "allowed_services": [] }))).await;
    let other_token = access_token(&cabinet, &other, &other_secret).await;

    let as_provider =
        json!({ "system": PROVIDER, "client_id": "bind-1", "payload": echo_request() });
    let refused = send_as(&cabinet, &token, &as_provider).await;
    let not_allowed = send_as(&cabinet, &other_token, &echo("bind-2")).await;
    let explicit = json!({ "system": CONSUMER, "client_id": "bind-3", "payload": echo_request() });
    let allowed = send_as(&cabinet, &token, &explicit).await;

    refused.assert_problem(403);
    assert_eq!(
        refused.json()["type"],
        "urn:smevgate:problem:system-not-allowed"
    );
    not_allowed.assert_problem(422);
    assert_eq!(not_allowed.problem_fields(), ["payload"]);
    assert_eq!(allowed.status, 201, "{}", allowed.text);
    assert_eq!(pending_messages(&cabinet).await, 1);
}

async fn rate_limit_answers_429_with_retry_after_from_the_bucket(backend: Backend) {
    let clock = StepClock::at(OffsetDateTime::now_utc());
    let cabinet = cabinet_on_clock(backend, &clock).await;
    let rate = json!({ "rate": { "requests": 2, "per": "minute", "burst": 2 } });
    let (id, secret) = create_client(&cabinet, client_json(rate)).await;
    let token = access_token(&cabinet, &id, &secret).await;
    let read = || Call::new("GET", format!("{P}/requests/none")).bearer(&token);

    let first = read().send(cabinet.addr()).await;
    let second = read().send(cabinet.addr()).await;
    let third = read().send(cabinet.addr()).await;
    clock.advance(Duration::seconds(20));
    let fourth = read().send(cabinet.addr()).await;
    clock.advance(Duration::seconds(10));
    let fifth = read().send(cabinet.addr()).await;

    assert_eq!((first.status, second.status), (404, 404));
    third.assert_problem(429);
    assert_eq!(third.header("retry-after"), "30");
    assert_eq!(third.json()["type"], "urn:smevgate:problem:rate-limited");
    fourth.assert_problem(429);
    assert_eq!(fourth.header("retry-after"), "10");
    assert_eq!(
        fifth.status, 404,
        "a token again after 30 s: {}",
        fifth.text
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_from_the_bucket_sqlite() {
    rate_limit_answers_429_with_retry_after_from_the_bucket(Backend::Sqlite).await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_from_the_bucket_postgres() {
    rate_limit_answers_429_with_retry_after_from_the_bucket(Backend::Postgres).await;
}

async fn quota_answers_429_until_the_period_ends_and_refusals_are_free(backend: Backend) {
    let now = OffsetDateTime::now_utc();
    let clock = StepClock::at(now);
    let cabinet = cabinet_on_clock(backend, &clock).await;
    let quota = json!({ "quota": { "messages": 2, "per": "hour" } });
    let (id, secret) = create_client(&cabinet, client_json(quota)).await;
    let token = access_token(&cabinet, &id, &secret).await;
    let bad = json!({ "client_id": "quota-bad", "payload": "<q:Echo" });

    let refused = send_as(&cabinet, &token, &bad).await;
    let first = send_as(&cabinet, &token, &echo("quota-1")).await;
    let second = send_as(&cabinet, &token, &echo("quota-2")).await;
    let over = send_as(&cabinet, &token, &echo("quota-3")).await;
    let repeat = send_as(&cabinet, &token, &echo("quota-1")).await;

    refused.assert_problem(422);
    assert_eq!((first.status, second.status), (201, 201), "{}", second.text);
    over.assert_problem(429);
    assert_eq!(over.json()["type"], "urn:smevgate:problem:quota-exhausted");
    let next_hour = (now + Duration::hours(1))
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap();
    let retry: i64 = over.header("retry-after").parse().unwrap();
    assert_eq!(retry, (next_hour - now).as_seconds_f64().ceil() as i64);
    assert_eq!(repeat.status, 200, "a repeated key is not a new message");
    assert_eq!(
        pending_messages(&cabinet).await,
        2,
        "nothing sent over the quota"
    );
    let lookup = cabinet
        .store()
        .integration_requests_by_client("quota-3")
        .await;
    assert!(lookup.unwrap().is_empty());

    clock.advance(next_hour - now);
    let token = access_token(&cabinet, &id, &secret).await;
    let next = send_as(&cabinet, &token, &echo("quota-4")).await;
    assert_eq!(next.status, 201, "a new period: {}", next.text);
}

#[tokio::test]
async fn quota_answers_429_until_the_period_ends_and_refusals_are_free_sqlite() {
    quota_answers_429_until_the_period_ends_and_refusals_are_free(Backend::Sqlite).await;
}

#[tokio::test]
async fn quota_answers_429_until_the_period_ends_and_refusals_are_free_postgres() {
    quota_answers_429_until_the_period_ends_and_refusals_are_free(Backend::Postgres).await;
}

#[tokio::test]
async fn two_nodes_on_one_postgres_share_tokens_and_the_quota() {
    let a = Cabinet::start(Backend::Postgres).await;
    let options = NodeOptions {
        pg_schema: a.node.pg_schema.clone(),
        ..NodeOptions::new(Backend::Postgres)
    };
    let b = smevgate_tests::TestNode::start_with(options).await;
    let quota = json!({ "quota": { "messages": 3, "per": "day" } });
    let (id, secret) = create_client(&a, client_json(quota)).await;

    let token = access_token(&a, &id, &secret).await;
    let send_on = |addr, key: &str| {
        let call = Call::new("POST", format!("{P}/requests")).bearer(&token);
        call.json(&echo(key)).send(addr)
    };
    let on_a = send_on(a.addr(), "shared-1").await;
    let on_b = send_on(b.addr, "shared-2").await;
    let on_b_again = send_on(b.addr, "shared-3").await;
    let over_on_a = send_on(a.addr(), "shared-4").await;
    let over_on_b = send_on(b.addr, "shared-5").await;

    assert_eq!(on_a.status, 201, "{}", on_a.text);
    assert_eq!(
        on_b.status, 201,
        "node B verifies node A's token: {}",
        on_b.text
    );
    assert_eq!(on_b_again.status, 201, "{}", on_b_again.text);
    over_on_a.assert_problem(429);
    over_on_b.assert_problem(429);
    assert_eq!(pending_messages(&a).await, 3);
    let from_b = b
        .node
        .store()
        .client_by_secret(id.parse().unwrap(), &secret)
        .await;
    assert!(from_b.unwrap().is_some());
}

#[tokio::test]
async fn client_admin_bad_form_or_unknown_field_is_refused() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let admin = cabinet.bearer(Subject::Admin).unwrap().to_owned();
    let clients = format!("{P}/clients");
    let bad = json!({
        "name": "", "scopes": ["everything"], "ip_allow": ["nowhere"],
        "rate": { "requests": 0, "per": "hour", "burst": 1 },
    });

    let invalid = Call::new("POST", &clients).bearer(&admin).json(&bad);
    let invalid = invalid.send(cabinet.addr()).await;
    invalid.assert_problem(422);
    assert_eq!(
        invalid.problem_fields(),
        [
            "name",
            "scopes[0]",
            "ip_allow[0]",
            "rate.requests",
            "rate.per"
        ]
    );
    let unknown = Call::new("POST", &clients)
        .bearer(&admin)
        .json(&json!({ "name": "x", "colour": "blue" }));
    unknown.send(cabinet.addr()).await.assert_problem(400);
    let fixture_clients = Subject::ALL
        .iter()
        .filter(|s| format!("{s:?}").starts_with("Client"))
        .count();
    let stored = cabinet.store().clients().await.unwrap();
    assert_eq!(stored.len(), fixture_clients, "nothing was written");
}

#[tokio::test]
async fn client_admin_changes_need_the_version_are_audited_and_hide_the_secret() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let admin = cabinet.bearer(Subject::Admin).unwrap().to_owned();
    let clients = format!("{P}/clients");
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let item = format!("{clients}/{id}");
    let read = Call::new("GET", &item)
        .bearer(&admin)
        .send(cabinet.addr())
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag"), "\"1\"");
    let listed = Call::new("GET", &clients)
        .bearer(&admin)
        .send(cabinet.addr())
        .await;
    for text in [&read.text, &listed.text] {
        assert!(!text.contains(&secret), "the secret is shown once only");
    }
    let renamed = client_json(json!({ "name": "Новое имя" }));
    let put = |version: Option<i64>| {
        let call = Call::new("PUT", &item).bearer(&admin).json(&renamed);
        match version {
            Some(v) => call.if_match(v),
            None => call,
        }
    };
    put(None).send(cabinet.addr()).await.assert_problem(428);
    put(Some(5)).send(cabinet.addr()).await.assert_problem(412);
    let changed = put(Some(1)).send(cabinet.addr()).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json()["name"], "Новое имя");
    let missing = Call::new("GET", format!("{clients}/424242")).bearer(&admin);
    missing.send(cabinet.addr()).await.assert_problem(404);

    let audit = Call::new("GET", format!("{P}/audit?object=api_client:{id}")).bearer(&admin);
    let audit = audit.send(cabinet.addr()).await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let actions: Vec<String> = audit.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} by {}",
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actions,
        ["api_client.create by admin", "api_client.update by admin"]
    );
    assert!(!audit.text.contains(&secret));
}

#[test]
fn openapi_scopes_of_each_route_agree_with_the_client_matrix() {
    let document = ::api::openapi::document();
    for row in MATRIX {
        let (method, path, ..) = *row;
        let operation = &document["paths"][format!("{P}{path}")][method.to_lowercase()];
        let scopes: Vec<&str> = match operation["x-scopes"].as_array() {
            Some(listed) => listed.iter().map(|s| s.as_str().unwrap()).collect(),
            None => vec![],
        };
        let public = operation["security"] == json!([]);
        let full = expected(row, Subject::Client) < 400;
        let journal_only = expected(row, Subject::ClientWithoutScope) < 400;

        assert_eq!(full, public || !scopes.is_empty(), "{method} {path}");
        assert_eq!(
            journal_only,
            public || scopes.contains(&"journal:read"),
            "{method} {path}"
        );
    }
    let flows = &document["components"]["securitySchemes"]["oauth2"]["flows"];
    assert_eq!(
        flows["clientCredentials"]["tokenUrl"],
        format!("{P}/oauth/token")
    );
}

#[tokio::test]
async fn client_or_user_naming_an_unknown_system_or_service_gets_422_naming_each() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let admin = cabinet.bearer(Subject::Admin).unwrap();
    let clients_before = cabinet.store().clients().await.unwrap().len();
    let body = client_json(json!({
        "system": "NOPE01", "allowed_services": ["echo", "nope", smevgate_tests::ECHO_NS],
        "rate": { "requests": 0, "per": "second", "burst": 1 },
    }));
    let user = json!({
        "login": "new.operator", "full_name": "Оператор", "role": "request_operator",
        "allowed_services": ["нет-такого"], "password": "длинный-пароль-2024",
    });

    let client = Call::new("POST", format!("{P}/clients"))
        .bearer(admin)
        .json(&body)
        .send(cabinet.addr())
        .await;
    let user = Call::new("POST", format!("{P}/users"))
        .bearer(admin)
        .json(&user)
        .send(cabinet.addr())
        .await;

    client.assert_problem(422);
    let fields: Vec<String> = client.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["rate.requests", "system", "allowed_services[1]"]);
    user.assert_problem(422);
    assert_eq!(user.json()["errors"][0]["field"], "allowed_services[0]");
    let clients_after = cabinet.store().clients().await.unwrap().len();
    assert_eq!(clients_after, clients_before, "nothing stored");
}

#[tokio::test]
async fn client_bound_to_a_system_reads_only_its_journal_and_requests() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let scopes = json!({ "scopes": ["requests:send", "requests:read", "journal:read"] });
    let (id, secret) = create_client(&cabinet, client_json(scopes)).await;
    let token = access_token(&cabinet, &id, &secret).await;
    assert_eq!(send_as(&cabinet, &token, &echo("own-1")).await.status, 201);
    // Another ИС's traffic: the provider sends a request of its own.
    let provider = smevgate_tests::Ims::provider();
    let now = OffsetDateTime::now_utc();
    let id_other = smevgate_tests::message_id(now);
    let envelope = provider.send_request(wire::Version::V1_3, &id_other, &echo_request());
    assert_eq!(
        cabinet.node.post(envelope, "urn:SendRequest").await.status,
        200
    );
    let get = |path: &str| Call::new("GET", format!("{P}{path}")).bearer(&token);

    let journal = get("/journal?limit=1000").send(cabinet.addr()).await;
    let foreign = get("/journal?participant=PROVIDER01")
        .send(cabinet.addr())
        .await;
    let page = get("/requests").send(cabinet.addr()).await;

    assert_eq!(journal.status, 200, "{}", journal.text);
    let entries = journal.json()["items"].as_array().unwrap().clone();
    assert!(!entries.is_empty());
    for entry in &entries {
        let names_it = entry["sender"] == CONSUMER || entry["recipient"] == CONSUMER;
        assert!(names_it, "{entry}");
    }
    assert!(!entries.iter().any(|e| e["message_id"] == id_other.as_str()));
    foreign.assert_problem(403);
    let items = page.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{}", page.text);
}

#[tokio::test]
async fn request_page_is_filled_past_rows_the_client_may_not_see() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let admin = cabinet.bearer(Subject::Admin).unwrap();
    for n in 0..3 {
        let body =
            json!({ "system": PROVIDER, "client_id": format!("p-{n}"), "payload": echo_request() });
        let call = Call::new("POST", format!("{P}/requests"))
            .bearer(admin)
            .json(&body);
        assert_eq!(call.send(cabinet.addr()).await.status, 201);
    }
    let (id, secret) = create_client(&cabinet, client_json(json!({}))).await;
    let token = access_token(&cabinet, &id, &secret).await;
    for n in 0..2 {
        assert_eq!(
            send_as(&cabinet, &token, &echo(&format!("own-{n}")))
                .await
                .status,
            201
        );
    }

    let page = Call::new("GET", format!("{P}/requests?limit=2"))
        .bearer(&token)
        .send(cabinet.addr())
        .await;

    assert_eq!(page.status, 200, "{}", page.text);
    let items = page.json()["items"].as_array().unwrap().clone();
    let keys: Vec<&str> = items
        .iter()
        .map(|i| i["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["own-0", "own-1"], "{}", page.text);
    assert_eq!(page.json()["next"], Value::Null, "{}", page.text);
}
