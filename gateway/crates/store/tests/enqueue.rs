//! Enqueue on both backends: duplicates, quota, atomicity, durability.

#[macro_use]
mod support;

use std::time::Duration;

use store::{AckOutcome, JournalFilter, QueueId, QueueKind, StoreError};
use support::{put, request, sent_entry, TestStore, NODE, T0};
use time::Duration as Span;

on_both_backends!(
    enqueue_same_id_twice_is_duplicate,
    enqueue_acked_id_again_is_duplicate,
    enqueue_same_id_concurrently_stores_it_once,
    enqueue_full_queue_is_queue_full,
    enqueue_after_ack_frees_quota,
    enqueue_refused_writes_nothing,
    enqueue_then_reopen_finds_message,
);

/// Number of journal entries in the store.
async fn journal_len(h: &TestStore) -> usize {
    h.store
        .query(&JournalFilter::default())
        .await
        .unwrap()
        .len()
}

async fn enqueue_same_id_twice_is_duplicate(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;

    // Even to another queue: ids are unique across the node.
    let mut again = message.clone();
    again.queue = QueueId::new("RECV02", QueueKind::Requests);
    let refused = h
        .store
        .enqueue(again.clone(), sent_entry(&again), 1000)
        .await;

    let Err(StoreError::Duplicate { message_id }) = refused else {
        panic!("expected Duplicate, got {refused:?}");
    };
    assert_eq!(message_id, message.message_id);
    let stored = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.message.queue.owner, "RECV01");
}

async fn enqueue_acked_id_again_is_duplicate(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;
    let lease = Duration::from_secs(60);
    h.store
        .take(&message.queue, None, T0, lease, NODE)
        .await
        .unwrap()
        .unwrap();
    let acked = h
        .store
        .ack("RECV01", &message.message_id, true, T0, NODE)
        .await
        .unwrap();
    assert!(matches!(acked, AckOutcome::Acked(_)));

    let refused = h
        .store
        .enqueue(message.clone(), sent_entry(&message), 1000)
        .await;

    assert!(
        matches!(refused, Err(StoreError::Duplicate { .. })),
        "{refused:?}"
    );
}

async fn enqueue_same_id_concurrently_stores_it_once(h: &TestStore) {
    let message = request("RECV01", T0);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, message) = (h.store.clone(), message.clone());
            tokio::spawn(async move {
                store
                    .enqueue(message.clone(), sent_entry(&message), 1000)
                    .await
            })
        })
        .collect();

    let mut stored = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => stored += 1,
            Err(StoreError::Duplicate { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    assert_eq!(stored, 1);
    assert_eq!(journal_len(h).await, 1);
}

async fn enqueue_full_queue_is_queue_full(h: &TestStore) {
    let quota = 2;
    for offset in 0..quota {
        let message = request("RECV01", T0 + Span::seconds(offset));
        h.store
            .enqueue(message.clone(), sent_entry(&message), 2)
            .await
            .unwrap();
    }
    let third = request("RECV01", T0 + Span::seconds(5));

    let refused = h.store.enqueue(third.clone(), sent_entry(&third), 2).await;

    let Err(StoreError::QueueFull { queue, quota }) = refused else {
        panic!("expected QueueFull, got {refused:?}");
    };
    assert_eq!((queue, quota), (third.queue.clone(), 2));
    // Another queue of the same owner has its own count.
    let mut response = request("RECV01", T0);
    response.queue = QueueId::new("RECV01", QueueKind::Responses);
    h.store
        .enqueue(response.clone(), sent_entry(&response), 2)
        .await
        .unwrap();
}

async fn enqueue_after_ack_frees_quota(h: &TestStore) {
    let first = request("RECV01", T0);
    h.store
        .enqueue(first.clone(), sent_entry(&first), 1)
        .await
        .unwrap();
    let second = request("RECV01", T0 + Span::seconds(1));
    let full = h
        .store
        .enqueue(second.clone(), sent_entry(&second), 1)
        .await;
    assert!(
        matches!(full, Err(StoreError::QueueFull { .. })),
        "{full:?}"
    );

    let lease = Duration::from_secs(60);
    h.store
        .take(&first.queue, None, T0, lease, NODE)
        .await
        .unwrap()
        .unwrap();
    h.store
        .ack("RECV01", &first.message_id, true, T0, NODE)
        .await
        .unwrap();

    h.store
        .enqueue(second.clone(), sent_entry(&second), 1)
        .await
        .unwrap();
}

async fn enqueue_refused_writes_nothing(h: &TestStore) {
    let message = request("RECV01", T0);
    h.store
        .enqueue(message.clone(), sent_entry(&message), 1)
        .await
        .unwrap();
    let entries_before = journal_len(h).await;

    let mut duplicate = request("RECV02", T0);
    duplicate.message_id = message.message_id.clone();
    let over_quota = request("RECV01", T0);
    let mut reply_clash = request("RECV03", T0);
    reply_clash.reply_to = Some("shared-token".into());
    let mut holder = request("RECV04", T0);
    holder.reply_to = Some("shared-token".into());
    put(&h.store, &holder).await;
    let entries_with_holder = journal_len(h).await;
    assert_eq!(entries_with_holder, entries_before + 1);

    let results = [
        h.store
            .enqueue(duplicate.clone(), sent_entry(&duplicate), 10)
            .await,
        h.store
            .enqueue(over_quota.clone(), sent_entry(&over_quota), 1)
            .await,
        h.store
            .enqueue(reply_clash.clone(), sent_entry(&reply_clash), 10)
            .await,
    ];

    assert!(results.iter().all(Result::is_err), "{results:?}");
    assert_eq!(
        journal_len(h).await,
        entries_with_holder,
        "no journal entry on refusal"
    );
    assert!(h.store.get(&over_quota.message_id).await.unwrap().is_none());
    assert!(h
        .store
        .get(&reply_clash.message_id)
        .await
        .unwrap()
        .is_none());
    let kept = h.store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(
        kept.message.queue.owner, "RECV01",
        "the first message is untouched"
    );
    let depths = h.store.queue_depths(T0).await.unwrap();
    let total: u64 = depths.iter().map(|d| d.pending).sum();
    assert_eq!(total, 2);
}

async fn enqueue_then_reopen_finds_message(h: &TestStore) {
    let message = request("RECV01", T0);
    put(&h.store, &message).await;

    let reopened = h.another_node().await;

    let stored = reopened.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.message, message);
    let entries = reopened.query(&JournalFilter::default()).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entry, sent_entry(&message));
}

/// Durability across a real close: the file is closed, then opened again.
#[tokio::test]
async fn sqlite_closed_and_reopened_file_keeps_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/deep/er/node.db", dir.path().display());
    let message = request("RECV01", T0);
    {
        let store = store::Store::open(&url).await.unwrap();
        put(&store, &message).await;
    }
    assert!(dir.path().join("deep/er/node.db").is_file());

    let store = store::Store::open(&url).await.unwrap();

    let stored = store.get(&message.message_id).await.unwrap().unwrap();
    assert_eq!(stored.message, message);
}
