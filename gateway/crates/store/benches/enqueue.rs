//! Enqueue throughput: 16 concurrent clients on PostgreSQL (target ≥ 1000
//! enqueues/s), and the single-writer SQLite file for comparison.
//!
//! PostgreSQL runs at `SMEVGATE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) in a schema made for the run.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use store::{JournalEntry, Message, MessageKind, PayloadName, QueueId, QueueKind, Store};
use time::OffsetDateTime;

const CLIENTS: u64 = 16;

fn message(index: u64) -> Message {
    let owner = format!("RECV{:02}", index % 8);
    Message {
        message_id: uuid::Uuid::new_v4().to_string(),
        kind: MessageKind::Request,
        schema_version: "1.1".into(),
        queue: QueueId::new(owner.clone(), QueueKind::Requests),
        sender: "SENDER01".into(),
        recipient: owner,
        payload: PayloadName::new("urn://example/fns/1.0", "FnsRequest"),
        reply_to: Some(uuid::Uuid::new_v4().simple().to_string()),
        original_message_id: None,
        content: "<Request>".to_owned() + &"x".repeat(2000) + "</Request>",
        signature: Some("<ds:Signature/>".into()),
        status: "requestIsQueued".into(),
        test: false,
        sent_at: OffsetDateTime::now_utc(),
    }
}

fn entry(message: &Message) -> JournalEntry {
    JournalEntry {
        message_kind: Some(message.kind),
        message_id: Some(message.message_id.clone()),
        sender: Some(message.sender.clone()),
        recipient: Some(message.recipient.clone()),
        ..JournalEntry::new(message.sent_at, "bench", "SendRequest")
    }
}

/// Enqueues `total` messages from `CLIENTS` concurrent tasks; returns the time.
async fn enqueue_concurrently(store: &Store, total: u64) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let store = store.clone();
            let share = total / CLIENTS + u64::from(client < total % CLIENTS);
            tokio::spawn(async move {
                for index in 0..share {
                    let message = message(client * 1_000_000 + index);
                    let entry = entry(&message);
                    store
                        .enqueue(message, entry, u64::MAX)
                        .await
                        .expect("enqueue");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client task");
    }
    start.elapsed()
}

fn bench_enqueue(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = std::env::var("SMEVGATE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let schema = format!("store_bench_{}", uuid::Uuid::new_v4().simple());
    let postgres = runtime
        .block_on(Store::open_postgres_schema(&url, &schema))
        .expect("PostgreSQL for the benchmark (start it or set SMEVGATE_TEST_PG_URL)");
    let dir = tempfile::tempdir().expect("temporary directory");
    let sqlite_url = format!("sqlite://{}/bench.db", dir.path().display());
    let sqlite = runtime.block_on(Store::open(&sqlite_url)).expect("sqlite");

    let mut group = c.benchmark_group("enqueue");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    for (name, store) in [
        ("postgres_16_clients", &postgres),
        ("sqlite_16_clients", &sqlite),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&runtime)
                .iter_custom(|iters| enqueue_concurrently(store, iters));
        });
    }
    group.finish();

    drop(postgres);
    runtime
        .block_on(Store::drop_postgres_schema(&url, &schema))
        .expect("drop bench schema");
}

criterion_group!(benches, bench_enqueue);
criterion_main!(benches);
