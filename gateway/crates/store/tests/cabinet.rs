//! Cabinet storage on both backends: the organisation card and users with
//! version conflicts, audit entries written with every change, and nothing
//! written when validation or a version check fails.

#[macro_use]
mod support;
mod cabinet_support;

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, ObjectKind, OrganisationForm, ParticipationStatus, UserForm};
use cabinet_support::{admin, operator_form, organisation_form, PASSWORD};
use store::cabinet::{AuditFilter, CabinetStoreError};
use support::{TestStore, T0};

on_both_backends!(
    organisation_create_read_update_round_trips,
    organisation_stale_version_is_conflict_and_writes_nothing,
    organisation_invalid_form_writes_nothing,
    organisation_second_create_is_already_exists,
    user_create_read_list_update_delete,
    user_stale_version_is_conflict_and_writes_nothing,
    user_taken_login_is_already_exists,
    user_invalid_form_and_weak_password_write_nothing,
    user_password_set_is_audited_without_the_password,
    audit_filter_selects_object_and_actor,
    user_concurrent_edits_one_wins_one_conflicts,
);

async fn audit_count(h: &TestStore) -> usize {
    let entries = h.store.audit_entries(&AuditFilter::default()).await;
    entries.unwrap().len()
}

async fn organisation_create_read_update_round_trips(h: &TestStore) {
    assert_eq!(h.store.organisation().await.unwrap(), None);

    let created = h
        .store
        .create_organisation(&organisation_form(), &admin())
        .await
        .unwrap();
    let changed_form = OrganisationForm {
        status: "active".into(),
        ..organisation_form()
    };
    let later = AuditContext {
        at: T0 + time::Duration::minutes(5),
        ..admin()
    };
    let updated = h
        .store
        .update_organisation(&changed_form, 1, &later)
        .await
        .unwrap();
    let read = h.store.organisation().await.unwrap().unwrap();

    assert_eq!(created.version, 1);
    assert_eq!(updated.version, 2);
    assert_eq!(read, updated);
    assert_eq!(read.value.status(), ParticipationStatus::Active);
    assert_eq!(read.value.to_form(), changed_form);

    let audit = h
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .unwrap();
    let actions: Vec<AuditAction> = audit.iter().map(|r| r.entry.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::OrganisationCreated,
            AuditAction::OrganisationUpdated
        ]
    );
    let update = &audit[1].entry;
    assert_eq!(update.actor, "admin");
    assert_eq!(update.remote, Some("192.0.2.10".parse().unwrap()));
    assert_eq!(update.at, later.at);
    assert_eq!(update.object_kind, ObjectKind::Organisation);
    assert_eq!(update.object_id, "1");
    assert!(update
        .before
        .as_deref()
        .unwrap()
        .contains(r#""status":"applicant""#));
    assert!(update
        .after
        .as_deref()
        .unwrap()
        .contains(r#""status":"active""#));
    assert_eq!(audit[0].entry.before, None);
}

async fn organisation_stale_version_is_conflict_and_writes_nothing(h: &TestStore) {
    h.store
        .create_organisation(&organisation_form(), &admin())
        .await
        .unwrap();
    let first = OrganisationForm {
        short_name: "Первая правка".into(),
        ..organisation_form()
    };
    let second = OrganisationForm {
        short_name: "Вторая правка".into(),
        ..organisation_form()
    };
    h.store
        .update_organisation(&first, 1, &admin())
        .await
        .unwrap();

    let clash = h.store.update_organisation(&second, 1, &admin()).await;

    match clash {
        Err(CabinetStoreError::Conflict {
            kind: ObjectKind::Organisation,
            expected: 1,
            current: 2,
            ..
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let stored = h.store.organisation().await.unwrap().unwrap();
    assert_eq!(stored.value.short_name(), "Первая правка");
    assert_eq!(stored.version, 2);
    assert_eq!(audit_count(h).await, 2, "no entry for the refused change");
}

async fn organisation_invalid_form_writes_nothing(h: &TestStore) {
    let bad = OrganisationForm {
        inn: "7707083894".into(),
        kpp: "7736".into(),
        ..organisation_form()
    };

    let refused = h.store.create_organisation(&bad, &admin()).await;

    let Err(CabinetStoreError::Invalid(errors)) = refused else {
        panic!("expected invalid fields, got {refused:?}");
    };
    assert_eq!(errors.fields(), ["inn", "kpp"]);
    assert_eq!(h.store.organisation().await.unwrap(), None);
    assert_eq!(audit_count(h).await, 0);
}

async fn organisation_second_create_is_already_exists(h: &TestStore) {
    h.store
        .create_organisation(&organisation_form(), &admin())
        .await
        .unwrap();

    let again = h
        .store
        .create_organisation(&organisation_form(), &admin())
        .await;

    assert!(
        matches!(
            again,
            Err(CabinetStoreError::AlreadyExists {
                kind: ObjectKind::Organisation,
                ..
            })
        ),
        "{again:?}"
    );
    assert_eq!(audit_count(h).await, 1);
}

async fn user_create_read_list_update_delete(h: &TestStore) {
    let created = h
        .store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await
        .unwrap();
    h.store
        .create_user(&operator_form("abramov"), PASSWORD, &admin())
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.login_state, Default::default());

    let by_id = h.store.user(created.id).await.unwrap().unwrap();
    let by_login = h.store.user_by_login("ivanov").await.unwrap().unwrap();
    assert_eq!(by_id, created);
    assert_eq!(by_login, created);
    let logins: Vec<String> = h
        .store
        .users()
        .await
        .unwrap()
        .iter()
        .map(|u| u.user.login().to_owned())
        .collect();
    assert_eq!(logins, ["abramov", "ivanov"]);

    let renamed = UserForm {
        login: "ivanov.ii".into(),
        ip_allow: vec!["10.2.0.0/16".into(), "2001:db8::/32".into()],
        ..operator_form("ivanov")
    };
    let updated = h
        .store
        .update_user(created.id, &renamed, 1, &admin())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.user.to_form(), renamed);
    assert_eq!(h.store.user_by_login("ivanov").await.unwrap(), None);

    h.store.delete_user(created.id, 2, &admin()).await.unwrap();
    assert_eq!(h.store.user(created.id).await.unwrap(), None);

    let filter = AuditFilter {
        object_kind: Some(ObjectKind::User),
        object_id: Some(created.id.to_string()),
        ..AuditFilter::default()
    };
    let audit = h.store.audit_entries(&filter).await.unwrap();
    let actions: Vec<AuditAction> = audit.iter().map(|r| r.entry.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::UserCreated,
            AuditAction::UserUpdated,
            AuditAction::UserDeleted
        ]
    );
    assert!(audit[1]
        .entry
        .before
        .as_deref()
        .unwrap()
        .contains(r#""login":"ivanov""#));
    assert!(audit[1]
        .entry
        .after
        .as_deref()
        .unwrap()
        .contains(r#""login":"ivanov.ii""#));
    assert!(audit[2].entry.before.is_some());
    assert_eq!(audit[2].entry.after, None);
}

async fn user_stale_version_is_conflict_and_writes_nothing(h: &TestStore) {
    let user = h
        .store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await
        .unwrap();
    let first = UserForm {
        full_name: "Первый администратор".into(),
        ..operator_form("ivanov")
    };
    let second = UserForm {
        full_name: "Второй администратор".into(),
        ..operator_form("ivanov")
    };
    h.store
        .update_user(user.id, &first, 1, &admin())
        .await
        .unwrap();

    let clash = h.store.update_user(user.id, &second, 1, &admin()).await;
    let delete_clash = h.store.delete_user(user.id, 1, &admin()).await;
    let missing = h
        .store
        .update_user(user.id + 100, &second, 1, &admin())
        .await;

    assert!(
        matches!(clash, Err(CabinetStoreError::Conflict { current: 2, .. })),
        "{clash:?}"
    );
    assert!(
        matches!(delete_clash, Err(CabinetStoreError::Conflict { .. })),
        "{delete_clash:?}"
    );
    assert!(
        matches!(missing, Err(CabinetStoreError::NotFound { .. })),
        "{missing:?}"
    );
    let stored = h.store.user(user.id).await.unwrap().unwrap();
    assert_eq!(stored.user.full_name(), "Первый администратор");
    assert_eq!(stored.version, 2);
    assert_eq!(audit_count(h).await, 2);
}

async fn user_taken_login_is_already_exists(h: &TestStore) {
    h.store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await
        .unwrap();
    let other = h
        .store
        .create_user(&operator_form("petrov"), PASSWORD, &admin())
        .await
        .unwrap();

    let twice = h
        .store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await;
    let rename = h
        .store
        .update_user(other.id, &operator_form("ivanov"), 1, &admin())
        .await;

    for result in [twice.map(|_| ()), rename.map(|_| ())] {
        match result {
            Err(CabinetStoreError::AlreadyExists {
                kind: ObjectKind::User,
                id,
            }) => {
                assert_eq!(id, "ivanov")
            }
            other => panic!("expected a taken login, got {other:?}"),
        }
    }
    assert_eq!(h.store.users().await.unwrap().len(), 2);
    assert_eq!(h.store.user(other.id).await.unwrap().unwrap().version, 1);
    assert_eq!(audit_count(h).await, 2);
}

async fn user_invalid_form_and_weak_password_write_nothing(h: &TestStore) {
    let bad = UserForm {
        role: "root".into(),
        ..operator_form("ivanov")
    };

    let refused = h.store.create_user(&bad, "short", &admin()).await;

    let Err(CabinetStoreError::Invalid(errors)) = refused else {
        panic!("expected invalid fields, got {refused:?}");
    };
    assert_eq!(errors.fields(), ["role", "password"]);
    assert_eq!(h.store.users().await.unwrap(), []);
    assert_eq!(audit_count(h).await, 0);
}

async fn user_password_set_is_audited_without_the_password(h: &TestStore) {
    let user = h
        .store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await
        .unwrap();
    let new_password = "another long passphrase";

    let weak = h.store.set_password(user.id, "short", 1, &admin()).await;
    let changed = h
        .store
        .set_password(user.id, new_password, 1, &admin())
        .await
        .unwrap();

    assert!(
        matches!(weak, Err(CabinetStoreError::Invalid(_))),
        "{weak:?}"
    );
    assert_eq!(changed.version, 2);
    let audit = h
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .unwrap();
    let last = &audit.last().unwrap().entry;
    assert_eq!(last.action, AuditAction::PasswordSet);
    assert_eq!(last.after.as_deref(), Some(r#"{"password":"changed"}"#));
    for record in &audit {
        let texts = [
            record.entry.before.as_deref(),
            record.entry.after.as_deref(),
        ];
        for text in texts.into_iter().flatten() {
            assert!(!text.contains(PASSWORD) && !text.contains(new_password));
            assert!(!text.contains("argon2"), "no hash in the audit journal");
        }
    }
}

async fn audit_filter_selects_object_and_actor(h: &TestStore) {
    let other_admin = AuditContext {
        actor: "second-admin".into(),
        remote: None,
        ..admin()
    };
    let user = h
        .store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await
        .unwrap();
    h.store
        .create_organisation(&organisation_form(), &other_admin)
        .await
        .unwrap();
    h.store.unlock_user(user.id, 1, &other_admin).await.unwrap();

    let by_actor = AuditFilter {
        actor: Some("second-admin".into()),
        ..AuditFilter::default()
    };
    let by_kind = AuditFilter {
        object_kind: Some(ObjectKind::User),
        limit: Some(1),
        ..AuditFilter::default()
    };
    let by_actor = h.store.audit_entries(&by_actor).await.unwrap();
    let by_kind = h.store.audit_entries(&by_kind).await.unwrap();

    let actions: Vec<AuditAction> = by_actor.iter().map(|r| r.entry.action).collect();
    assert_eq!(
        actions,
        [AuditAction::OrganisationCreated, AuditAction::UserUnlocked]
    );
    assert_eq!(by_actor[0].entry.remote, None);
    assert_eq!(by_kind.len(), 1);
    assert_eq!(by_kind[0].entry.action, AuditAction::UserCreated);
    assert!(by_actor[0].id < by_actor[1].id);
}

async fn user_concurrent_edits_one_wins_one_conflicts(h: &TestStore) {
    let user = h
        .store
        .create_user(&operator_form("ivanov"), PASSWORD, &admin())
        .await
        .unwrap();
    let edit = |name: &str| {
        let store = h.store.clone();
        let form = UserForm {
            full_name: name.into(),
            ..operator_form("ivanov")
        };
        tokio::spawn(async move { store.update_user(user.id, &form, 1, &admin()).await })
    };

    let (first, second) = (edit("Первый"), edit("Второй"));
    let results = [first.await.unwrap(), second.await.unwrap()];

    let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(CabinetStoreError::Conflict { current: 2, .. })))
        .count();
    assert_eq!((won.len(), conflicts), (1, 1), "{results:?}");
    let stored = h.store.user(user.id).await.unwrap().unwrap();
    assert_eq!(&stored, won[0]);
    assert_eq!(audit_count(h).await, 2, "created, then one update");
}
