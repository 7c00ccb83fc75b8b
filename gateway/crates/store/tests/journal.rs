//! Journal behaviour on both backends: append, filters, order.

#[macro_use]
mod support;

use store::journal::OP_DELIVERED;
use store::{JournalEntry, JournalFilter, JournalRecord, MessageKind};
use support::{TestStore, T0};
use time::Duration as Span;

on_both_backends!(
    query_without_filter_returns_all_in_time_order,
    query_each_filter_selects_matching_entries,
    query_limit_returns_newest_matches_in_time_order,
    append_long_detail_is_cut,
);

/// Entries at T0+0..5 minutes, appended out of order.
fn sample_entries() -> Vec<JournalEntry> {
    let entry = |minute: i64, op: &str, sender: &str, recipient: &str| JournalEntry {
        sender: Some(sender.into()),
        recipient: Some(recipient.into()),
        ..JournalEntry::new(T0 + Span::minutes(minute), "node-a", op)
    };
    vec![
        JournalEntry {
            message_kind: Some(MessageKind::Request),
            status: Some("requestIsQueued".into()),
            message_id: Some("id-3".into()),
            ..entry(3, "SendRequest", "A", "B")
        },
        JournalEntry {
            message_kind: Some(MessageKind::Response),
            status: Some("responseIsDelivered".into()),
            message_id: Some("id-1".into()),
            ..entry(1, "SendResponse", "B", "A")
        },
        JournalEntry {
            fault_code: Some("SenderIsNotRegistered".into()),
            detail: "no such mnemonic".into(),
            ..entry(0, "SendRequest", "X", "B")
        },
        JournalEntry {
            message_kind: Some(MessageKind::Request),
            message_id: Some("id-3".into()),
            ..entry(4, OP_DELIVERED, "A", "B")
        },
        entry(2, "Ack", "C", "D"),
    ]
}

async fn append_samples(h: &TestStore) {
    for entry in sample_entries() {
        h.store.append(entry).await.unwrap();
    }
}

fn minutes(records: &[JournalRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| (r.entry.at - T0).whole_minutes())
        .collect()
}

async fn query_without_filter_returns_all_in_time_order(h: &TestStore) {
    append_samples(h).await;

    let records = h.store.query(&JournalFilter::default()).await.unwrap();

    assert_eq!(minutes(&records), [0, 1, 2, 3, 4]);
    let fault = &records[0].entry;
    assert_eq!(fault, &sample_entries()[2], "every field comes back");
    let ids: std::collections::HashSet<i64> = records.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 5, "ids are distinct");
}

/// Filters over [`sample_entries`] and the minutes of the entries they match.
fn filter_cases() -> Vec<(JournalFilter, Vec<i64>)> {
    vec![
        (
            JournalFilter {
                from: Some(T0 + Span::minutes(1)),
                ..Default::default()
            },
            vec![1, 2, 3, 4],
        ),
        (
            JournalFilter {
                until: Some(T0 + Span::minutes(2)),
                ..Default::default()
            },
            vec![0, 1],
        ),
        (
            JournalFilter {
                from: Some(T0 + Span::minutes(1)),
                until: Some(T0 + Span::minutes(4)),
                ..Default::default()
            },
            vec![1, 2, 3],
        ),
        (
            JournalFilter {
                operation: Some("SendRequest".into()),
                ..Default::default()
            },
            vec![0, 3],
        ),
        (
            JournalFilter {
                message_kind: Some(MessageKind::Request),
                ..Default::default()
            },
            vec![3, 4],
        ),
        (
            JournalFilter {
                status: Some("responseIsDelivered".into()),
                ..Default::default()
            },
            vec![1],
        ),
        (
            JournalFilter {
                participant: Some("A".into()),
                ..Default::default()
            },
            vec![1, 3, 4],
        ),
        (
            JournalFilter {
                participant: Some("D".into()),
                ..Default::default()
            },
            vec![2],
        ),
        (
            JournalFilter {
                message_id: Some("id-3".into()),
                ..Default::default()
            },
            vec![3, 4],
        ),
        (
            JournalFilter {
                participant: Some("B".into()),
                operation: Some("SendRequest".into()),
                message_kind: Some(MessageKind::Request),
                ..Default::default()
            },
            vec![3],
        ),
        (
            JournalFilter {
                participant: Some("nobody".into()),
                ..Default::default()
            },
            vec![],
        ),
    ]
}

async fn query_each_filter_selects_matching_entries(h: &TestStore) {
    append_samples(h).await;

    for (filter, expected) in filter_cases() {
        let records = h.store.query(&filter).await.unwrap();
        assert_eq!(minutes(&records), expected, "filter {filter:?}");
    }
}

async fn query_limit_returns_newest_matches_in_time_order(h: &TestStore) {
    append_samples(h).await;

    let filter = JournalFilter {
        limit: Some(2),
        ..Default::default()
    };
    let limited = h.store.query(&filter).await.unwrap();
    let zero = h
        .store
        .query(&JournalFilter {
            limit: Some(0),
            ..Default::default()
        })
        .await;

    let all = h.store.query(&JournalFilter::default()).await.unwrap();
    assert!(all.len() > 2, "the samples must outnumber the limit");
    assert_eq!(minutes(&limited), minutes(&all[all.len() - 2..]));
    assert!(zero.unwrap().is_empty());
}

async fn append_long_detail_is_cut(h: &TestStore) {
    let mut entry = JournalEntry::new(T0, "node-a", "Fault");
    entry.detail = "д".repeat(store::journal::DETAIL_MAX_CHARS * 2);

    let id = h.store.append(entry).await.unwrap();

    let records = h.store.query(&JournalFilter::default()).await.unwrap();
    assert_eq!(records[0].id, id);
    assert_eq!(
        records[0].entry.detail.chars().count(),
        store::journal::DETAIL_MAX_CHARS
    );
}
