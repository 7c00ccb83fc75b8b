//! Delivery state and integration points on both backends: a failed
//! attempt defers a message, the last one makes it a dead letter that take
//! never hands out, a re-drive puts it back with its attempts reset; points
//! carry versions, refuse a second point for the same system and service,
//! and audit every change with the `registry_version` bump.

#[macro_use]
mod support;

use std::time::Duration;

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, ObjectKind, PointForm, PointKind, PointService};
use store::cabinet::{AuditFilter, CabinetStoreError};
use store::delivery::{AttemptFailure, OP_ATTEMPT_FAILED, OP_DEAD_LETTER, OP_REDRIVEN};
use store::{JournalFilter, MessageState};
use support::{put, request, TestStore, NODE, T0};
use time::Duration as Span;

const LEASE: Duration = Duration::from_secs(60);

on_both_backends!(
    defer_failed_attempt_hides_message_until_retry_and_journals,
    dead_letter_is_never_taken_and_shows_in_depths_and_list,
    dead_letter_cannot_be_acked,
    redrive_dead_letter_resets_attempts_journals_and_audits,
    redrive_pending_or_unknown_message_finds_nothing,
    defer_or_bury_settled_message_changes_nothing,
    ack_journaled_writes_the_entry_with_the_settlement_only,
    point_changes_bump_versions_audit_and_registry_version,
    point_second_for_same_system_and_service_already_exists,
    point_invalid_form_is_refused_before_writing,
);

fn admin() -> AuditContext {
    AuditContext {
        actor: "admin".into(),
        remote: None,
        at: T0,
    }
}

fn failure(text: &str) -> AttemptFailure {
    AttemptFailure {
        error: text.into(),
        fault_code: None,
    }
}

fn push_point(system: &str) -> PointForm {
    PointForm::new(system, PointKind::Push, "http://127.0.0.1:9/push")
}

async fn operations(h: &TestStore, message_id: &str) -> Vec<String> {
    let filter = JournalFilter {
        message_id: Some(message_id.to_owned()),
        ..JournalFilter::default()
    };
    let records = h.store.query(&filter).await.unwrap();
    records.into_iter().map(|r| r.entry.operation).collect()
}

async fn defer_failed_attempt_hides_message_until_retry_and_journals(h: &TestStore) {
    let message = request("PUSH01", T0);
    put(&h.store, &message).await;
    let now = T0 + Span::seconds(1);
    let taken = h
        .store
        .take(&message.queue, None, now, LEASE, NODE)
        .await
        .unwrap();
    assert!(taken.is_some());
    let retry_at = now + Span::seconds(10);

    let deferred = h
        .store
        .defer(
            &message.message_id,
            retry_at,
            &failure("http 503"),
            now,
            NODE,
        )
        .await
        .unwrap();
    let before = h.store.take(
        &message.queue,
        None,
        retry_at - Span::milliseconds(1),
        LEASE,
        NODE,
    );
    let before = before.await.unwrap();
    let after = h
        .store
        .take(&message.queue, None, retry_at, LEASE, NODE)
        .await
        .unwrap();

    assert!(deferred);
    assert!(before.is_none(), "deferred until the retry instant");
    let after = after.expect("handed out again at the retry instant");
    assert_eq!(after.delivery.attempts, 2);
    assert_eq!(
        operations(h, &message.message_id).await,
        ["SendRequest", "delivered", OP_ATTEMPT_FAILED, "redelivery"]
    );
    let filter = JournalFilter {
        operation: Some(OP_ATTEMPT_FAILED.into()),
        ..JournalFilter::default()
    };
    let failed = &h.store.query(&filter).await.unwrap()[0].entry;
    assert_eq!(failed.detail, "http 503");
    assert_eq!(failed.recipient.as_deref(), Some("PUSH01"));
}

async fn dead_letter_is_never_taken_and_shows_in_depths_and_list(h: &TestStore) {
    let message = request("PUSH02", T0);
    put(&h.store, &message).await;
    let now = T0 + Span::seconds(1);
    h.store
        .take(&message.queue, None, now, LEASE, NODE)
        .await
        .unwrap();

    let buried = h
        .store
        .dead_letter(
            &message.message_id,
            &failure("connection refused"),
            now,
            NODE,
        )
        .await
        .unwrap();
    let much_later = now + Span::days(30);
    let taken = h
        .store
        .take(&message.queue, None, much_later, LEASE, NODE)
        .await
        .unwrap();
    let depths = h.store.queue_depths(much_later).await.unwrap();
    let letters = h.store.dead_letters(10).await.unwrap();
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();

    assert!(buried);
    assert!(taken.is_none(), "a dead letter is never handed out");
    assert_eq!(stored.delivery.state, MessageState::Dead);
    assert_eq!(depths.len(), 1);
    assert_eq!(
        (depths[0].pending, depths[0].in_flight, depths[0].dead),
        (0, 0, 1)
    );
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].message_id, message.message_id);
    assert_eq!(letters[0].attempts, 1);
    assert_eq!(letters[0].last_error.as_deref(), Some("connection refused"));
    assert_eq!(letters[0].dead_at, now);
    assert_eq!(
        operations(h, &message.message_id).await,
        [
            "SendRequest",
            "delivered",
            OP_ATTEMPT_FAILED,
            OP_DEAD_LETTER
        ]
    );
}

async fn dead_letter_cannot_be_acked(h: &TestStore) {
    let message = request("PUSH09", T0);
    put(&h.store, &message).await;
    let now = T0 + Span::seconds(1);
    h.store
        .take(&message.queue, None, now, LEASE, NODE)
        .await
        .unwrap();
    let dead = failure("gone");
    h.store
        .dead_letter(&message.message_id, &dead, now, NODE)
        .await
        .unwrap();

    let ack = h
        .store
        .ack("PUSH09", &message.message_id, true, now, NODE)
        .await
        .unwrap();

    assert_eq!(
        ack,
        store::AckOutcome::NotFound,
        "a dead letter cannot be acked"
    );
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.delivery.state, MessageState::Dead);
}

async fn redrive_dead_letter_resets_attempts_journals_and_audits(h: &TestStore) {
    let message = request("PUSH03", T0);
    put(&h.store, &message).await;
    let now = T0 + Span::seconds(1);
    h.store
        .take(&message.queue, None, now, LEASE, NODE)
        .await
        .unwrap();
    h.store
        .dead_letter(&message.message_id, &failure("x"), now, NODE)
        .await
        .unwrap();
    let later = now + Span::seconds(1);
    let context = AuditContext {
        at: later,
        ..admin()
    };

    let letter = h
        .store
        .redrive(&message.message_id, &context, NODE)
        .await
        .unwrap();
    let taken = h
        .store
        .take(&message.queue, None, later, LEASE, NODE)
        .await
        .unwrap();
    let again = h
        .store
        .redrive(&message.message_id, &context, NODE)
        .await
        .unwrap();

    assert_eq!(letter.expect("was a dead letter").attempts, 1);
    assert!(again.is_none(), "no longer a dead letter");
    let taken = taken.expect("pending again");
    assert_eq!(taken.delivery.attempts, 1, "attempts were reset");
    assert!(h.store.dead_letters(10).await.unwrap().is_empty());
    let ops = operations(h, &message.message_id).await;
    let tail = [OP_DEAD_LETTER, OP_REDRIVEN, "delivered"].map(str::to_owned);
    assert_eq!(
        ops[3..],
        tail,
        "a re-driven message starts its attempts again"
    );
    let filter = AuditFilter {
        object_kind: Some(ObjectKind::Message),
        ..AuditFilter::default()
    };
    let audit = h.store.audit_entries(&filter).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entry.action, AuditAction::MessageRedriven);
    assert_eq!(audit[0].entry.object_id, message.message_id);
}

async fn redrive_pending_or_unknown_message_finds_nothing(h: &TestStore) {
    let message = request("PUSH04", T0);
    put(&h.store, &message).await;

    let pending = h
        .store
        .redrive(&message.message_id, &admin(), NODE)
        .await
        .unwrap();
    let unknown = h.store.redrive("no-such-id", &admin(), NODE).await.unwrap();

    assert!(pending.is_none());
    assert!(unknown.is_none());
    let audit = h
        .store
        .audit_entries(&AuditFilter::default())
        .await
        .unwrap();
    assert!(audit.is_empty(), "nothing re-driven, nothing audited");
}

async fn defer_or_bury_settled_message_changes_nothing(h: &TestStore) {
    let message = request("PUSH05", T0);
    put(&h.store, &message).await;
    let now = T0 + Span::seconds(1);
    h.store
        .take(&message.queue, None, now, LEASE, NODE)
        .await
        .unwrap();
    h.store
        .ack("PUSH05", &message.message_id, true, now, NODE)
        .await
        .unwrap();

    let late = failure("late");
    let deferred = h.store.defer(&message.message_id, now, &late, now, NODE);
    let deferred = deferred.await.unwrap();
    let buried = h.store.dead_letter(&message.message_id, &late, now, NODE);
    let buried = buried.await.unwrap();

    assert!(!deferred && !buried);
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.delivery.state, MessageState::Acked);
    assert_eq!(
        operations(h, &message.message_id).await,
        ["SendRequest", "delivered", "acked"]
    );
}

async fn ack_journaled_writes_the_entry_with_the_settlement_only(h: &TestStore) {
    let message = request("PUSH10", T0);
    put(&h.store, &message).await;
    let now = T0 + Span::seconds(1);
    h.store
        .take(&message.queue, None, now, LEASE, NODE)
        .await
        .unwrap();
    let entry = store::JournalEntry {
        message_id: Some(message.message_id.clone()),
        detail: "to upstream".into(),
        ..store::JournalEntry::new(now, NODE, store::delivery::OP_FORWARDED)
    };

    let first = h.store.ack_journaled(
        "PUSH10",
        &message.message_id,
        true,
        now,
        NODE,
        None,
        entry.clone(),
    );
    let first = first.await.unwrap();
    let again = h
        .store
        .ack_journaled("PUSH10", &message.message_id, true, now, NODE, None, entry);
    let again = again.await.unwrap();

    assert!(matches!(first, store::AckOutcome::Acked(_)));
    assert_eq!(again, store::AckOutcome::NotFound);
    assert_eq!(
        operations(h, &message.message_id).await,
        [
            "SendRequest",
            "delivered",
            "acked",
            store::delivery::OP_FORWARDED
        ],
        "one forwarded entry, written with the settlement only"
    );
}

async fn point_changes_bump_versions_audit_and_registry_version(h: &TestStore) {
    let version0 = h.store.registry_version().await.unwrap();

    let created = h
        .store
        .create_point(&push_point("PUSH06"), &admin())
        .await
        .unwrap();
    let mut form = created.form.clone();
    form.max_attempts = 3;
    form.system = "IGNORED".into();
    let updated = h
        .store
        .update_point(created.id, &form, 1, &admin())
        .await
        .unwrap();
    let stale = h.store.update_point(created.id, &form, 1, &admin()).await;
    let listed = h.store.integration_points().await.unwrap();
    h.store.delete_point(created.id, 2, &admin()).await.unwrap();
    let gone = h.store.integration_point(created.id).await.unwrap();

    assert_eq!(created.version, 1);
    assert_eq!(updated.version, 2);
    assert_eq!(updated.form.max_attempts, 3);
    assert_eq!(
        updated.form.system, "PUSH06",
        "the system of a point never changes"
    );
    assert!(matches!(
        stale,
        Err(CabinetStoreError::Conflict { current: 2, .. })
    ));
    assert_eq!(listed, std::slice::from_ref(&updated));
    assert!(gone.is_none());
    assert_eq!(h.store.registry_version().await.unwrap(), version0 + 3);
    let filter = AuditFilter {
        object_kind: Some(ObjectKind::IntegrationPoint),
        ..AuditFilter::default()
    };
    let actions: Vec<AuditAction> = h
        .store
        .audit_entries(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::PointCreated,
            AuditAction::PointUpdated,
            AuditAction::PointDeleted
        ]
    );
}

async fn point_second_for_same_system_and_service_already_exists(h: &TestStore) {
    let whole = push_point("PUSH07");
    let mut one_service = whole.clone();
    one_service.service = Some(PointService {
        namespace: "urn:x".into(),
        root: "X".into(),
    });
    one_service.kind = PointKind::Upstream;

    let first = h.store.create_point(&whole, &admin()).await.unwrap();
    let specific = h.store.create_point(&one_service, &admin()).await.unwrap();
    let again = h.store.create_point(&whole, &admin()).await;
    let clash = h.store.update_point(specific.id, &whole, 1, &admin()).await;

    assert!(matches!(
        again,
        Err(CabinetStoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        clash,
        Err(CabinetStoreError::AlreadyExists { .. })
    ));
    let listed = h.store.integration_points().await.unwrap();
    assert_eq!(listed, [first, specific]);
}

async fn point_invalid_form_is_refused_before_writing(h: &TestStore) {
    let mut form = push_point("PUSH08");
    form.url = "ftp://nowhere".into();
    form.max_attempts = 0;

    let refused = h.store.create_point(&form, &admin()).await;

    let Err(CabinetStoreError::Invalid(errors)) = refused else {
        panic!("expected invalid, got {refused:?}");
    };
    assert_eq!(errors.fields(), ["url", "max_attempts"]);
    assert!(h.store.integration_points().await.unwrap().is_empty());
    assert_eq!(h.store.registry_version().await.unwrap(), 0);
}
