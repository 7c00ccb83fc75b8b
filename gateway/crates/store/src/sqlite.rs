//! The SQLite backend: one database file, one connection, calls on the
//! blocking thread pool.
//!
//! The file runs in WAL mode with `synchronous=FULL`, so a committed
//! transaction is on disk before a call returns. Every write is one
//! `BEGIN IMMEDIATE` transaction, which also serialises takers: a message is
//! never in flight for two callers. Times are stored as microseconds since the
//! Unix epoch (UTC), matching PostgreSQL's precision.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::journal::{JournalEntry, JournalFilter, JournalRecord};
use crate::message::{
    AckOutcome, AckedMessage, Delivery, Message, MessageKind, MessageState, PayloadName,
    QueueDepth, QueueId, QueueKind, StoredMessage,
};
use crate::migrations::{self, Migration};

mod cabinet;
mod clients;
mod delivery;
mod integration;
mod registry;

/// A store in an SQLite file. Cheap to clone; clones share the connection.
//
// FIXME(#2): reads wait behind writes on the one connection. Right would be a
// small pool of read-only connections next to the single writer, which WAL
// allows.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

type Result<T> = std::result::Result<T, StoreError>;

/// How long a write waits for another process holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Columns of `messages` in the order [`read_message`] expects.
const MESSAGE_COLUMNS: &str = "message_id, kind, schema_version, queue_owner, queue_kind, \
     sender, recipient, payload_ns, payload_local, reply_to, original_message_id, content, \
     signature, status, test, sent_at, delivered_at, attempts, lease_until, state";

// === impl SqliteStore ===

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the file at
    /// `path`, and brings its schema up to date.
    ///
    /// # Errors
    /// [`StoreError::CreateDir`] or [`StoreError::Sqlite`].
    pub async fn open(path: PathBuf) -> Result<Self> {
        let conn = tokio::task::spawn_blocking(move || open_file(&path))
            .await
            .map_err(StoreError::Worker)??;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` on the connection, off the async runtime.
    async fn call<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let task = tokio::task::spawn_blocking(move || {
            // A panic inside `work` rolled its transaction back when the
            // transaction was dropped, so the connection is still usable.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        });
        task.await.map_err(StoreError::Worker)?
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        self.call(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(StoreError::sqlite("ping"))
        })
        .await
    }

    pub(crate) async fn enqueue(
        &self,
        message: Message,
        entry: JournalEntry,
        quota: u64,
    ) -> Result<()> {
        self.call(move |conn| enqueue(conn, &message, &entry, quota))
            .await
    }

    pub(crate) async fn take(
        &self,
        queue: QueueId,
        selector: Option<PayloadName>,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        node_id: String,
    ) -> Result<Option<StoredMessage>> {
        self.call(move |conn| {
            let tx = begin_write(conn)?;
            let Some(seq) = oldest_free(&tx, &queue, selector.as_ref(), now)? else {
                return Ok(None);
            };
            let stored = mark_in_flight(&tx, seq, now, lease_until)?;
            insert_journal(&tx, &JournalEntry::for_delivery(&stored, now, &node_id))?;
            tx.commit().map_err(StoreError::sqlite("committing take"))?;
            Ok(Some(stored))
        })
        .await
    }

    pub(crate) async fn ack(
        &self,
        owner: String,
        message_id: String,
        accepted: bool,
        now: OffsetDateTime,
        node_id: String,
    ) -> Result<AckOutcome> {
        self.call(move |conn| {
            let tx = begin_write(conn)?;
            let Some((acked, status)) = settle(&tx, &owner, &message_id, accepted, now)? else {
                return Ok(AckOutcome::NotFound);
            };
            insert_journal(&tx, &JournalEntry::for_ack(&acked, status, now, &node_id))?;
            tx.commit().map_err(StoreError::sqlite("committing ack"))?;
            Ok(AckOutcome::Acked(acked))
        })
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn ack_with(
        &self,
        owner: String,
        message_id: String,
        accepted: bool,
        now: OffsetDateTime,
        node_id: String,
        follow_up: Option<(Message, JournalEntry)>,
        extra: Option<JournalEntry>,
    ) -> Result<AckOutcome> {
        self.call(move |conn| {
            let tx = begin_write(conn)?;
            let Some((acked, status)) = settle(&tx, &owner, &message_id, accepted, now)? else {
                return Ok(AckOutcome::NotFound);
            };
            insert_journal(&tx, &JournalEntry::for_ack(&acked, status, now, &node_id))?;
            if let Some((message, entry)) = &follow_up {
                insert_message(&tx, message)?;
                insert_journal(&tx, entry)?;
            }
            if let Some(entry) = &extra {
                insert_journal(&tx, entry)?;
            }
            tx.commit().map_err(StoreError::sqlite("committing ack"))?;
            Ok(AckOutcome::Acked(acked))
        })
        .await
    }

    pub(crate) async fn pending_count(&self, queue: QueueId, cap: u64) -> Result<u64> {
        self.call(move |conn| count_pending(conn, &queue, cap))
            .await
    }

    pub(crate) async fn get(&self, message_id: String) -> Result<Option<StoredMessage>> {
        self.call(move |conn| select_message(conn, "message_id", &message_id))
            .await
    }

    pub(crate) async fn find_by_reply_to(&self, token: String) -> Result<Option<StoredMessage>> {
        self.call(move |conn| select_message(conn, "reply_to", &token))
            .await
    }

    pub(crate) async fn set_status(&self, message_id: String, status: String) -> Result<bool> {
        self.call(move |conn| {
            let mut statement = conn
                .prepare_cached("UPDATE messages SET status = ?2 WHERE message_id = ?1")
                .map_err(StoreError::sqlite("preparing status update"))?;
            let changed = statement
                .execute(params![message_id, status])
                .map_err(StoreError::sqlite("updating status"))?;
            Ok(changed > 0)
        })
        .await
    }

    pub(crate) async fn queue_depths(&self, now: OffsetDateTime) -> Result<Vec<QueueDepth>> {
        self.call(move |conn| queue_depths(conn, now)).await
    }

    pub(crate) async fn append(&self, entry: JournalEntry) -> Result<i64> {
        self.call(move |conn| {
            let tx = begin_write(conn)?;
            let id = insert_journal(&tx, &entry)?;
            tx.commit()
                .map_err(StoreError::sqlite("committing journal entry"))?;
            Ok(id)
        })
        .await
    }

    pub(crate) async fn query(&self, filter: JournalFilter) -> Result<Vec<JournalRecord>> {
        self.call(move |conn| query_journal(conn, &filter)).await
    }
}

fn open_file(path: &Path) -> Result<Connection> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
            path: parent.to_owned(),
            source,
        })?;
    }
    let mut conn = Connection::open(path).map_err(StoreError::sqlite("opening database file"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(StoreError::sqlite("setting busy timeout"))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(StoreError::sqlite("switching to WAL"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt {
            what: "journal mode (WAL refused)",
        });
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(StoreError::sqlite("setting pragmas"))?;
    migrate(&mut conn, migrations::SQLITE)?;
    Ok(conn)
}

/// Applies the migrations not yet recorded, in one transaction.
fn migrate(conn: &mut Connection, list: &[Migration]) -> Result<()> {
    let tx = begin_write(conn)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS store_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .map_err(StoreError::sqlite("creating migrations table"))?;
    let applied: i64 = tx
        .query_row(
            "SELECT coalesce(max(version), 0) FROM store_migrations",
            [],
            |row| row.get(0),
        )
        .map_err(StoreError::sqlite("reading applied migrations"))?;

    for migration in list.iter().filter(|m| m.version > applied) {
        tx.execute_batch(migration.sql)
            .map_err(StoreError::sqlite("applying migration"))?;
        tx.execute(
            "INSERT INTO store_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![
                migration.version,
                migration.name,
                to_micros(OffsetDateTime::now_utc())
            ],
        )
        .map_err(StoreError::sqlite("recording migration"))?;
        tracing::info!(
            migration.version,
            migration.name,
            "sqlite migration applied"
        );
    }
    tx.commit()
        .map_err(StoreError::sqlite("committing migrations"))
}

fn begin_write(conn: &mut Connection) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::sqlite("beginning transaction"))
}

fn enqueue(
    conn: &mut Connection,
    message: &Message,
    entry: &JournalEntry,
    quota: u64,
) -> Result<()> {
    let tx = begin_write(conn)?;

    let exists = |column: &str, value: &str| -> Result<bool> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM messages WHERE {column} = ?1)");
        let mut statement = tx
            .prepare_cached(&sql)
            .map_err(StoreError::sqlite("preparing existence check"))?;
        statement
            .query_row([value], |row| row.get(0))
            .map_err(StoreError::sqlite("checking id"))
    };
    if exists("message_id", &message.message_id)? {
        return Err(StoreError::Duplicate {
            message_id: message.message_id.clone(),
        });
    }
    if let Some(token) = &message.reply_to {
        if exists("reply_to", token)? {
            return Err(StoreError::DuplicateReplyTo {
                message_id: message.message_id.clone(),
            });
        }
    }
    // u64::MAX means "no quota here" (the caller admits against its own
    // gauge, or the message is a status): no count at all then.
    if quota < u64::MAX && count_pending(&tx, &message.queue, quota)? >= quota {
        return Err(StoreError::QueueFull {
            queue: message.queue.clone(),
            quota,
        });
    }

    insert_message(&tx, message)?;
    insert_journal(&tx, entry)?;
    tx.commit()
        .map_err(StoreError::sqlite("committing enqueue"))
}

/// Pending messages in `queue`, counted up to `quota`.
fn count_pending(conn: &Connection, queue: &QueueId, quota: u64) -> Result<u64> {
    let mut statement = conn
        .prepare_cached(
            "SELECT count(*) FROM (
                 SELECT 1 FROM messages
                 WHERE queue_owner = ?1 AND queue_kind = ?2 AND state = 'pending'
                 LIMIT ?3)",
        )
        .map_err(StoreError::sqlite("preparing quota count"))?;
    // Counting stops at the quota: a full queue costs no more than that.
    let limit = i64::try_from(quota).unwrap_or(i64::MAX);
    let count: i64 = statement
        .query_row(params![queue.owner, queue.kind.as_str(), limit], |row| {
            row.get(0)
        })
        .map_err(StoreError::sqlite("counting pending messages"))?;
    Ok(count.unsigned_abs())
}

fn insert_message(tx: &Transaction<'_>, message: &Message) -> Result<()> {
    let mut statement = tx
        .prepare_cached(
            "INSERT INTO messages (message_id, kind, schema_version, queue_owner, queue_kind,
                 sender, recipient, payload_ns, payload_local, reply_to, original_message_id,
                 content, signature, status, test, sent_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )
        .map_err(StoreError::sqlite("preparing message insert"))?;
    statement
        .execute(params![
            message.message_id,
            message.kind.as_str(),
            message.schema_version,
            message.queue.owner,
            message.queue.kind.as_str(),
            message.sender,
            message.recipient,
            message.payload.namespace,
            message.payload.local_name,
            message.reply_to,
            message.original_message_id,
            message.content,
            message.signature,
            message.status,
            message.test,
            to_micros(message.sent_at),
        ])
        .map_err(StoreError::sqlite("inserting message"))?;
    Ok(())
}

fn insert_journal(tx: &Transaction<'_>, entry: &JournalEntry) -> Result<i64> {
    let mut statement = tx
        .prepare_cached(
            "INSERT INTO journal (at, node_id, operation, message_kind, status, message_id,
                 sender, recipient, fault_code, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(StoreError::sqlite("preparing journal insert"))?;
    statement
        .execute(params![
            to_micros(entry.at),
            entry.node_id,
            entry.operation,
            entry.message_kind.map(MessageKind::as_str),
            entry.status,
            entry.message_id,
            entry.sender,
            entry.recipient,
            entry.fault_code,
            entry.bounded_detail(),
        ])
        .map_err(StoreError::sqlite("inserting journal entry"))?;
    Ok(tx.last_insert_rowid())
}

/// The row id of the oldest pending message of `queue` that nobody holds.
fn oldest_free(
    tx: &Transaction<'_>,
    queue: &QueueId,
    selector: Option<&PayloadName>,
    now: OffsetDateTime,
) -> Result<Option<i64>> {
    let mut statement = tx
        .prepare_cached(
            "SELECT seq FROM messages
             WHERE queue_owner = ?1 AND queue_kind = ?2 AND state = 'pending'
               AND (lease_until IS NULL OR lease_until <= ?3)
               AND (?4 IS NULL OR (payload_ns = ?4 AND payload_local = ?5))
             ORDER BY sent_at, seq LIMIT 1",
        )
        .map_err(StoreError::sqlite("preparing take"))?;
    let namespace = selector.map(|s| s.namespace.as_str());
    let local_name = selector.map(|s| s.local_name.as_str());
    statement
        .query_row(
            params![
                queue.owner,
                queue.kind.as_str(),
                to_micros(now),
                namespace,
                local_name
            ],
            |row| row.get(0),
        )
        .optional()
        .map_err(StoreError::sqlite("finding oldest pending message"))
}

fn mark_in_flight(
    tx: &Transaction<'_>,
    seq: i64,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
) -> Result<StoredMessage> {
    let sql = format!(
        "UPDATE messages SET attempts = attempts + 1, lease_until = ?2,
             delivered_at = coalesce(delivered_at, ?3)
         WHERE seq = ?1 RETURNING {MESSAGE_COLUMNS}"
    );
    let mut statement = tx
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("preparing lease"))?;
    let row = statement
        .query_row(
            params![seq, to_micros(lease_until), to_micros(now)],
            read_row,
        )
        .map_err(StoreError::sqlite("leasing message"))?;
    row.decode()
}

/// Settles a delivered pending message of `owner`; `None` when there is none.
fn settle(
    tx: &Transaction<'_>,
    owner: &str,
    message_id: &str,
    accepted: bool,
    now: OffsetDateTime,
) -> Result<Option<(AckedMessage, String)>> {
    let mut statement = tx
        .prepare_cached(
            "UPDATE messages SET state = ?3, settled_at = ?4, lease_until = NULL
             WHERE message_id = ?1 AND queue_owner = ?2 AND state = 'pending'
               AND delivered_at IS NOT NULL
             RETURNING kind, sender, recipient, original_message_id, status",
        )
        .map_err(StoreError::sqlite("preparing ack"))?;
    let state = if accepted {
        MessageState::Acked
    } else {
        MessageState::Rejected
    };
    let row = statement
        .query_row(
            params![message_id, owner, state.as_str(), to_micros(now)],
            |row| {
                let kind: String = row.get(0)?;
                let facts = (row.get(1)?, row.get(2)?, row.get(3)?);
                Ok((kind, facts, row.get::<_, String>(4)?))
            },
        )
        .optional()
        .map_err(StoreError::sqlite("acking message"))?;
    let Some((kind, (sender, recipient, original_message_id), status)) = row else {
        return Ok(None);
    };
    let acked = AckedMessage {
        message_id: message_id.to_owned(),
        kind: MessageKind::from_stored(&kind)?,
        sender,
        recipient,
        original_message_id,
        accepted,
    };
    Ok(Some((acked, status)))
}

fn select_message(conn: &Connection, column: &str, value: &str) -> Result<Option<StoredMessage>> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE {column} = ?1");
    let mut statement = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("preparing message lookup"))?;
    let row = statement
        .query_row([value], read_row)
        .optional()
        .map_err(StoreError::sqlite("looking message up"))?;
    row.map(RawMessage::decode).transpose()
}

fn queue_depths(conn: &Connection, now: OffsetDateTime) -> Result<Vec<QueueDepth>> {
    let mut statement = conn
        .prepare_cached(
            "SELECT queue_owner, queue_kind,
                 coalesce(sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0),
                 coalesce(sum(CASE WHEN state = 'pending' AND lease_until > ?1
                     THEN 1 ELSE 0 END), 0),
                 coalesce(sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0)
             FROM messages WHERE state IN ('pending', 'dead')
             GROUP BY queue_owner, queue_kind ORDER BY queue_owner, queue_kind",
        )
        .map_err(StoreError::sqlite("preparing queue depths"))?;
    let rows = statement
        .query_map([to_micros(now)], |row| {
            let counts = [row.get(2)?, row.get(3)?, row.get(4)?];
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, counts))
        })
        .map_err(StoreError::sqlite("reading queue depths"))?;
    let mut depths = Vec::new();
    for row in rows {
        let (owner, kind, [pending, in_flight, dead]): (String, String, [i64; 3]) =
            row.map_err(StoreError::sqlite("reading queue depth"))?;
        depths.push(QueueDepth {
            queue: QueueId::new(owner, QueueKind::from_stored(&kind)?),
            pending: pending.unsigned_abs(),
            in_flight: in_flight.unsigned_abs(),
            dead: dead.unsigned_abs(),
        });
    }
    Ok(depths)
}

fn query_journal(conn: &Connection, filter: &JournalFilter) -> Result<Vec<JournalRecord>> {
    let mut statement = conn
        .prepare_cached(
            "SELECT * FROM (
                 SELECT id, at, node_id, operation, message_kind, status, message_id, sender,
                     recipient, fault_code, detail
                 FROM journal
                 WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
                   AND (?3 IS NULL OR operation = ?3) AND (?4 IS NULL OR message_kind = ?4)
                   AND (?5 IS NULL OR status = ?5)
                   AND (?6 IS NULL OR sender = ?6 OR recipient = ?6)
                   AND (?7 IS NULL OR message_id = ?7)
                 ORDER BY at DESC, id DESC LIMIT ?8)
             ORDER BY at, id",
        )
        .map_err(StoreError::sqlite("preparing journal query"))?;
    let limit = filter.limit.map_or(-1, i64::from);
    let rows = statement
        .query_map(
            params![
                filter.from.map(to_micros),
                filter.until.map(to_micros),
                filter.operation,
                filter.message_kind.map(MessageKind::as_str),
                filter.status,
                filter.participant,
                filter.message_id,
                limit,
            ],
            read_journal_row,
        )
        .map_err(StoreError::sqlite("querying journal"))?;
    let mut records = Vec::new();
    for row in rows {
        records.push(
            row.map_err(StoreError::sqlite("reading journal entry"))?
                .decode()?,
        );
    }
    Ok(records)
}

/// A `messages` row as SQLite gives it, before the text enums are checked.
struct RawMessage {
    texts: [String; 9],
    reply_to: Option<String>,
    original_message_id: Option<String>,
    signature: Option<String>,
    enums: [String; 3],
    test: bool,
    sent_at: i64,
    delivered_at: Option<i64>,
    attempts: i64,
    lease_until: Option<i64>,
}

/// Reads a row selected with [`MESSAGE_COLUMNS`].
fn read_row(row: &Row<'_>) -> rusqlite::Result<RawMessage> {
    Ok(RawMessage {
        // message_id, schema_version, queue_owner, sender, recipient,
        // payload_ns, payload_local, content, status
        texts: [
            row.get(0)?,
            row.get(2)?,
            row.get(3)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(11)?,
            row.get(13)?,
        ],
        reply_to: row.get(9)?,
        original_message_id: row.get(10)?,
        signature: row.get(12)?,
        // kind, queue_kind, state
        enums: [row.get(1)?, row.get(4)?, row.get(19)?],
        test: row.get(14)?,
        sent_at: row.get(15)?,
        delivered_at: row.get(16)?,
        attempts: row.get(17)?,
        lease_until: row.get(18)?,
    })
}

// === impl RawMessage ===

impl RawMessage {
    fn decode(self) -> Result<StoredMessage> {
        let [message_id, schema_version, owner, sender, recipient, namespace, local_name, content, status] =
            self.texts;
        let [kind, queue_kind, state] = self.enums;
        let message = Message {
            message_id,
            kind: MessageKind::from_stored(&kind)?,
            schema_version,
            queue: QueueId::new(owner, QueueKind::from_stored(&queue_kind)?),
            sender,
            recipient,
            payload: PayloadName {
                namespace,
                local_name,
            },
            reply_to: self.reply_to,
            original_message_id: self.original_message_id,
            content,
            signature: self.signature,
            status,
            test: self.test,
            sent_at: from_micros(self.sent_at)?,
        };
        let delivery = Delivery {
            delivered_at: self.delivered_at.map(from_micros).transpose()?,
            attempts: u32::try_from(self.attempts).map_err(|_| corrupt("attempts"))?,
            lease_until: self.lease_until.map(from_micros).transpose()?,
            state: MessageState::from_stored(&state)?,
        };
        Ok(StoredMessage { message, delivery })
    }
}

/// A `journal` row as SQLite gives it.
struct RawJournal {
    id: i64,
    at: i64,
    node_id: String,
    operation: String,
    message_kind: Option<String>,
    optional: [Option<String>; 5],
    detail: String,
}

fn read_journal_row(row: &Row<'_>) -> rusqlite::Result<RawJournal> {
    Ok(RawJournal {
        id: row.get(0)?,
        at: row.get(1)?,
        node_id: row.get(2)?,
        operation: row.get(3)?,
        message_kind: row.get(4)?,
        // status, message_id, sender, recipient, fault_code
        optional: [
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
        ],
        detail: row.get(10)?,
    })
}

// === impl RawJournal ===

impl RawJournal {
    fn decode(self) -> Result<JournalRecord> {
        let [status, message_id, sender, recipient, fault_code] = self.optional;
        let entry = JournalEntry {
            at: from_micros(self.at)?,
            node_id: self.node_id,
            operation: self.operation,
            message_kind: self
                .message_kind
                .as_deref()
                .map(MessageKind::from_stored)
                .transpose()?,
            status,
            message_id,
            sender,
            recipient,
            fault_code,
            detail: self.detail,
        };
        Ok(JournalRecord { id: self.id, entry })
    }
}

fn corrupt(what: &'static str) -> StoreError {
    StoreError::Corrupt { what }
}

/// Microseconds since the Unix epoch; finer digits are dropped.
fn to_micros(at: OffsetDateTime) -> i64 {
    // i64 microseconds reach beyond year 290000, past OffsetDateTime's range.
    (at.unix_timestamp_nanos() / 1000) as i64
}

fn from_micros(micros: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .map_err(|_| corrupt("timestamp"))
}
