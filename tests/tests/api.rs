//! The administrative REST API over real HTTP on 127.0.0.1: the role
//! matrix (every route × every kind of caller, exact statuses), the route
//! table against the OpenAPI document, problem+json refusals, organisation
//! validation, `If-Match` conflicts, lock-out, and the audit entries each
//! change leaves. The matrix runs on SQLite; the core flows on both stores.
//!
//! Lock-out answers 401, exactly like a wrong password: the answer must not
//! tell a stranger that a login exists (administrators see the lock in
//! `GET /users/{id}`).

mod api {
    pub mod client;
    pub mod fixture;
    pub mod matrix;
}

use std::collections::BTreeSet;

use api::client::{Answer, Call};
use api::fixture::{organisation_json, Cabinet, Subject, LOGIN_USER, PASSWORD};
use api::matrix::{call_for, expected, MATRIX};
use serde_json::{json, Value};
use smevgate_tests::Backend;
use time::{Duration, OffsetDateTime};

const P: &str = ::api::PREFIX;

async fn send(cabinet: &Cabinet, call: Call) -> Answer {
    call.send(cabinet.addr()).await
}

/// The text field `key` of every item of a JSON array.
fn strings(items: &Value, key: &str) -> Vec<String> {
    let items = items.as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|item| item[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn admin(cabinet: &Cabinet) -> &str {
    cabinet.bearer(Subject::Admin).unwrap()
}

#[test]
fn matrix_rows_are_exactly_the_route_table() {
    let rows: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(method, path, ..)| (method.to_string(), path.to_string()))
        .collect();
    let routes: BTreeSet<(String, String)> = ::api::ROUTES
        .iter()
        .map(|r| (r.verb.as_str().to_owned(), r.path.to_owned()))
        .collect();

    assert_eq!(rows, routes);
    assert_eq!(MATRIX.len(), ::api::ROUTES.len());
}

async fn role_matrix_every_route_and_subject_gets_the_exact_status(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let mut failures = Vec::new();
    let mut seq = 0;
    for row in MATRIX {
        for subject in Subject::ALL {
            seq += 1;
            let call = call_for(&cabinet, row.0, row.1, subject, seq).await;
            let answer = send(&cabinet, call).await;
            let want = expected(row, subject);
            if answer.status != want {
                let got = (
                    answer.status,
                    answer.text.chars().take(160).collect::<String>(),
                );
                failures.push(format!(
                    "{} {} as {subject:?}: want {want}, got {got:?}",
                    row.0, row.1
                ));
            }
            if answer.status >= 400 {
                answer.assert_problem(want);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(seq, ::api::ROUTES.len() * Subject::ALL.len());
}

#[tokio::test]
async fn role_matrix_every_route_and_subject_gets_the_exact_status_sqlite() {
    role_matrix_every_route_and_subject_gets_the_exact_status(Backend::Sqlite).await;
}

#[tokio::test]
async fn role_matrix_every_route_and_subject_gets_the_exact_status_postgres() {
    role_matrix_every_route_and_subject_gets_the_exact_status(Backend::Postgres).await;
}

#[test]
fn openapi_roles_of_each_route_agree_with_the_matrix() {
    let document = ::api::openapi::document();
    let roles = ["technical_administrator", "request_operator", "auditor"];
    for (method, path, admin, operator, auditor) in MATRIX {
        let operation = &document["paths"][format!("{P}{path}")][method.to_lowercase()];
        let documented: Vec<&str> = match operation["x-roles"].as_array() {
            Some(listed) => listed.iter().map(|r| r.as_str().unwrap()).collect(),
            None => roles.to_vec(),
        };
        let permitted: Vec<&str> = roles
            .into_iter()
            .zip([admin, operator, auditor])
            .filter(|(_, status)| **status < 400)
            .map(|(role, _)| role)
            .collect();
        assert_eq!(documented, permitted, "{method} {path}");
    }
}

#[tokio::test]
async fn openapi_document_lists_exactly_the_served_routes() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let answer = send(&cabinet, Call::new("GET", format!("{P}/openapi.json"))).await;
    assert_eq!(answer.status, 200);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");

    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let table: BTreeSet<(String, String)> = ::api::ROUTES
        .iter()
        .map(|r| (r.verb.as_str().to_owned(), format!("{P}{}", r.path)))
        .collect();
    assert_eq!(documented, table);

    for (method, path) in &documented {
        let method: &'static str = Box::leak(method.clone().into_boxed_str());
        let url = path.replace("{id}", "1");
        let answer = send(&cabinet, Call::new(method, url.clone())).await;
        assert!(
            ![404, 405].contains(&answer.status),
            "{method} {url}: {}",
            answer.status
        );
    }
    for path in document["paths"].as_object().unwrap().keys() {
        let allowed: BTreeSet<String> = documented
            .iter()
            .filter(|(_, p)| p == path)
            .map(|(m, _)| m.clone())
            .collect();
        for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
            if allowed.contains(method) {
                continue;
            }
            let answer = send(&cabinet, Call::new(method, path.replace("{id}", "1"))).await;
            answer.assert_problem(405);
            let allow: BTreeSet<String> = answer
                .header("allow")
                .split(", ")
                .map(str::to_owned)
                .collect();
            assert_eq!(allow, allowed, "{method} {path}");
        }
    }
}

/// Whether a route reads a JSON body, found by sending it another media
/// type: the JSON body reader alone answers that with 415.
async fn reads_json(cabinet: &Cabinet, method: &'static str, path: &str) -> bool {
    let url = path
        .replace("{id}", "1")
        .replace("{mnemonic}", smevgate_tests::CONSUMER)
        .replace("{message_id}", "unknown");
    let call = Call::new(method, url)
        .header("content-type", "text/plain")
        .if_match(1)
        .raw(b"plain text".to_vec())
        .bearer(admin(cabinet));
    let answer = send(cabinet, call).await;
    assert!(
        ![401, 403].contains(&answer.status),
        "{method} {path}: {}",
        answer.text
    );
    answer.status == 415
}

#[tokio::test]
async fn openapi_declares_a_json_request_body_exactly_where_a_route_reads_json() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let document = ::api::openapi::document();

    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method: &'static str = match method.as_str() {
                "post" => "POST",
                "put" => "PUT",
                _ => continue,
            };
            if path.ends_with("/oauth/token") {
                continue; // A form body, declared as such.
            }
            let declared = op["requestBody"]["content"]["application/json"].is_object();

            let reads = reads_json(&cabinet, method, path).await;

            assert_eq!(declared, reads, "{method} {path}: requestBody vs the route");
        }
    }
}

#[tokio::test]
async fn refusals_are_problem_json_with_exact_statuses() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let token = admin(&cabinet);
    let users = format!("{P}/users");

    let unknown = send(
        &cabinet,
        Call::new("GET", format!("{P}/nope")).bearer(token),
    )
    .await;
    unknown.assert_problem(404);
    let method = send(&cabinet, Call::new("PATCH", users.clone()).bearer(token)).await;
    method.assert_problem(405);
    assert_eq!(method.header("allow"), "GET, POST");

    let text = Call::new("POST", users.clone()).bearer(token).raw("{}");
    let text = send(&cabinet, text.header("content-type", "text/plain")).await;
    text.assert_problem(415);
    let no_type = send(
        &cabinet,
        Call::new("POST", users.clone()).bearer(token).raw("{}"),
    )
    .await;
    no_type.assert_problem(415);

    let huge = json!({ "login": "x".repeat(70 * 1024) });
    let huge = send(
        &cabinet,
        Call::new("POST", users.clone()).bearer(token).json(&huge),
    )
    .await;
    huge.assert_problem(413);

    let broken = Call::new("POST", users.clone())
        .bearer(token)
        .raw("{\"login\": ");
    let broken = send(&cabinet, broken.header("content-type", "application/json")).await;
    broken.assert_problem(400);
    assert_eq!(broken.json()["type"], "urn:smevgate:problem:malformed-body");

    let extra = json!({ "login": "new.one", "role": "auditor", "is_root": true });
    let extra = send(
        &cabinet,
        Call::new("POST", users.clone()).bearer(token).json(&extra),
    )
    .await;
    extra.assert_problem(400);
    assert_eq!(
        extra.json()["errors"][0]["field"],
        "is_root",
        "{}",
        extra.text
    );

    let wrong_type = json!({ "login": "new.two", "role": "auditor", "disabled": "yes" });
    let wrong_type = send(
        &cabinet,
        Call::new("POST", users.clone())
            .bearer(token)
            .json(&wrong_type),
    )
    .await;
    wrong_type.assert_problem(400);
    assert_eq!(
        wrong_type.json()["errors"][0]["field"],
        "disabled",
        "{}",
        wrong_type.text
    );

    let query = send(
        &cabinet,
        Call::new("GET", format!("{P}/audit?since=вчера&x=1")).bearer(token),
    )
    .await;
    query.assert_problem(400);

    let unauthenticated = send(&cabinet, Call::new("GET", users)).await;
    unauthenticated.assert_problem(401);
    assert_eq!(unauthenticated.header("www-authenticate"), "Bearer");
}

#[tokio::test]
async fn organisation_bad_inn_and_ogrn_answer_422_naming_each_field() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let version = cabinet.organisation_version().await;
    let mut body = organisation_json();
    body["inn"] = json!("7712345670");
    body["ogrn"] = json!("10277");
    body["email"] = json!("нет");

    let call = Call::new("PUT", format!("{P}/organisation")).bearer(admin(&cabinet));
    let answer = send(&cabinet, call.if_match(version).json(&body)).await;

    answer.assert_problem(422);
    assert_eq!(answer.problem_fields(), ["inn", "ogrn", "email"]);
    for error in answer.json()["errors"].as_array().unwrap() {
        let message = error["message"].as_str().unwrap();
        assert!(
            message.chars().any(|c| ('А'..='я').contains(&c)),
            "{message}"
        );
    }
    assert_eq!(
        cabinet.organisation_version().await,
        version,
        "nothing written"
    );
}

#[tokio::test]
async fn organisation_missing_if_match_is_428_and_create_twice_is_409() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let call = Call::new("PUT", format!("{P}/organisation")).bearer(admin(&cabinet));

    let missing = send(&cabinet, call.clone().json(&organisation_json())).await;
    missing.assert_problem(428);
    let create = call.header("if-none-match", "*").json(&organisation_json());
    send(&cabinet, create).await.assert_problem(409);
}

/// Two administrators edit the card from the same version: the second
/// gets 412 naming both versions, and the card keeps the first edit.
async fn organisation_second_editor_gets_412(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let other = cabinet
        .create_user(&api::fixture::user_form(
            "admin.two",
            "technical_administrator",
        ))
        .await;
    let (first, second_token) = (
        admin(&cabinet).to_owned(),
        cabinet.token_for(other.id).await,
    );
    let read = send(
        &cabinet,
        Call::new("GET", format!("{P}/organisation")).bearer(&first),
    )
    .await;
    assert_eq!(read.status, 200);
    let etag = read.header("etag");
    let version: i64 = etag.trim_matches('"').parse().unwrap();

    let mut one = organisation_json();
    one["phone"] = json!("+7 (495) 111-11-11");
    let put = |token: &str, body: &Value| {
        Call::new("PUT", format!("{P}/organisation"))
            .bearer(token)
            .if_match(version)
            .json(body)
    };
    let first_answer = send(&cabinet, put(&first, &one)).await;
    assert_eq!(first_answer.status, 200, "{}", first_answer.text);
    assert_eq!(first_answer.header("etag"), format!("\"{}\"", version + 1));
    let mut two = organisation_json();
    two["phone"] = json!("+7 (495) 222-22-22");
    let second_answer = send(&cabinet, put(&second_token, &two)).await;

    second_answer.assert_problem(412);
    let problem = second_answer.json();
    assert_eq!(problem["expected_version"], version);
    assert_eq!(problem["current_version"], version + 1);
    assert_eq!(second_answer.header("etag"), format!("\"{}\"", version + 1));
    let stored = cabinet.store().organisation().await.unwrap().unwrap();
    assert_eq!(stored.value.phone(), "+7 (495) 111-11-11");
}

#[tokio::test]
async fn organisation_second_editor_gets_412_sqlite() {
    organisation_second_editor_gets_412(Backend::Sqlite).await;
}

#[tokio::test]
async fn organisation_second_editor_gets_412_postgres() {
    organisation_second_editor_gets_412(Backend::Postgres).await;
}

/// Five wrong passwords lock the login: the right password then answers
/// the same 401 as a wrong one, until an administrator unlocks the user.
async fn login_lockout_answers_401_until_unlocked(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let login = |password: &str| {
        let body = json!({ "login": LOGIN_USER, "password": password });
        Call::new("POST", format!("{P}/session")).json(&body)
    };
    let unknown_body = json!({ "login": "nobody.here", "password": PASSWORD });
    let unknown = send(
        &cabinet,
        Call::new("POST", format!("{P}/session")).json(&unknown_body),
    )
    .await;
    unknown.assert_problem(401);
    for _ in 0..5 {
        let wrong = send(&cabinet, login("неверный-пароль-000")).await;
        wrong.assert_problem(401);
        assert_eq!(wrong.json(), unknown.json(), "no hint which part was wrong");
    }

    let locked = send(&cabinet, login(PASSWORD)).await;
    locked.assert_problem(401);
    assert_eq!(locked.json(), unknown.json());
    let id = cabinet.ids[LOGIN_USER];
    let user = send(
        &cabinet,
        Call::new("GET", format!("{P}/users/{id}")).bearer(admin(&cabinet)),
    )
    .await;
    assert!(user.json()["locked_until"].is_string(), "{}", user.text);

    let unlock = Call::new("POST", format!("{P}/users/{id}/unlock")).bearer(admin(&cabinet));
    let unlock = send(&cabinet, unlock).await;
    assert_eq!(unlock.status, 200, "{}", unlock.text);
    assert_eq!(unlock.json()["locked_until"], Value::Null);
    let session = send(&cabinet, login(PASSWORD)).await;
    assert_eq!(session.status, 201, "{}", session.text);
    let token = session.json()["token"].as_str().unwrap().to_owned();
    let org = send(
        &cabinet,
        Call::new("GET", format!("{P}/organisation")).bearer(&token),
    )
    .await;
    assert_eq!(org.status, 200);
}

#[tokio::test]
async fn login_lockout_answers_401_until_unlocked_sqlite() {
    login_lockout_answers_401_until_unlocked(Backend::Sqlite).await;
}

#[tokio::test]
async fn login_lockout_answers_401_until_unlocked_postgres() {
    login_lockout_answers_401_until_unlocked(Backend::Postgres).await;
}

#[tokio::test]
async fn login_right_password_from_disallowed_address_is_403_with_reason() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = json!({ "login": "far.admin", "password": PASSWORD });

    let answer = send(
        &cabinet,
        Call::new("POST", format!("{P}/session")).json(&body),
    )
    .await;

    answer.assert_problem(403);
    assert_eq!(
        answer.json()["detail"],
        "Вход с этого IP-адреса не разрешён"
    );
}

#[tokio::test]
async fn session_expired_or_ended_is_401() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let nine_hours_ago = OffsetDateTime::now_utc() - Duration::hours(9);
    let expired = cabinet.session_for("auditor", nine_hours_ago).await;
    let organisation = |token: &str| Call::new("GET", format!("{P}/organisation")).bearer(token);

    send(&cabinet, organisation(&expired))
        .await
        .assert_problem(401);

    let live = cabinet
        .session_for("auditor", OffsetDateTime::now_utc())
        .await;
    assert_eq!(send(&cabinet, organisation(&live)).await.status, 200);
    let logout = send(
        &cabinet,
        Call::new("DELETE", format!("{P}/session")).bearer(&live),
    )
    .await;
    assert_eq!(logout.status, 204);
    send(&cabinet, organisation(&live))
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn token_secret_is_shown_once_and_dies_when_revoked() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = json!({ "label": "ИС бухгалтерии", "expires_at": "2099-01-01T00:00:00Z" });
    let issued = Call::new("POST", format!("{P}/tokens"))
        .bearer(admin(&cabinet))
        .json(&body);
    let issued = send(&cabinet, issued).await;
    assert_eq!(issued.status, 201, "{}", issued.text);
    let secret = issued.json()["secret"].as_str().unwrap().to_owned();
    let id = issued.json()["token"]["id"].as_i64().unwrap();
    assert_eq!(issued.json()["token"]["expires_at"], "2099-01-01T00:00:00Z");

    let listed = send(
        &cabinet,
        Call::new("GET", format!("{P}/tokens")).bearer(&secret),
    )
    .await;
    assert_eq!(listed.status, 200);
    assert!(!listed.text.contains(&secret), "the secret is shown once");
    let labels = strings(&listed.json()["items"], "label");
    assert!(labels.contains(&"ИС бухгалтерии".to_owned()), "{labels:?}");

    let revoke = Call::new("DELETE", format!("{P}/tokens/{id}")).bearer(admin(&cabinet));
    assert_eq!(send(&cabinet, revoke).await.status, 204);
    let after = send(
        &cabinet,
        Call::new("GET", format!("{P}/tokens")).bearer(&secret),
    )
    .await;
    after.assert_problem(401);

    let past = json!({ "label": "прошлое", "expires_at": "2000-01-01T00:00:00Z" });
    let past = Call::new("POST", format!("{P}/tokens"))
        .bearer(admin(&cabinet))
        .json(&past);
    let past = send(&cabinet, past).await;
    past.assert_problem(422);
    assert_eq!(past.problem_fields(), ["expires_at"]);
}

/// Sends `call` and asserts the answer's status.
async fn expect(cabinet: &Cabinet, call: Call, status: u16) -> Answer {
    let answer = send(cabinet, call).await;
    assert_eq!(answer.status, status, "{}", answer.text);
    answer
}

/// As the fixture administrator, makes one change of every audited kind
/// (and one stale delete); returns the id of the user made and removed.
async fn make_every_change(cabinet: &Cabinet) -> i64 {
    let token = admin(cabinet).to_owned();
    let call =
        |method: &'static str, path: &str| Call::new(method, format!("{P}{path}")).bearer(&token);
    let version = cabinet.organisation_version().await;
    let mut card = organisation_json();
    card["short_name"] = json!("ООО «Новое имя»");
    let put_card = call("PUT", "/organisation").if_match(version).json(&card);
    expect(cabinet, put_card, 200).await;

    let user = json!({
        "login": "audited", "full_name": "Под аудитом", "role": "auditor", "password": PASSWORD,
    });
    let created = expect(cabinet, call("POST", "/users").json(&user), 201).await;
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), format!("{P}/users/{id}"));
    let user_path = format!("/users/{id}");
    let renamed = json!({ "login": "audited", "full_name": "Переименован", "role": "auditor" });
    expect(
        cabinet,
        call("PUT", &user_path).if_match(1).json(&renamed),
        200,
    )
    .await;
    let password = json!({ "password": "новый-длинный-пароль" });
    let set_password = call("POST", &format!("{user_path}/password")).json(&password);
    expect(cabinet, set_password, 200).await;
    expect(cabinet, call("POST", &format!("{user_path}/unlock")), 200).await;

    let label = json!({ "label": "аудит" });
    let issued = expect(cabinet, call("POST", "/tokens").json(&label), 201).await;
    let token_id = issued.json()["token"]["id"].as_i64().unwrap();
    expect(cabinet, call("DELETE", &format!("/tokens/{token_id}")), 204).await;
    let stale = send(cabinet, call("DELETE", &user_path).if_match(1)).await;
    stale.assert_problem(412);
    expect(cabinet, call("DELETE", &user_path).if_match(4), 204).await;
    id
}

/// Every change through the API leaves its audit entry: who, from which
/// address, what, before and after.
async fn every_change_is_audited(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let id = make_every_change(&cabinet).await;
    let token = admin(&cabinet);
    let audit = |query: String| Call::new("GET", format!("{P}/audit?{query}")).bearer(token);

    let answer = expect(&cabinet, audit("actor=admin".into()), 200).await;
    let items = answer.json()["items"].as_array().unwrap().clone();
    let actions = strings(&answer.json()["items"], "action");
    let every = [
        "organisation.update",
        "user.create",
        "user.update",
        "user.password",
        "user.unlock",
        "api_token.issue",
        "api_token.revoke",
        "user.delete",
    ];
    assert_eq!(actions, every);
    for entry in &items {
        assert_eq!(entry["actor"], "admin");
        assert_eq!(entry["remote"], "127.0.0.1");
    }
    assert_eq!(items[0]["before"]["short_name"], "ООО «Тестовый участник»");
    assert_eq!(items[0]["after"]["short_name"], "ООО «Новое имя»");
    assert_eq!(items[2]["before"]["full_name"], "Под аудитом");
    assert_eq!(items[2]["after"]["full_name"], "Переименован");
    assert_eq!(items[7]["after"], Value::Null);
    assert!(!answer.text.contains("$argon2"), "no password hashes");

    let user_only = expect(&cabinet, audit(format!("object=user:{id}&limit=2")), 200).await;
    let user_actions = strings(&user_only.json()["items"], "action");
    assert_eq!(user_actions, ["user.create", "user.update"]);
    let future = expect(&cabinet, audit("since=2099-01-01T00:00:00Z".into()), 200).await;
    assert_eq!(future.json()["items"], json!([]));
}

#[tokio::test]
async fn every_change_is_audited_sqlite() {
    every_change_is_audited(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_change_is_audited_postgres() {
    every_change_is_audited(Backend::Postgres).await;
}

#[tokio::test]
async fn journal_shows_exchanges_to_auditors_without_contents() {
    use smevgate_tests::{echo_request, message_id, Ims};
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let envelope = Ims::consumer().send_request(wire::Version::V1_3, &id, &echo_request());
    let sent = cabinet.node.post(envelope, "urn:SendRequest").await;
    assert_eq!(sent.status, 200, "{}", sent.body);

    let path = format!("{P}/journal?message_id={id}");
    let auditor = cabinet.bearer(Subject::Auditor).unwrap();
    let answer = send(&cabinet, Call::new("GET", path).bearer(auditor)).await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    let items = answer.json()["items"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    assert_eq!(items[0]["message_id"], id.as_str());
    assert_eq!(items[0]["sender"], smevgate_tests::CONSUMER);
    assert!(!answer.text.contains("12345678901"), "no message contents");
    let bad = Call::new("GET", format!("{P}/journal?message_kind=letter")).bearer(auditor);
    let bad = send(&cabinet, bad).await;
    bad.assert_problem(400);
    assert_eq!(bad.problem_fields(), ["message_kind"]);
}
