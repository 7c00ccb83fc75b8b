//! Two guards of the cabinet API over real HTTP: the organisation keeps at
//! least one active technical administrator (the last one demoting or
//! disabling themself is a 409 problem and changes nothing; deleting
//! oneself is refused earlier, and the store refuses deleting the last
//! administrator whoever asks, see `store/tests/cabinet_admins.rs`), and failed
//! logins from one address are refused with 429 and `Retry-After` once
//! over the limit, whatever the login, without locking any user.

#[allow(dead_code)]
mod api {
    pub mod client;
    pub mod fixture;
}

use api::client::{Answer, Call};
use api::fixture::{setup_context, Cabinet, Subject, LOGIN_USER, PASSWORD};
use serde_json::{json, Value};
use smevgate_tests::Backend;

const P: &str = ::api::PREFIX;

async fn as_admin(cabinet: &Cabinet, call: Call) -> Answer {
    let call = call.bearer(cabinet.bearer(Subject::Admin).unwrap());
    call.send(cabinet.addr()).await
}

/// Removes every administrator but `admin` through the store.
async fn leave_one_administrator(cabinet: &Cabinet) -> i64 {
    for login in ["far.admin", "night.admin"] {
        let id = cabinet.ids[login];
        let version = cabinet.user_version(id).await;
        let context = setup_context();
        let removed = cabinet.store().delete_user(id, version, &context);
        removed.await.unwrap();
    }
    cabinet.ids["admin"]
}

fn admin_body(role: &str, disabled: bool) -> Value {
    json!({
        "login": "admin", "full_name": "Пользователь admin", "role": role, "disabled": disabled,
    })
}

async fn last_administrator_demoting_or_disabling_themself_gets_409(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let id = leave_one_administrator(&cabinet).await;
    let version = cabinet.user_version(id).await;
    let path = format!("{P}/users/{id}");
    let put = |body: Value| Call::new("PUT", path.clone()).if_match(version).json(&body);

    let demoted = as_admin(&cabinet, put(admin_body("auditor", false))).await;
    let disabled = as_admin(&cabinet, put(admin_body("technical_administrator", true))).await;
    let deleted = as_admin(
        &cabinet,
        Call::new("DELETE", path.clone()).if_match(version),
    )
    .await;

    deleted.assert_problem(400);
    for answer in [&demoted, &disabled] {
        answer.assert_problem(409);
        let problem = answer.json();
        assert_eq!(problem["type"], "urn:smevgate:problem:last-administrator");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("хотя бы один"), "{detail}");
    }
    assert_eq!(cabinet.user_version(id).await, version, "nothing written");
    let still = as_admin(&cabinet, Call::new("GET", path)).await;
    assert_eq!(still.json()["role"], "technical_administrator");
}

#[tokio::test]
async fn last_administrator_demoting_or_disabling_themself_gets_409_sqlite() {
    last_administrator_demoting_or_disabling_themself_gets_409(Backend::Sqlite).await;
}

#[tokio::test]
async fn last_administrator_demoting_or_disabling_themself_gets_409_postgres() {
    last_administrator_demoting_or_disabling_themself_gets_409(Backend::Postgres).await;
}

fn login(login: &str, password: &str) -> Call {
    let body = json!({ "login": login, "password": password });
    Call::new("POST", format!("{P}/session")).json(&body)
}

#[tokio::test]
async fn failed_logins_from_one_address_get_429_with_retry_after() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let limit = ::api::login_limit::LoginLimitPolicy::default().max_failures;

    // Guesses spread over many logins: no single user reaches its lock-out.
    for n in 0..limit {
        let guess = login(&format!("guess.{n}"), "неверный-пароль-000");
        guess.send(cabinet.addr()).await.assert_problem(401);
    }
    let refused = login("guess.last", "неверный-пароль-000")
        .send(cabinet.addr())
        .await;
    let right = login(LOGIN_USER, PASSWORD).send(cabinet.addr()).await;

    for answer in [&refused, &right] {
        answer.assert_problem(429);
        assert_eq!(
            answer.json()["type"],
            "urn:smevgate:problem:too-many-logins"
        );
        let wait: u64 = answer.header("retry-after").parse().expect("seconds");
        assert!((1..=15 * 60).contains(&wait), "Retry-After {wait}");
    }
    let user = cabinet.store().user(cabinet.ids[LOGIN_USER]).await.unwrap();
    assert_eq!(user.unwrap().login_state.failures, 0, "no user lock-out");
    let token = as_admin(&cabinet, Call::new("GET", format!("{P}/organisation"))).await;
    assert_eq!(token.status, 200, "bearer tokens are not limited");
}

#[tokio::test]
async fn request_failing_on_the_node_becomes_the_last_error_of_the_status() {
    use tower::ServiceExt;

    let node = smevgate_tests::TestNode::start(Backend::Sqlite).await;
    assert!(node.node.last_error().is_none());
    // Without the accept loop no peer address is recorded: the guard cannot
    // check the caller's network, which is the node's failure, not theirs.
    let router = ::api::router::<()>(node.node.clone());
    let request = hyper::Request::get(format!("{P}/status"))
        .header("authorization", "Bearer whatever")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap();

    let answer = router.oneshot(request).await.unwrap();

    assert_eq!(answer.status(), 500);
    let last = node.node.last_error().expect("remembered");
    assert!(
        last.what.starts_with("api: no peer address"),
        "{}",
        last.what
    );
}
