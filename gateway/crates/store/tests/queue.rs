//! Queue behaviour on both backends: enqueue, take, lease, ack.

#[macro_use]
mod support;

use std::time::Duration;

use store::journal::{OP_ACKED, OP_DELIVERED, OP_REDELIVERY, OP_REJECTED};
use store::{
    AckOutcome, JournalFilter, MessageKind, MessageState, PayloadName, QueueDepth, QueueId,
    QueueKind, StoreError,
};
use support::{put, request, sent_entry, TestStore, NODE, T0};
use time::Duration as Span;

const LEASE: Duration = Duration::from_secs(60);

on_both_backends!(
    take_two_pending_returns_oldest_first,
    take_with_selector_returns_only_matching_payload,
    take_after_lease_expiry_redelivers_and_journals,
    take_other_queue_is_empty,
    ack_delivered_message_removes_it_from_queue,
    ack_twice_second_is_not_found,
    ack_by_other_owner_is_not_found,
    ack_undelivered_or_unknown_is_not_found,
    ack_not_accepted_settles_as_rejected,
    ack_with_follow_up_queues_the_status_in_the_same_transaction,
    ack_with_failing_follow_up_settles_nothing,
    get_after_enqueue_returns_every_field,
    find_by_reply_to_known_token_returns_request,
    set_status_known_and_unknown_ids_report_change,
    queue_depths_count_pending_and_in_flight,
    ping_open_store_answers,
);

async fn take_two_pending_returns_oldest_first(h: &TestStore) {
    let newer = request("RECV01", T0 + Span::seconds(2));
    let older = request("RECV01", T0 + Span::seconds(1));
    put(&h.store, &newer).await;
    put(&h.store, &older).await;
    let queue = &older.queue;

    let first = h
        .store
        .take(queue, None, T0 + Span::minutes(1), LEASE, NODE)
        .await
        .unwrap();
    let second = h
        .store
        .take(queue, None, T0 + Span::minutes(1), LEASE, NODE)
        .await
        .unwrap();
    let third = h
        .store
        .take(queue, None, T0 + Span::minutes(1), LEASE, NODE)
        .await
        .unwrap();

    assert_eq!(first.unwrap().message.message_id, older.message_id);
    assert_eq!(second.unwrap().message.message_id, newer.message_id);
    assert!(third.is_none(), "both messages are in flight");
}

async fn take_with_selector_returns_only_matching_payload(h: &TestStore) {
    let fns = request("RECV01", T0);
    let mut zags = request("RECV01", T0 + Span::seconds(1));
    zags.payload = PayloadName::new("urn://example/zags/2.0", "ZagsRequest");
    put(&h.store, &fns).await;
    put(&h.store, &zags).await;
    let queue = &fns.queue;
    let now = T0 + Span::minutes(1);

    let wanted = PayloadName::new("urn://example/zags/2.0", "ZagsRequest");
    let picked = h
        .store
        .take(queue, Some(&wanted), now, LEASE, NODE)
        .await
        .unwrap();
    assert_eq!(picked.unwrap().message.message_id, zags.message_id);

    let same_ns_other_name = PayloadName::new("urn://example/zags/2.0", "FnsRequest");
    let none = h
        .store
        .take(queue, Some(&same_ns_other_name), now, LEASE, NODE)
        .await
        .unwrap();
    assert!(none.is_none());

    let any = h.store.take(queue, None, now, LEASE, NODE).await.unwrap();
    assert_eq!(any.unwrap().message.message_id, fns.message_id);
}

async fn take_after_lease_expiry_redelivers_and_journals(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    let queue = &message.queue;
    let first_at = T0 + Span::minutes(1);

    let first = h
        .store
        .take(queue, None, first_at, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.delivery.attempts, 1);
    assert_eq!(first.delivery.delivered_at, Some(first_at));
    assert_eq!(
        first.delivery.lease_until,
        Some(first_at + Span::seconds(60))
    );

    let during_lease = h
        .store
        .take(queue, None, first_at + Span::seconds(59), LEASE, NODE);
    assert!(during_lease.await.unwrap().is_none());

    let again_at = first_at + Span::seconds(60);
    let again = h
        .store
        .take(queue, None, again_at, LEASE, "node-b")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.message.message_id, message.message_id);
    assert_eq!(again.delivery.attempts, 2);
    assert_eq!(
        again.delivery.delivered_at,
        Some(first_at),
        "first delivery time is kept"
    );

    let filter = JournalFilter {
        message_id: Some(message.message_id.clone()),
        ..Default::default()
    };
    let records = h.store.query(&filter).await.unwrap();
    let ops: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r.entry.operation.as_str(), r.entry.node_id.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("SendRequest", NODE),
            (OP_DELIVERED, NODE),
            (OP_REDELIVERY, "node-b")
        ]
    );
    assert_eq!(records[2].entry.detail, "attempt 2");
    assert_eq!(records[2].entry.recipient.as_deref(), Some("RECV01"));
}

async fn take_other_queue_is_empty(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;

    let other_owner = QueueId::new("RECV02", QueueKind::Requests);
    let other_kind = QueueId::new("RECV01", QueueKind::Responses);
    for queue in [other_owner, other_kind] {
        assert!(h
            .store
            .take(&queue, None, T0, LEASE, NODE)
            .await
            .unwrap()
            .is_none());
    }
}

async fn ack_delivered_message_removes_it_from_queue(h: &TestStore) {
    let mut message = request("RECV01", T0);
    message.kind = MessageKind::Response;
    message.original_message_id = Some(support::new_id());
    put(&h.store, &message).await;
    let queue = &message.queue;
    h.store
        .take(queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();

    let outcome = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    let AckOutcome::Acked(acked) = outcome else {
        panic!("expected Acked, got {outcome:?}")
    };
    assert_eq!(acked.kind, MessageKind::Response);
    assert_eq!(acked.sender, "SENDER01");
    assert_eq!(acked.recipient, "RECV01");
    assert_eq!(acked.original_message_id, message.original_message_id);
    assert!(acked.accepted);

    let after_lease = T0 + Span::hours(1);
    assert!(h
        .store
        .take(queue, None, after_lease, LEASE, NODE)
        .await
        .unwrap()
        .is_none());
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.delivery.state, MessageState::Acked);
    assert_eq!(stored.delivery.lease_until, None);
    assert!(h.store.queue_depths(after_lease).await.unwrap().is_empty());

    let filter = JournalFilter {
        operation: Some(OP_ACKED.into()),
        ..Default::default()
    };
    let acks = h.store.query(&filter).await.unwrap();
    assert_eq!(acks.len(), 1);
    assert_eq!(
        acks[0].entry.message_id.as_deref(),
        Some(message.message_id.as_str())
    );
}

async fn ack_twice_second_is_not_found(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    h.store
        .take(&message.queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();

    let first = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    let second = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();

    assert!(matches!(first, AckOutcome::Acked(_)));
    assert_eq!(second, AckOutcome::NotFound);
}

async fn ack_by_other_owner_is_not_found(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    h.store
        .take(&message.queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();

    let stranger = h
        .store
        .ack("SENDER01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    assert_eq!(stranger, AckOutcome::NotFound);

    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.delivery.state, MessageState::Pending);
    let owner = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    assert!(matches!(owner, AckOutcome::Acked(_)));
}

async fn ack_undelivered_or_unknown_is_not_found(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;

    let undelivered = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    let unknown = h
        .store
        .ack("RECV01", &support::new_id(), true, T0, NODE)
        .await
        .unwrap();

    assert_eq!(undelivered, AckOutcome::NotFound);
    assert_eq!(unknown, AckOutcome::NotFound);
    let filter = JournalFilter {
        operation: Some(OP_ACKED.into()),
        ..Default::default()
    };
    assert!(
        h.store.query(&filter).await.unwrap().is_empty(),
        "a refused ack is not journaled"
    );
}

async fn ack_not_accepted_settles_as_rejected(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    h.store
        .take(&message.queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();

    let outcome = h
        .store
        .ack("RECV01", &message.message_id, false, T0, NODE)
        .await
        .unwrap();

    let AckOutcome::Acked(acked) = outcome else {
        panic!("expected Acked, got {outcome:?}")
    };
    assert!(!acked.accepted);
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.delivery.state, MessageState::Rejected);
    let filter = JournalFilter {
        operation: Some(OP_REJECTED.into()),
        ..Default::default()
    };
    assert_eq!(h.store.query(&filter).await.unwrap().len(), 1);
}

async fn get_after_enqueue_returns_every_field(h: &TestStore) {
    let mut message = request("RECV01", T0 + Span::microseconds(123_456));
    message.kind = MessageKind::Status;
    message.queue = QueueId::new("RECV01", QueueKind::Statuses);
    message.schema_version = "1.3".into();
    message.reply_to = Some("eyJzaWQiOjF9".into());
    message.original_message_id = Some(support::new_id());
    message.signature = Some("<ds:Signature>сигнатура</ds:Signature>".into());
    message.content = "<Response>ответ &amp; данные</Response>".into();
    message.test = true;
    put(&h.store, &message).await;

    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();

    assert_eq!(stored.message, message);
    assert_eq!(stored.delivery.attempts, 0);
    assert_eq!(stored.delivery.delivered_at, None);
    assert_eq!(stored.delivery.lease_until, None);
    assert_eq!(stored.delivery.state, MessageState::Pending);
    assert!(h.store.get(&support::new_id()).await.unwrap().is_none());
}

async fn find_by_reply_to_known_token_returns_request(h: &TestStore) {
    let mut message = request("RECV01", T0);
    message.reply_to = Some("token-1".into());
    put(&h.store, &message).await;

    let found = h.store.find_by_reply_to("token-1").await.unwrap().unwrap();
    assert_eq!(found.message.message_id, message.message_id);
    assert!(h.store.find_by_reply_to("token-2").await.unwrap().is_none());

    let mut clash = request("RECV02", T0);
    clash.reply_to = Some("token-1".into());
    let refused = h
        .store
        .enqueue(clash.clone(), sent_entry(&clash), 1000)
        .await;
    assert!(
        matches!(refused, Err(StoreError::DuplicateReplyTo { .. })),
        "{refused:?}"
    );
    assert!(h.store.get(&clash.message_id).await.unwrap().is_none());
}

async fn set_status_known_and_unknown_ids_report_change(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;

    assert!(h
        .store
        .set_status(&message.message_id, "messageIsDelivered")
        .await
        .unwrap());
    assert!(!h
        .store
        .set_status(&support::new_id(), "messageIsDelivered")
        .await
        .unwrap());

    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.message.status, "messageIsDelivered");
}

async fn queue_depths_count_pending_and_in_flight(h: &TestStore) {
    for offset in 0..3 {
        put(&h.store, &request("RECV01", T0 + Span::seconds(offset))).await;
    }
    let mut response = request("RECV02", T0);
    response.queue = QueueId::new("RECV02", QueueKind::Responses);
    put(&h.store, &response).await;
    let requests = QueueId::new("RECV01", QueueKind::Requests);
    h.store
        .take(&requests, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();

    let during = h.store.queue_depths(T0 + Span::seconds(1)).await.unwrap();
    let after = h.store.queue_depths(T0 + Span::hours(1)).await.unwrap();

    let depth = |queue: &QueueId, pending, in_flight| QueueDepth {
        queue: queue.clone(),
        pending,
        in_flight,
        dead: 0,
    };
    assert_eq!(
        during,
        [depth(&requests, 3, 1), depth(&response.queue, 1, 0)]
    );
    assert_eq!(
        after,
        [depth(&requests, 3, 0), depth(&response.queue, 1, 0)]
    );
}

async fn ping_open_store_answers(h: &TestStore) {
    h.store.ping().await.unwrap();
    let clone = h.store.clone();
    clone.ping().await.unwrap();
}

/// A status for the sender of `message`, as the exchange builds one.
fn status_for(message: &store::Message) -> (store::Message, store::JournalEntry) {
    let mut status = request(&message.sender, T0 + Span::seconds(1));
    status.kind = MessageKind::Status;
    status.queue = QueueId::new(message.sender.as_str(), QueueKind::Responses);
    status.original_message_id = Some(message.message_id.clone());
    status.reply_to = None;
    let entry = sent_entry(&status);
    (status, entry)
}

async fn ack_with_follow_up_queues_the_status_in_the_same_transaction(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    h.store
        .take(&message.queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();
    let (status, entry) = status_for(&message);

    let outcome = h
        .store
        .ack_with_follow_up(
            "RECV01",
            &message.message_id,
            true,
            T0,
            NODE,
            Some((status.clone(), entry)),
        )
        .await
        .unwrap();

    assert!(matches!(outcome, AckOutcome::Acked(_)));
    let queued = h
        .store
        .take(&status.queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(queued.message.message_id, status.message_id);
    assert_eq!(
        queued.message.original_message_id,
        Some(message.message_id.clone())
    );
}

async fn ack_with_failing_follow_up_settles_nothing(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    h.store
        .take(&message.queue, None, T0, LEASE, NODE)
        .await
        .unwrap()
        .unwrap();
    let (mut status, entry) = status_for(&message);
    // A follow-up that cannot be stored (its id is taken) must undo the ack.
    status.message_id = message.message_id.clone();

    let result = h
        .store
        .ack_with_follow_up(
            "RECV01",
            &message.message_id,
            true,
            T0,
            NODE,
            Some((status, entry)),
        )
        .await;

    assert!(
        result.is_err(),
        "a follow-up that cannot be stored fails the ack: {result:?}"
    );
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.delivery.state, MessageState::Pending);
    let again = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    assert!(
        matches!(again, AckOutcome::Acked(_)),
        "the ack can be repeated: {again:?}"
    );
}
