//! Test harness: a fresh store per test on either backend, and message
//! builders.
//!
//! PostgreSQL tests use `postgres://postgres@127.0.0.1:5432/test` (or
//! `SMEVGATE_TEST_PG_URL`) with a new schema per test, dropped afterwards.
//! They fail when the server is unreachable, unless `SMEVGATE_SKIP_PG=1`.

#![allow(dead_code)]

use std::path::PathBuf;

use store::{JournalEntry, Message, MessageKind, PayloadName, QueueId, QueueKind, Store};
use tempfile::TempDir;
use time::macros::datetime;
use time::OffsetDateTime;

/// Default PostgreSQL URL of the test database.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Sending time of the first test message.
pub const T0: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

/// Node id used by tests.
pub const NODE: &str = "node-a";

/// A store made for one test, removed when dropped.
pub struct TestStore {
    /// The store under test.
    pub store: Store,
    place: Place,
}

enum Place {
    Sqlite { _dir: TempDir, path: PathBuf },
    Postgres { url: String, schema: String },
}

/// A store in an SQLite file in a new temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("nested/dir/node.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .expect("open sqlite");
    TestStore {
        store,
        place: Place::Sqlite { _dir: dir, path },
    }
}

/// The PostgreSQL URL of the tests; `None` when `SMEVGATE_SKIP_PG=1`.
pub fn pg_url() -> Option<String> {
    if std::env::var("SMEVGATE_SKIP_PG").as_deref() == Ok("1") {
        eprintln!("SMEVGATE_SKIP_PG=1: PostgreSQL test skipped");
        return None;
    }
    Some(std::env::var("SMEVGATE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.into()))
}

/// A schema name no other test uses.
pub fn fresh_schema() -> String {
    format!("store_t_{}", uuid::Uuid::new_v4().simple())
}

/// Opens a PostgreSQL store in `schema`.
///
/// # Panics
/// When the server is unreachable, saying how to start it.
pub async fn open_pg(url: &str, schema: &str) -> Store {
    match Store::open_postgres_schema(url, schema).await {
        Ok(store) => store,
        Err(error) => panic!(
            "PostgreSQL at {url} is unreachable or refused ({error}: {:?}). Start it \
             (e.g. `service postgresql start`; user postgres, trust auth, database `test`), \
             point SMEVGATE_TEST_PG_URL at another server, or set SMEVGATE_SKIP_PG=1 to skip",
            std::error::Error::source(&error).map(ToString::to_string),
        ),
    }
}

/// A store in a fresh PostgreSQL schema; `None` when `SMEVGATE_SKIP_PG=1`.
///
/// # Panics
/// When the server is unreachable, saying how to start it.
pub async fn postgres() -> Option<TestStore> {
    let url = pg_url()?;
    let schema = fresh_schema();
    let store = open_pg(&url, &schema).await;
    Some(TestStore {
        store,
        place: Place::Postgres { url, schema },
    })
}

impl TestStore {
    /// Another store on the same data: the file opened again, or a second
    /// node on the same schema.
    pub async fn another_node(&self) -> Store {
        match &self.place {
            Place::Sqlite { path, .. } => Store::open(&format!("sqlite://{}", path.display()))
                .await
                .expect("reopen sqlite"),
            Place::Postgres { url, schema } => {
                let url = format!("{url}?schema={schema}");
                Store::open(&url).await.expect("second postgres node")
            }
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        let Place::Postgres { url, schema } = &self.place else {
            return;
        };
        let (url, schema) = (url.clone(), schema.clone());
        // Drop runs inside the test's runtime, so tear down on a thread of
        // its own with its own runtime.
        let teardown = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(Store::drop_postgres_schema(&url, &schema))
                .map_err(std::io::Error::other)
        });
        if let Ok(Err(error)) = teardown.join() {
            eprintln!("could not drop test schema: {error}");
        }
    }
}

/// A new lowercase message id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A request from `SENDER01` waiting in `owner`'s request queue.
pub fn request(owner: &str, sent_at: OffsetDateTime) -> Message {
    Message {
        message_id: new_id(),
        kind: MessageKind::Request,
        schema_version: "1.1".into(),
        queue: QueueId::new(owner, QueueKind::Requests),
        sender: "SENDER01".into(),
        recipient: owner.into(),
        payload: PayloadName::new("urn://example/fns/1.0", "FnsRequest"),
        reply_to: None,
        original_message_id: None,
        content: "<Request Id=\"SIGNED_BY_SMEV\"/>".into(),
        signature: None,
        status: "requestIsQueued".into(),
        test: false,
        sent_at,
    }
}

/// The journal entry a SendRequest handler writes with `message`.
pub fn sent_entry(message: &Message) -> JournalEntry {
    JournalEntry {
        message_kind: Some(message.kind),
        status: Some(message.status.clone()),
        message_id: Some(message.message_id.clone()),
        sender: Some(message.sender.clone()),
        recipient: Some(message.recipient.clone()),
        ..JournalEntry::new(message.sent_at, NODE, "SendRequest")
    }
}

/// Enqueues `message` with its entry and a roomy quota.
pub async fn put(store: &Store, message: &Message) {
    store
        .enqueue(message.clone(), sent_entry(message), 1000)
        .await
        .expect("enqueue");
}

/// Runs each named behaviour `async fn(&TestStore)` against both backends, as
/// `sqlite::<name>` and `postgres::<name>`.
#[allow(unused_macros)]
macro_rules! on_both_backends {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    let harness = crate::support::sqlite().await;
                    super::$behaviour(&harness).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    let Some(harness) = crate::support::postgres().await else {
                        return;
                    };
                    super::$behaviour(&harness).await;
                }
            )*
        }
    };
}
