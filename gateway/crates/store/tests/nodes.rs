//! Two nodes on one database: every message is delivered exactly once.

#[macro_use]
mod support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use store::{QueueId, QueueKind, Store, StoredMessage};
use support::{put, request, TestStore, T0};
use time::Duration as Span;

on_both_backends!(two_nodes_many_takers_deliver_each_message_once);

const MESSAGES: usize = 200;
const TAKERS_PER_NODE: usize = 8;

/// Takes from `queue` until `MESSAGES` were taken in all; returns the ids.
async fn drain(store: Store, node: String, taken: Arc<AtomicUsize>) -> Vec<String> {
    let queue = QueueId::new("RECV01", QueueKind::Requests);
    // Far beyond the lease of nobody: leases are an hour, the test takes seconds.
    let now = T0 + Span::minutes(1);
    let lease = Duration::from_secs(3600);
    let mut mine = Vec::new();
    let mut idle_rounds = 0;
    while taken.load(Ordering::SeqCst) < MESSAGES && idle_rounds < 1000 {
        match store.take(&queue, None, now, lease, &node).await.unwrap() {
            Some(StoredMessage { message, .. }) => {
                taken.fetch_add(1, Ordering::SeqCst);
                mine.push(message.message_id);
            }
            None => {
                idle_rounds += 1;
                tokio::task::yield_now().await;
            }
        }
    }
    mine
}

async fn two_nodes_many_takers_deliver_each_message_once(h: &TestStore) {
    let mut expected = HashSet::new();
    for index in 0..MESSAGES {
        let message = request("RECV01", T0 + Span::milliseconds(index as i64));
        expected.insert(message.message_id.clone());
        put(&h.store, &message).await;
    }
    let other_node = h.another_node().await;
    let taken = Arc::new(AtomicUsize::new(0));

    let mut tasks = Vec::new();
    for (node, store) in [("node-a", h.store.clone()), ("node-b", other_node)] {
        for _ in 0..TAKERS_PER_NODE {
            let (store, node, taken) = (store.clone(), node.to_owned(), Arc::clone(&taken));
            tasks.push(tokio::spawn(drain(store, node, taken)));
        }
    }
    let mut delivered = Vec::new();
    for task in tasks {
        delivered.extend(task.await.unwrap());
    }

    let distinct: HashSet<String> = delivered.iter().cloned().collect();
    assert_eq!(delivered.len(), MESSAGES, "no message is handed out twice");
    assert_eq!(distinct, expected, "every message is handed out");
    let depths = h.store.queue_depths(T0 + Span::minutes(2)).await.unwrap();
    assert_eq!(
        (depths[0].pending, depths[0].in_flight),
        (MESSAGES as u64, MESSAGES as u64)
    );
}
