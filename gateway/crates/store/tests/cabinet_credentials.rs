//! Logins, lock-out, sessions and API tokens on both backends: secrets are
//! found by their hash, expire, and are revoked; failures lock a user.

#[macro_use]
mod support;
mod cabinet_support;

use std::net::IpAddr;

use cabinet::{AccessRequest, AccessVerdict, AuditAction, LockoutPolicy, Secret};
use cabinet_support::{admin, operator_form, PASSWORD};
use store::cabinet::{AuditFilter, CabinetStoreError, LoginOutcome, UserRecord, SESSION_TTL};
use support::{TestStore, T0};
use time::{Duration, OffsetDateTime};

on_both_backends!(
    login_right_password_opens_session_found_by_secret,
    login_unknown_user_and_wrong_password_look_alike,
    login_failures_lock_until_time_and_unlock_clears,
    login_right_password_from_other_network_is_refused,
    session_ended_or_expired_is_not_found,
    api_token_found_by_secret_until_revoked_or_expired,
    api_token_for_unknown_user_or_bad_label_writes_nothing,
    user_delete_removes_sessions_and_tokens,
);

const POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 3,
    window: Duration::minutes(10),
    lock_for: Duration::minutes(30),
};

fn from_office(at: OffsetDateTime) -> AccessRequest {
    AccessRequest {
        ip: "10.1.2.3".parse::<IpAddr>().unwrap(),
        at,
    }
}

async fn operator(h: &TestStore) -> UserRecord {
    let form = operator_form("ivanov");
    h.store
        .create_user(&form, PASSWORD, &admin())
        .await
        .unwrap()
}

async fn login(h: &TestStore, password: &str, at: OffsetDateTime) -> LoginOutcome {
    let request = from_office(at);
    let outcome = h
        .store
        .authenticate("ivanov", password, &request, &POLICY, SESSION_TTL);
    outcome.await.unwrap()
}

async fn login_right_password_opens_session_found_by_secret(h: &TestStore) {
    let user = operator(h).await;

    let LoginOutcome::Success {
        user: logged,
        secret,
        session,
    } = login(h, PASSWORD, T0).await
    else {
        panic!("expected a session");
    };

    assert_eq!(logged.id, user.id);
    assert_eq!(session.expires_at, T0 + SESSION_TTL);
    assert_eq!(session.remote, Some("10.1.2.3".parse().unwrap()));
    let found = h
        .store
        .session(secret.expose(), T0 + Duration::hours(1))
        .await
        .unwrap();
    let (found_session, found_user) = found.expect("session by its secret");
    assert_eq!(found_session, session);
    assert_eq!(found_user.id, user.id);

    let (stranger, _) = Secret::generate().unwrap();
    assert_eq!(h.store.session(stranger.expose(), T0).await.unwrap(), None);
    assert_eq!(h.store.session("not a secret", T0).await.unwrap(), None);
}

async fn login_unknown_user_and_wrong_password_look_alike(h: &TestStore) {
    operator(h).await;
    let request = from_office(T0);

    let unknown = h
        .store
        .authenticate("nobody", PASSWORD, &request, &POLICY, SESSION_TTL);
    let unknown = unknown.await.unwrap();
    let wrong = login(h, "wrong password!", T0).await;

    assert!(
        matches!(unknown, LoginOutcome::BadCredentials),
        "{unknown:?}"
    );
    assert!(matches!(wrong, LoginOutcome::BadCredentials), "{wrong:?}");
    let state = h
        .store
        .user_by_login("ivanov")
        .await
        .unwrap()
        .unwrap()
        .login_state;
    assert_eq!(state.failures, 1);
    assert_eq!(state.first_failure_at, Some(T0));
}

async fn login_failures_lock_until_time_and_unlock_clears(h: &TestStore) {
    let user = operator(h).await;
    for minute in 0..2 {
        let outcome = login(h, "wrong password!", T0 + Duration::minutes(minute)).await;
        assert!(
            matches!(outcome, LoginOutcome::BadCredentials),
            "{outcome:?}"
        );
    }

    let third = login(h, "wrong password!", T0 + Duration::minutes(2)).await;
    let right_while_locked = login(h, PASSWORD, T0 + Duration::minutes(3)).await;
    let until = T0 + Duration::minutes(32);

    assert!(
        matches!(third, LoginOutcome::Locked { until: u } if u == until),
        "{third:?}"
    );
    let still = right_while_locked;
    assert!(
        matches!(still, LoginOutcome::Locked { until: u } if u == until),
        "{still:?}"
    );
    let after_lock = login(h, PASSWORD, until).await;
    assert!(
        matches!(after_lock, LoginOutcome::Success { .. }),
        "{after_lock:?}"
    );
    let cleared = h.store.user(user.id).await.unwrap().unwrap();
    assert_eq!(
        cleared.login_state,
        Default::default(),
        "success clears failures"
    );
    assert_eq!(
        cleared.version, 1,
        "failures are not administrative changes"
    );

    for minute in 40..43 {
        login(h, "wrong password!", T0 + Duration::minutes(minute)).await;
    }
    let unlocked = h.store.unlock_user(user.id, 1, &admin()).await.unwrap();
    assert_eq!(unlocked.login_state.locked_until, None);
    assert_eq!(unlocked.version, 2);
    let after_unlock = login(h, PASSWORD, T0 + Duration::minutes(43)).await;
    assert!(
        matches!(after_unlock, LoginOutcome::Success { .. }),
        "{after_unlock:?}"
    );
}

async fn login_right_password_from_other_network_is_refused(h: &TestStore) {
    operator(h).await;
    let request = AccessRequest {
        ip: "203.0.113.5".parse().unwrap(),
        at: T0,
    };

    let outcome = h
        .store
        .authenticate("ivanov", PASSWORD, &request, &POLICY, SESSION_TTL);
    let outcome = outcome.await.unwrap();

    let refused = LoginOutcome::Refused(AccessVerdict::AddressNotAllowed);
    assert_eq!(format!("{outcome:?}"), format!("{refused:?}"));
    let state = h
        .store
        .user_by_login("ivanov")
        .await
        .unwrap()
        .unwrap()
        .login_state;
    assert_eq!(state.failures, 0, "a right password is no failure");
}

async fn session_ended_or_expired_is_not_found(h: &TestStore) {
    operator(h).await;
    let LoginOutcome::Success { secret, .. } = login(h, PASSWORD, T0).await else {
        panic!("expected a session");
    };
    let LoginOutcome::Success { secret: other, .. } = login(h, PASSWORD, T0).await else {
        panic!("expected a second session");
    };

    let expired = h
        .store
        .session(secret.expose(), T0 + SESSION_TTL)
        .await
        .unwrap();
    let ended = h.store.end_session(other.expose()).await.unwrap();
    let ended_again = h.store.end_session(other.expose()).await.unwrap();

    assert_eq!(expired, None);
    assert!(ended);
    assert!(!ended_again);
    assert_eq!(h.store.session(other.expose(), T0).await.unwrap(), None);
    assert!(h
        .store
        .session(secret.expose(), T0)
        .await
        .unwrap()
        .is_some());
}

async fn api_token_found_by_secret_until_revoked_or_expired(h: &TestStore) {
    let user = operator(h).await;
    let expires = Some(T0 + Duration::days(30));
    let context = admin();
    let issued = h
        .store
        .issue_api_token(user.id, "ИС бухгалтерии", expires, &context);
    let (secret, token) = issued.await.unwrap();

    let found = h
        .store
        .api_token(secret.expose(), T0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.0, token);
    assert_eq!(found.1.id, user.id);
    assert_eq!(
        h.store.api_tokens(user.id).await.unwrap(),
        std::slice::from_ref(&token)
    );
    let late = T0 + Duration::days(30);
    assert_eq!(
        h.store.api_token(secret.expose(), late).await.unwrap(),
        None
    );

    let later = cabinet::audit::AuditContext {
        at: T0 + Duration::hours(1),
        ..admin()
    };
    let revoked = h.store.revoke_api_token(token.id, &later).await.unwrap();
    let again = h.store.revoke_api_token(token.id, &later).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(later.at));
    assert_eq!(again, revoked);
    assert_eq!(h.store.api_token(secret.expose(), T0).await.unwrap(), None);

    let audit = h
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .unwrap();
    let actions: Vec<AuditAction> = audit.iter().map(|r| r.entry.action).collect();
    let expected = [
        AuditAction::UserCreated,
        AuditAction::ApiTokenIssued,
        AuditAction::ApiTokenRevoked,
    ];
    assert_eq!(actions, expected, "revoking twice is audited once");
    for record in &audit {
        let after = record.entry.after.as_deref().unwrap_or_default();
        assert!(
            !after.contains(secret.expose()),
            "no secret in the audit journal"
        );
    }
}

async fn api_token_for_unknown_user_or_bad_label_writes_nothing(h: &TestStore) {
    let user = operator(h).await;

    let unknown = h
        .store
        .issue_api_token(user.id + 100, "ИС", None, &admin())
        .await;
    let blank = h.store.issue_api_token(user.id, "  ", None, &admin()).await;

    assert!(
        matches!(unknown, Err(CabinetStoreError::NotFound { .. })),
        "{unknown:?}"
    );
    let Err(CabinetStoreError::Invalid(errors)) = blank else {
        panic!("expected a bad label, got {blank:?}");
    };
    assert_eq!(errors.fields(), ["label"]);
    assert_eq!(h.store.api_tokens(user.id).await.unwrap(), []);
    let audit = h
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "only the user's creation");
}

async fn user_delete_removes_sessions_and_tokens(h: &TestStore) {
    let user = operator(h).await;
    let LoginOutcome::Success { secret, .. } = login(h, PASSWORD, T0).await else {
        panic!("expected a session");
    };
    let (token, _) = h
        .store
        .issue_api_token(user.id, "ИС", None, &admin())
        .await
        .unwrap();

    h.store.delete_user(user.id, 1, &admin()).await.unwrap();

    assert_eq!(h.store.session(secret.expose(), T0).await.unwrap(), None);
    assert_eq!(h.store.api_token(token.expose(), T0).await.unwrap(), None);
    assert_eq!(h.store.api_tokens(user.id).await.unwrap(), []);
}
