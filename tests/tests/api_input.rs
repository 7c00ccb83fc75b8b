//! The REST API's input handling over real HTTP on 127.0.0.1 (issue #3,
//! a newcomer's review): path parameters that are not UTF-8, bodies that
//! are JSON but not objects, parser messages without Rust type names,
//! weak or unquoted `If-Match`, `Cache-Control: no-store` on every answer
//! carrying a secret, `client_id` characters and payload shapes of
//! `POST /requests`, a repeated `client_id` with another payload (on both
//! stores), and the failed client authentication limit of the token
//! endpoint.

#[allow(dead_code)]
mod api {
    pub mod client;
    pub mod fixture;
}

use api::client::{Answer, Call};
use api::fixture::{Cabinet, Subject, LOGIN_USER, PASSWORD};
use serde_json::{json, Value};
use smevgate_tests::{echo_request, Backend, CONSUMER};

const P: &str = ::api::PREFIX;

fn admin(cabinet: &Cabinet) -> &str {
    cabinet.bearer(Subject::Admin).unwrap()
}

async fn get_as_admin(cabinet: &Cabinet, path: &str) -> Answer {
    let call = Call::new("GET", format!("{P}{path}")).bearer(admin(cabinet));
    call.send(cabinet.addr()).await
}

async fn post_json(cabinet: &Cabinet, path: &str, body: &str) -> Answer {
    let call = Call::new("POST", format!("{P}{path}"))
        .header("content-type", "application/json")
        .raw(body.as_bytes().to_vec())
        .bearer(admin(cabinet));
    call.send(cabinet.addr()).await
}

async fn post_request(cabinet: &Cabinet, body: &Value) -> Answer {
    let call = Call::new("POST", format!("{P}/requests")).json(body);
    let call = call.bearer(cabinet.bearer(Subject::Operator).unwrap());
    call.send(cabinet.addr()).await
}

fn echo_body(client_id: &str, payload: &str) -> Value {
    json!({ "system": CONSUMER, "client_id": client_id, "payload": payload, "test": false })
}

#[tokio::test]
async fn path_of_invalid_utf8_is_a_problem_naming_the_parameter_on_every_route() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let paths = [
        ("/requests/%ff%fe", "id"),
        ("/responses/%ff", "id"),
        ("/users/%ff", "id"),
        ("/services/%ff", "id"),
        ("/systems/%ff", "mnemonic"),
        ("/clients/%ff", "id"),
        ("/systems/%ff/points", "mnemonic"),
        ("/systems/PROVIDER01/points/%ff", "id"),
    ];

    for (path, parameter) in paths {
        let answer = get_as_admin(&cabinet, path).await;

        answer.assert_problem(400);
        assert_eq!(answer.problem_fields(), vec![parameter], "{path}");
    }
    let deletes = [
        ("DELETE", "/tokens/%ff", "id"),
        ("POST", "/dead-letters/%ff/redrive", "message_id"),
    ];
    for (method, path, parameter) in deletes {
        let call = Call::new(method, format!("{P}{path}")).bearer(admin(&cabinet));
        let answer = call.send(cabinet.addr()).await;
        answer.assert_problem(400);
        assert_eq!(answer.problem_fields(), vec![parameter], "{path}");
    }
}

#[tokio::test]
async fn json_array_body_is_refused_with_400() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let request = format!("[\"{CONSUMER}\",\"arr-1\",{},false]", json!(echo_request()));
    let login = format!("[\"{LOGIN_USER}\",\"{PASSWORD}\"]");

    let sent = post_json(&cabinet, "/requests", &request).await;
    let logged_in = Call::new("POST", format!("{P}/session"))
        .header("content-type", "application/json")
        .raw(login.into_bytes())
        .send(cabinet.addr())
        .await;

    sent.assert_problem(400);
    logged_in.assert_problem(400);
    assert!(logged_in.json().get("token").is_none());
    let recorded = cabinet
        .store()
        .integration_requests_by_client("arr-1")
        .await;
    assert!(recorded.unwrap().is_empty());
}

#[tokio::test]
async fn json_scalar_or_null_body_is_refused_with_400() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;

    for body in ["\"text\"", "12", "null", "true"] {
        let answer = post_json(&cabinet, "/systems", body).await;

        answer.assert_problem(400);
    }
}

#[tokio::test]
async fn malformed_body_problem_names_no_rust_type() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let bodies = [
        ("/requests", "[1]"),
        ("/requests", "{\"client_id\": 5}"),
        ("/requests", "{\"nope\": 1}"),
        ("/systems", "{\"mnemonic\": []}"),
        ("/users", "{\"window\": 5}"),
        ("/tokens", "{\"label\": {}}"),
    ];

    for (path, body) in bodies {
        let answer = post_json(&cabinet, path, body).await;

        answer.assert_problem(400);
        // The whole answer: detail and the per-field messages.
        let text = &answer.text;
        assert!(!text.contains("Json"), "{path} {body}: {text}");
        assert!(!text.contains("struct"), "{path} {body}: {text}");
        assert!(!text.contains("enum"), "{path} {body}: {text}");
    }
    let nested = post_json(&cabinet, "/users", "{\"window\": 5}").await;
    assert_eq!(nested.problem_fields(), vec!["window"], "{}", nested.text);
    let message = nested.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("ожидается JSON-объект"), "{message}");
}

#[tokio::test]
async fn if_match_weak_or_unquoted_is_400_and_leaves_the_object() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let version = cabinet.organisation_version().await;
    let form = api::fixture::organisation_json();

    for tag in [format!("W/\"{version}\""), version.to_string()] {
        let call = Call::new("PUT", format!("{P}/organisation"))
            .json(&form)
            .header("if-match", tag.clone())
            .bearer(admin(&cabinet));
        let answer = call.send(cabinet.addr()).await;

        answer.assert_problem(400);
        assert_eq!(answer.problem_fields(), vec!["If-Match"], "{tag}");
    }
    assert_eq!(cabinet.organisation_version().await, version);
}

#[tokio::test]
async fn session_and_token_answers_carrying_secrets_are_not_stored() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let login = json!({ "login": LOGIN_USER, "password": PASSWORD });

    let session = Call::new("POST", format!("{P}/session"))
        .json(&login)
        .send(cabinet.addr())
        .await;
    let token = Call::new("POST", format!("{P}/tokens"))
        .json(&json!({ "label": "ИС учёта" }))
        .bearer(admin(&cabinet))
        .send(cabinet.addr())
        .await;

    assert_eq!(session.status, 201, "{}", session.text);
    assert!(session.json()["token"].is_string());
    assert_eq!(session.header("cache-control"), "no-store");
    assert_eq!(token.status, 201, "{}", token.text);
    assert!(token.json()["secret"].is_string());
    assert_eq!(token.header("cache-control"), "no-store");
}

#[tokio::test]
async fn payload_behind_an_xml_declaration_is_sent() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let payload = format!(
        "\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        echo_request()
    );

    let answer = post_request(&cabinet, &echo_body("decl-1", &payload)).await;

    assert_eq!(answer.status, 201, "{}", answer.text);
    let message_id = answer.json()["message_id"].as_str().unwrap().to_owned();
    let stored = cabinet.store().get(&message_id).await.unwrap().unwrap();
    assert_eq!(stored.message.sender, CONSUMER);
}

#[tokio::test]
async fn payload_without_a_namespace_is_422_naming_payload_and_frees_the_key() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;

    let answer = post_request(&cabinet, &echo_body("bare-1", "<a/>")).await;

    answer.assert_problem(422);
    assert_eq!(answer.problem_fields(), vec!["payload"]);
    let message = answer.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("пространства имён"), "{message}");
    let recorded = cabinet
        .store()
        .integration_requests_by_client("bare-1")
        .await;
    assert!(recorded.unwrap().is_empty());
}

#[tokio::test]
async fn client_id_with_control_or_bidi_characters_is_422_naming_it() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;

    for client_id in [
        "nul\u{0}key",
        "line\nbreak",
        "evil\u{202E}gpj.exe",
        "tab\tkey",
        "line\u{2028}separator",
        "non\u{FFFE}character",
        "private\u{E000}use",
    ] {
        let answer = post_request(&cabinet, &echo_body(client_id, &echo_request())).await;

        answer.assert_problem(422);
        assert_eq!(answer.problem_fields(), vec!["client_id"], "{client_id:?}");
        let recorded = cabinet
            .store()
            .integration_requests_by_client(client_id)
            .await;
        assert!(recorded.unwrap().is_empty());
    }
    let plain = post_request(&cabinet, &echo_body("заказ №7", &echo_request())).await;
    assert_eq!(plain.status, 201, "{}", plain.text);
}

#[tokio::test]
async fn client_id_length_counts_characters_not_bytes() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let hundred = "я".repeat(100);
    let too_long = "я".repeat(101);

    let fits = post_request(&cabinet, &echo_body(&hundred, &echo_request())).await;
    let refused = post_request(&cabinet, &echo_body(&too_long, &echo_request())).await;

    assert_eq!(fits.status, 201, "{}", fits.text);
    refused.assert_problem(422);
    assert_eq!(refused.problem_fields(), vec!["client_id"]);
}

#[tokio::test]
async fn payload_nested_past_the_node_limit_is_422_and_the_node_stays_up() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let deep = format!(
        r#"<q:EchoRequest xmlns:q="urn://smevgate.test/echo/1.0.0">{}{}</q:EchoRequest>"#,
        "<a>".repeat(6000),
        "</a>".repeat(6000)
    );

    let refused = post_request(&cabinet, &echo_body("deep-1", &deep)).await;
    let after = post_request(&cabinet, &echo_body("after-deep", &echo_request())).await;

    refused.assert_problem(422);
    assert_eq!(refused.problem_fields(), vec!["payload"]);
    assert!(refused.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("256"));
    assert_eq!(after.status, 201, "the node still answers: {}", after.text);
}

/// Messages pending in every queue.
async fn pending_messages(cabinet: &Cabinet) -> u64 {
    let now = time::OffsetDateTime::now_utc();
    let depths = cabinet.store().queue_depths(now).await.unwrap();
    depths.iter().map(|d| d.pending).sum()
}

async fn repeated_client_id_with_another_payload_is_409(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let echo = echo_request();
    let other = echo.replace("12345678901", "10987654321");
    assert_ne!(
        echo, other,
        "the fixture payload carries the number replaced"
    );
    let declared = format!("<?xml version=\"1.0\"?>{echo}");

    let first = post_request(&cabinet, &echo_body("key-1", &echo)).await;
    let changed = post_request(&cabinet, &echo_body("key-1", &other)).await;
    let mut as_test = echo_body("key-1", &echo);
    as_test["test"] = json!(true);
    let test_flag = post_request(&cabinet, &as_test).await;
    let same = post_request(&cabinet, &echo_body("key-1", &declared)).await;

    assert_eq!(first.status, 201, "{}", first.text);
    for refused in [&changed, &test_flag] {
        refused.assert_problem(409);
        assert_eq!(refused.problem_fields(), vec!["client_id"]);
        assert!(refused.json()["detail"].as_str().unwrap().contains("key-1"));
    }
    assert_eq!(same.status, 200, "{}", same.text);
    assert_eq!(same.json()["message_id"], first.json()["message_id"]);
    assert_eq!(pending_messages(&cabinet).await, 1);
}

#[tokio::test]
async fn repeated_client_id_with_another_payload_is_409_sqlite() {
    repeated_client_id_with_another_payload_is_409(Backend::Sqlite).await;
}

#[tokio::test]
async fn repeated_client_id_with_another_payload_is_409_postgres() {
    repeated_client_id_with_another_payload_is_409(Backend::Postgres).await;
}

fn token_call(id: &str, secret: &str) -> Call {
    let form = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    Call::new("POST", format!("{P}/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .raw(form.into_bytes())
}

#[tokio::test]
async fn failed_client_authentications_from_one_address_get_429_with_retry_after() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let limit = ::api::login_limit::LoginLimitPolicy::default().max_failures;
    let (id, secret) = (cabinet.client.0.to_string(), cabinet.client.1.clone());

    for n in 0..limit {
        let guess = token_call(&id, &format!("wrong-secret-{n}"));
        guess.send(cabinet.addr()).await.assert_problem(401);
    }
    let refused = token_call("999999", "unknown").send(cabinet.addr()).await;
    let right = token_call(&id, &secret).send(cabinet.addr()).await;
    let login = json!({ "login": LOGIN_USER, "password": PASSWORD });
    let session = Call::new("POST", format!("{P}/session")).json(&login);
    let session = session.send(cabinet.addr()).await;

    for answer in [&refused, &right] {
        answer.assert_problem(429);
        let kind = answer.json()["type"].as_str().unwrap().to_owned();
        assert_eq!(kind, "urn:smevgate:problem:too-many-client-failures");
        let wait: u64 = answer.header("retry-after").parse().expect("seconds");
        assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
        assert_eq!(answer.header("cache-control"), "no-store");
    }
    session.assert_problem(429);
    assert!(right.json().get("access_token").is_none());
}

#[tokio::test]
async fn right_client_secret_does_not_count_as_a_failure() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let limit = ::api::login_limit::LoginLimitPolicy::default().max_failures;
    let (id, secret) = (cabinet.client.0.to_string(), cabinet.client.1.clone());

    for _ in 0..=limit {
        let answer = token_call(&id, &secret).send(cabinet.addr()).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
}

#[tokio::test]
async fn encoded_or_non_utf8_json_bodies_are_415() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = echo_body("enc-1", &echo_request()).to_string();
    let send = |content_type: &'static str, encoding: Option<&'static str>| {
        let mut call = Call::new("POST", format!("{P}/requests"))
            .header("content-type", content_type)
            .raw(body.as_bytes().to_vec())
            .bearer(admin(&cabinet));
        if let Some(encoding) = encoding {
            call = call.header("content-encoding", encoding);
        }
        call.send(cabinet.addr())
    };

    let gzip = send("application/json", Some("gzip")).await;
    let latin = send("application/json; charset=latin1", None).await;
    let utf8 = send("application/json; charset=\"UTF-8\"", None).await;

    gzip.assert_problem(415);
    latin.assert_problem(415);
    assert_eq!(utf8.status, 201, "{}", utf8.text);
}

#[tokio::test]
async fn wrong_types_and_ranges_name_the_field_even_when_nested() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let client = json!({
        "name": "ИС", "system": CONSUMER, "scopes": ["requests:send"],
        "quota": { "messages": -1, "per": "day" },
    });
    let request = json!({ "system": CONSUMER, "client_id": 123, "payload": echo_request() });

    let nested = post_json(&cabinet, "/clients", &client.to_string()).await;
    let top = post_json(&cabinet, "/requests", &request.to_string()).await;

    nested.assert_problem(400);
    assert_eq!(
        nested.problem_fields(),
        vec!["quota.messages"],
        "{}",
        nested.text
    );
    top.assert_problem(400);
    assert_eq!(top.problem_fields(), vec!["client_id"], "{}", top.text);
    assert!(
        !top.text.contains("u32") && !top.text.contains("Json"),
        "{}",
        top.text
    );
}
