//! API clients on both backends: versioned changes with their audit
//! entries, the secret check (current secret only, rotation), the message
//! quota (reservations stop at the limit, a release gives one back, two
//! nodes share one count) and the shared token signing key.

#[macro_use]
mod support;
mod cabinet_support;

use std::sync::Arc;

use cabinet::{AuditAction, ClientForm, MessageQuota, ObjectKind, QuotaPeriod, Secret};
use cabinet_support::admin;
use store::cabinet::{AuditFilter, CabinetStoreError, QuotaReservation, TOKEN_KEY};
use store::Store;
use support::{TestStore, T0};
use time::Duration;

on_both_backends!(
    client_create_update_delete_bump_versions_and_audit,
    client_bad_form_or_stale_version_writes_nothing,
    client_secret_matches_only_the_current_secret,
    quota_reservations_stop_at_the_limit_until_the_next_period,
    quota_release_gives_a_message_back,
    quota_two_nodes_share_one_count,
    node_key_first_candidate_wins_for_every_node,
);

fn form(name: &str) -> ClientForm {
    ClientForm {
        name: name.into(),
        system: Some("CONSUMER01".into()),
        scopes: vec!["requests:send".into()],
        allowed_services: vec!["echo".into()],
        ip_allow: vec!["10.0.0.0/8".into()],
        ..ClientForm::default()
    }
}

const HOURLY: MessageQuota = MessageQuota {
    messages: 3,
    per: QuotaPeriod::Hour,
};

async fn audit_of(store: &Store, id: i64) -> Vec<AuditAction> {
    let filter = AuditFilter {
        object_kind: Some(ObjectKind::ApiClient),
        object_id: Some(id.to_string()),
        ..AuditFilter::default()
    };
    let entries = store.audit_entries(&filter).await.unwrap();
    entries.iter().map(|r| r.entry.action).collect()
}

async fn client_create_update_delete_bump_versions_and_audit(h: &TestStore) {
    let (secret, created) = h
        .store
        .create_client(&form("ИС 1"), &admin())
        .await
        .unwrap();
    assert_eq!((created.version, created.secret_generation), (1, 1));
    assert_eq!(secret.expose().len(), 43);
    assert_eq!(
        h.store.client(created.id).await.unwrap(),
        Some(created.clone())
    );

    let renamed = ClientForm {
        disabled: true,
        ..form("ИС 1, новое имя")
    };
    let updated = h
        .store
        .update_client(created.id, &renamed, 1, &admin())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.client.name(), "ИС 1, новое имя");
    assert!(updated.client.disabled());
    assert_eq!(
        updated.secret_generation, 2,
        "disabling ends the tokens issued so far"
    );
    let (_, rotated) = h
        .store
        .rotate_client_secret(created.id, 2, &admin())
        .await
        .unwrap();
    assert_eq!((rotated.version, rotated.secret_generation), (3, 3));
    let listed = h.store.clients().await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&rotated));

    h.store
        .delete_client(created.id, 3, &admin())
        .await
        .unwrap();
    assert_eq!(h.store.client(created.id).await.unwrap(), None);
    assert_eq!(
        audit_of(&h.store, created.id).await,
        [
            AuditAction::ClientCreated,
            AuditAction::ClientUpdated,
            AuditAction::ClientSecretRotated,
            AuditAction::ClientDeleted,
        ]
    );
    let filter = AuditFilter {
        object_kind: Some(ObjectKind::ApiClient),
        ..AuditFilter::default()
    };
    let entries = h.store.audit_entries(&filter).await.unwrap();
    let texts: String = entries
        .iter()
        .flat_map(|r| [r.entry.before.clone(), r.entry.after.clone()])
        .flatten()
        .collect();
    assert!(!texts.contains(secret.expose()), "no secret in the journal");
    assert!(texts.contains("\"rotated\""), "{texts}");
}

async fn client_bad_form_or_stale_version_writes_nothing(h: &TestStore) {
    let bad = ClientForm {
        scopes: vec!["users:manage".into()],
        ..form("")
    };
    let refused = h.store.create_client(&bad, &admin()).await.unwrap_err();
    let CabinetStoreError::Invalid(errors) = refused else {
        panic!("expected invalid, got {refused:?}");
    };
    assert_eq!(errors.fields(), ["name", "scopes[0]"]);
    assert!(h.store.clients().await.unwrap().is_empty());

    let (_, created) = h
        .store
        .create_client(&form("ИС 2"), &admin())
        .await
        .unwrap();
    let stale = h
        .store
        .update_client(created.id, &form("ИС 2b"), 7, &admin())
        .await
        .unwrap_err();
    assert!(
        matches!(
            stale,
            CabinetStoreError::Conflict {
                current: 1,
                expected: 7,
                ..
            }
        ),
        "{stale:?}"
    );
    let missing = h.store.delete_client(999, 1, &admin()).await.unwrap_err();
    assert!(
        matches!(missing, CabinetStoreError::NotFound { .. }),
        "{missing:?}"
    );
    assert_eq!(
        audit_of(&h.store, created.id).await,
        [AuditAction::ClientCreated]
    );
}

async fn client_secret_matches_only_the_current_secret(h: &TestStore) {
    let (secret, created) = h
        .store
        .create_client(&form("ИС 3"), &admin())
        .await
        .unwrap();
    let id = created.id;

    let found = h.store.client_by_secret(id, secret.expose()).await.unwrap();
    assert_eq!(found.map(|r| r.id), Some(id));
    let (stranger, _) = Secret::generate().unwrap();
    for presented in [stranger.expose(), "", "not base64!"] {
        let found = h.store.client_by_secret(id, presented).await.unwrap();
        assert_eq!(found, None, "{presented:?}");
    }
    let unknown = h.store.client_by_secret(id + 1, secret.expose()).await;
    assert_eq!(unknown.unwrap(), None);

    let (fresh, _) = h.store.rotate_client_secret(id, 1, &admin()).await.unwrap();
    let old = h.store.client_by_secret(id, secret.expose()).await.unwrap();
    assert_eq!(old, None, "the rotated-away secret no longer works");
    let new = h.store.client_by_secret(id, fresh.expose()).await.unwrap();
    assert_eq!(new.map(|r| r.secret_generation), Some(2));
}

async fn quota_reservations_stop_at_the_limit_until_the_next_period(h: &TestStore) {
    let (_, client) = h
        .store
        .create_client(&form("ИС 4"), &admin())
        .await
        .unwrap();
    let at = T0 + Duration::minutes(10);

    for _ in 0..3 {
        let reserved = h
            .store
            .reserve_message(client.id, HOURLY, at)
            .await
            .unwrap();
        assert_eq!(reserved, QuotaReservation::Reserved { period_start: T0 });
    }
    let refused = h
        .store
        .reserve_message(client.id, HOURLY, at)
        .await
        .unwrap();
    assert_eq!(
        refused,
        QuotaReservation::Exhausted {
            until: T0 + Duration::hours(1)
        }
    );
    assert_eq!(
        h.store.messages_used(client.id, HOURLY, at).await.unwrap(),
        3
    );

    let next_hour = T0 + Duration::minutes(70);
    let reserved = h.store.reserve_message(client.id, HOURLY, next_hour).await;
    assert_eq!(
        reserved.unwrap(),
        QuotaReservation::Reserved {
            period_start: T0 + Duration::hours(1)
        }
    );
    let used = h.store.messages_used(client.id, HOURLY, next_hour).await;
    assert_eq!(used.unwrap(), 1);
    let past = h.store.messages_used(client.id, HOURLY, at).await;
    assert_eq!(
        past.unwrap(),
        0,
        "the first message of a period forgets the past ones"
    );
}

async fn quota_release_gives_a_message_back(h: &TestStore) {
    let (_, client) = h
        .store
        .create_client(&form("ИС 5"), &admin())
        .await
        .unwrap();
    for _ in 0..3 {
        h.store
            .reserve_message(client.id, HOURLY, T0)
            .await
            .unwrap();
    }

    h.store.release_message(client.id, T0).await.unwrap();

    assert_eq!(
        h.store.messages_used(client.id, HOURLY, T0).await.unwrap(),
        2
    );
    let again = h
        .store
        .reserve_message(client.id, HOURLY, T0)
        .await
        .unwrap();
    assert_eq!(again, QuotaReservation::Reserved { period_start: T0 });
    for _ in 0..5 {
        h.store.release_message(client.id, T0).await.unwrap();
    }
    assert_eq!(
        h.store.messages_used(client.id, HOURLY, T0).await.unwrap(),
        0,
        "never below zero"
    );
}

async fn quota_two_nodes_share_one_count(h: &TestStore) {
    let (_, client) = h
        .store
        .create_client(&form("ИС 6"), &admin())
        .await
        .unwrap();
    let quota = MessageQuota {
        messages: 10,
        per: QuotaPeriod::Day,
    };
    let other = h.another_node().await;
    let granted = Arc::new(std::sync::atomic::AtomicU32::new(0));

    let mut tasks = Vec::new();
    for store in [h.store.clone(), other] {
        for _ in 0..8 {
            let (store, granted) = (store.clone(), Arc::clone(&granted));
            tasks.push(tokio::spawn(async move {
                for _ in 0..3 {
                    let outcome = store.reserve_message(client.id, quota, T0).await.unwrap();
                    if matches!(outcome, QuotaReservation::Reserved { .. }) {
                        granted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }

    assert_eq!(granted.load(std::sync::atomic::Ordering::SeqCst), 10);
    assert_eq!(
        h.store.messages_used(client.id, quota, T0).await.unwrap(),
        10
    );
}

async fn node_key_first_candidate_wins_for_every_node(h: &TestStore) {
    let other = h.another_node().await;

    let first = h.store.node_key(TOKEN_KEY, [1; 32], T0).await.unwrap();
    let second = other.node_key(TOKEN_KEY, [2; 32], T0).await.unwrap();

    assert_eq!(first, [1; 32]);
    assert_eq!(second, [1; 32], "the second node reads the stored key");
    let other_name = other.node_key("other", [3; 32], T0).await.unwrap();
    assert_eq!(other_name, [3; 32]);
}

#[tokio::test]
async fn sqlite_client_secret_is_stored_only_as_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (secret, _) = store.create_client(&form("ИС 7"), &admin()).await.unwrap();
    let (rotated, _) = store.rotate_client_secret(1, 1, &admin()).await.unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let stored: String = conn
        .query_row("SELECT secret_hash FROM api_clients", [], |row| row.get(0))
        .unwrap();

    let hash = cabinet::SecretHash::of_presented(rotated.expose()).unwrap();
    assert_eq!(stored, hash.to_hex());
    for secret in [&secret, &rotated] {
        assert!(!stored.contains(secret.expose()));
    }
}
