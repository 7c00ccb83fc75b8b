//! Quota reservations: 16 concurrent senders reserving messages of one API
//! client's quota (every reservation on the same row, the worst case), on
//! PostgreSQL and on the single-writer SQLite file, plus a reservation
//! given back (a refused send).
//!
//! PostgreSQL runs at `SMEVGATE_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) in a schema made for the run.

use std::time::{Duration, Instant};

use cabinet::audit::AuditContext;
use cabinet::{ClientForm, MessageQuota, QuotaPeriod};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use store::Store;
use time::OffsetDateTime;

const SENDERS: u64 = 16;

/// A quota no run reaches.
const QUOTA: MessageQuota = MessageQuota {
    messages: 1_000_000,
    per: QuotaPeriod::Day,
};

async fn make_client(store: &Store) -> i64 {
    let form = ClientForm {
        name: "bench".into(),
        scopes: vec!["requests:send".into()],
        ..ClientForm::default()
    };
    let context = AuditContext {
        actor: "bench".into(),
        remote: None,
        at: OffsetDateTime::now_utc(),
    };
    let (_, record) = store.create_client(&form, &context).await.expect("client");
    record.id
}

/// Reserves `total` messages from `SENDERS` tasks (each one given back
/// when `release`); returns the time.
async fn reserve_concurrently(store: &Store, id: i64, total: u64, release: bool) -> Duration {
    let at = OffsetDateTime::now_utc();
    let start = Instant::now();
    let tasks: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let store = store.clone();
            let share = total / SENDERS + u64::from(sender < total % SENDERS);
            tokio::spawn(async move {
                for _ in 0..share {
                    let reserved = store.reserve_message(id, QUOTA, at).await;
                    let reserved = reserved.expect("reserve");
                    if let (true, store::cabinet::QuotaReservation::Reserved { period_start }) =
                        (release, reserved)
                    {
                        store
                            .release_message(id, period_start)
                            .await
                            .expect("release");
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("sender task");
    }
    start.elapsed()
}

fn bench_quota(c: &mut Criterion) {
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

    let mut group = c.benchmark_group("quota");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    for (name, store) in [("postgres", &postgres), ("sqlite", &sqlite)] {
        let id = runtime.block_on(make_client(store));
        for release in [false, true] {
            let label = match release {
                false => format!("{name}_reserve_16_senders"),
                true => format!("{name}_reserve_and_release_16_senders"),
            };
            group.bench_function(label, |b| {
                b.to_async(&runtime)
                    .iter_custom(|iters| reserve_concurrently(store, id, iters, release));
            });
        }
    }
    group.finish();

    drop(postgres);
    runtime
        .block_on(Store::drop_postgres_schema(&url, &schema))
        .expect("drop bench schema");
}

criterion_group!(benches, bench_quota);
criterion_main!(benches);
