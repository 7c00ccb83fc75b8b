//! The organisation keeps at least one active technical administrator, on
//! both backends: demoting, disabling or deleting the last one is refused
//! with nothing written, the same change with another administrator left
//! goes through, and two concurrent demotions of the last two let exactly
//! one through.

#[macro_use]
mod support;
mod cabinet_support;

use cabinet::UserForm;
use cabinet_support::{admin, operator_form, PASSWORD};
use store::cabinet::{AuditFilter, CabinetStoreError, UserRecord};
use support::TestStore;

on_both_backends!(
    last_administrator_demoted_disabled_or_deleted_is_refused,
    administrator_with_another_left_may_be_demoted_and_deleted,
    concurrent_demotions_of_the_last_two_let_one_through,
    disabled_administrator_does_not_count_as_the_one_left,
);

fn administrator_form(login: &str) -> UserForm {
    UserForm {
        role: "technical_administrator".into(),
        allowed_services: Vec::new(),
        ip_allow: Vec::new(),
        ..operator_form(login)
    }
}

async fn create(h: &TestStore, form: &UserForm) -> UserRecord {
    h.store.create_user(form, PASSWORD, &admin()).await.unwrap()
}

async fn audit_count(h: &TestStore) -> usize {
    let entries = h.store.audit_entries(&AuditFilter::default()).await;
    entries.unwrap().len()
}

fn is_last_administrator(result: &Result<impl std::fmt::Debug, CabinetStoreError>, id: i64) {
    match result {
        Err(CabinetStoreError::LastAdministrator { id: refused }) => {
            assert_eq!(refused, &id.to_string())
        }
        other => panic!("want LastAdministrator, got {other:?}"),
    }
}

async fn last_administrator_demoted_disabled_or_deleted_is_refused(h: &TestStore) {
    let store = &h.store;
    let only = create(h, &administrator_form("only.admin")).await;
    create(h, &operator_form("some.operator")).await;
    let audited = audit_count(h).await;
    let demoted = UserForm {
        role: "auditor".into(),
        ..administrator_form("only.admin")
    };
    let disabled = UserForm {
        disabled: true,
        ..administrator_form("only.admin")
    };

    let demote = store.update_user(only.id, &demoted, 1, &admin()).await;
    let disable = store.update_user(only.id, &disabled, 1, &admin()).await;
    let delete = store.delete_user(only.id, 1, &admin()).await;
    let rename = UserForm {
        full_name: "Новое имя".into(),
        ..administrator_form("only.admin")
    };
    let renamed = store.update_user(only.id, &rename, 1, &admin()).await;

    is_last_administrator(&demote, only.id);
    is_last_administrator(&disable, only.id);
    is_last_administrator(&delete, only.id);
    let renamed = renamed.expect("a change that keeps the role passes");
    assert_eq!(renamed.version, 2);
    assert_eq!(audit_count(h).await, audited + 1);
    let stored = store.user(only.id).await.unwrap().unwrap();
    assert!(stored.user.is_active_administrator());
}

async fn administrator_with_another_left_may_be_demoted_and_deleted(h: &TestStore) {
    let store = &h.store;
    let first = create(h, &administrator_form("first.admin")).await;
    let second = create(h, &administrator_form("second.admin")).await;
    let demoted = UserForm {
        role: "request_operator".into(),
        ..administrator_form("first.admin")
    };

    let changed = store.update_user(first.id, &demoted, 1, &admin()).await;
    let last = store.delete_user(second.id, 1, &admin()).await;
    let deleted = store.delete_user(first.id, 2, &admin()).await;

    assert_eq!(changed.unwrap().user.role().as_str(), "request_operator");
    is_last_administrator(&last, second.id);
    deleted.expect("an operator may go");
}

async fn concurrent_demotions_of_the_last_two_let_one_through(h: &TestStore) {
    let first = create(h, &administrator_form("left.admin")).await;
    let second = create(h, &administrator_form("right.admin")).await;
    let demote = |login: &str| UserForm {
        role: "auditor".into(),
        ..administrator_form(login)
    };
    let (left, right) = (demote("left.admin"), demote("right.admin"));

    let context = admin();
    let (a, b) = tokio::join!(
        h.store.update_user(first.id, &left, 1, &context),
        h.store.update_user(second.id, &right, 1, &context),
    );

    let through = [a.is_ok(), b.is_ok()];
    assert_eq!(through.iter().filter(|ok| **ok).count(), 1, "{a:?} / {b:?}");
    let refused = if a.is_ok() {
        (&b, second.id)
    } else {
        (&a, first.id)
    };
    is_last_administrator(refused.0, refused.1);
    let users = h.store.users().await.unwrap();
    let active = users.iter().filter(|u| u.user.is_active_administrator());
    assert_eq!(active.count(), 1);
}

async fn disabled_administrator_does_not_count_as_the_one_left(h: &TestStore) {
    let active = create(h, &administrator_form("active.admin")).await;
    let disabled = UserForm {
        disabled: true,
        ..administrator_form("disabled.admin")
    };
    create(h, &disabled).await;

    let deleted = h.store.delete_user(active.id, 1, &admin()).await;

    is_last_administrator(&deleted, active.id);
}
