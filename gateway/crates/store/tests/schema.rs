//! Opening and migrating: concurrent opens, recorded versions, append-only
//! journal, unreachable servers, bad URLs.

mod support;

use store::{Store, StoreError};
use support::{fresh_schema, open_pg, pg_url};

/// A raw client on `url` working in `schema`, for checks below the API.
async fn raw_client(url: &str, schema: &str) -> tokio_postgres::Client {
    let url = format!("{url}?options=-c%20search_path%3D{schema}");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_opening_together_migrate_once() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();

    let opens: Vec<_> = (0..4)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            tokio::spawn(async move { open_pg(&url, &schema).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.expect("every node opens"));
    }

    let client = raw_client(&url, &schema).await;
    let rows = client
        .query("SELECT version FROM store_migrations", &[])
        .await
        .unwrap();
    let versions: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
    drop(stores);
    Store::drop_postgres_schema(&url, &schema).await.unwrap();
    // FIXME(#3): 0005 belongs to another branch of issue #3; the lead's
    // merge makes this 1..=6.
    assert_eq!(versions, [1, 2, 3, 4, 6]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_journal_update_and_delete_are_refused() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let store = open_pg(&url, &schema).await;
    let entry = store::JournalEntry::new(support::T0, "node-a", "Fault");
    store.append(entry).await.unwrap();

    let client = raw_client(&url, &schema).await;
    let update = client
        .execute("UPDATE journal SET detail = 'changed'", &[])
        .await;
    let delete = client.execute("DELETE FROM journal", &[]).await;
    let left = store.query(&store::JournalFilter::default()).await.unwrap();
    drop(store);
    Store::drop_postgres_schema(&url, &schema).await.unwrap();

    let message = |result: Result<u64, tokio_postgres::Error>| {
        result
            .unwrap_err()
            .as_db_error()
            .map(|e| e.message().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(message(update), "journal is append-only");
    assert_eq!(message(delete), "journal is append-only");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].entry.detail, "");
}

#[tokio::test]
async fn sqlite_journal_update_and_delete_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store
        .append(store::JournalEntry::new(support::T0, "node-a", "Fault"))
        .await
        .unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let update = conn.execute("UPDATE journal SET detail = 'changed'", []);
    let delete = conn.execute("DELETE FROM journal", []);

    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let versions: i64 = conn
        .query_row("SELECT count(*) FROM store_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(
        versions, 5,
        "0001 queues and journal, 0002 cabinet, 0003 registry, 0004 integration requests, \
         0006 integration points"
    );
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn sqlite_reopen_applies_no_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/node.db", dir.path().display());
    drop(Store::open(&url).await.unwrap());

    let again = Store::open(&url).await;

    assert!(again.is_ok(), "{again:?}");
    let conn = rusqlite::Connection::open(dir.path().join("node.db")).unwrap();
    let versions: i64 = conn
        .query_row("SELECT count(*) FROM store_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(
        versions, 5,
        "0001 queues and journal, 0002 cabinet, 0003 registry, 0004 integration requests, \
         0006 integration points"
    );
}

#[tokio::test]
async fn open_unreachable_postgres_is_pool_error() {
    // Nothing listens on port 1 of the loopback address.
    let opened = Store::open("postgres://postgres@127.0.0.1:1/test?schema=x").await;

    let Err(error) = opened else {
        panic!("expected an error")
    };
    assert!(matches!(error, StoreError::Pool { .. }), "{error:?}");
}

#[tokio::test]
async fn open_unknown_scheme_is_invalid_url() {
    let opened = Store::open("redis://127.0.0.1/0").await;

    assert!(
        matches!(opened, Err(StoreError::InvalidUrl { .. })),
        "{opened:?}"
    );
}
