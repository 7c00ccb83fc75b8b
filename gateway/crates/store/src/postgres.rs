//! The PostgreSQL backend: a connection pool shared by all handlers, and
//! nodes that share one schema.
//!
//! Each operation is one statement, so one round trip: enqueue, take and ack
//! write their journal entry in a data-modifying CTE of the same statement,
//! which PostgreSQL runs atomically. Takers lock candidates with
//! `FOR UPDATE SKIP LOCKED`, so two nodes never hand out the same message at
//! once. Migrations run at open under an advisory lock, so nodes may start
//! together.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};

use crate::error::StoreError;
use crate::journal::{self, JournalEntry, JournalFilter, JournalRecord};
use crate::location::check_schema_name;
use crate::message::{
    AckOutcome, AckedMessage, Delivery, Message, MessageKind, MessageState, PayloadName,
    QueueDepth, QueueId, QueueKind, StoredMessage,
};
use crate::migrations;

mod cabinet;
mod clients;
mod delivery;
mod integration;
mod registry;

/// A store in a PostgreSQL database. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

type Result<T> = std::result::Result<T, StoreError>;

/// Connections per pool: room for 16 concurrent handlers and then some.
pub const POOL_SIZE: usize = 32;

/// First key of the advisory lock taken while migrating ("SMEV" in ASCII);
/// the second key is a hash of the schema name.
const MIGRATION_LOCK: i32 = 0x534D_4556;

/// How long a caller waits for a free pooled connection.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// How long opening one connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Columns of `messages` that [`decode_message`] reads.
const MESSAGE_COLUMNS: &str = "message_id, kind, schema_version, queue_owner, queue_kind, \
     sender, recipient, payload_ns, payload_local, reply_to, original_message_id, content, \
     signature, status, test, sent_at, delivered_at, attempts, lease_until, state";

/// Enqueue in one statement. With a quota the count stops at the quota, so a
/// full queue costs no more than a queue at its limit; the node passes no
/// quota (`i64::MAX`: no count at all) and admits against its own gauge
/// (`exchange/src/quota.rs`).
//
// FIXME(#2): with a quota, two enqueues racing for the last free place both
// see room under READ COMMITTED, so a queue can overshoot its quota by the
// number of concurrent senders (the node's gauge overshoots likewise across
// nodes, by one refresh interval). Exact would be a per-queue counter row
// updated with `pending < quota`, at the price of serialising enqueues per
// queue.
const ENQUEUE: &str = "
WITH dup AS (SELECT 1 FROM messages WHERE message_id = $1),
pending AS (
    SELECT CASE WHEN $17::bigint = 9223372036854775807 THEN 0::bigint ELSE (
        SELECT count(*) FROM (
            SELECT 1 FROM messages
            WHERE queue_owner = $4 AND queue_kind = $5 AND state = 'pending'
            LIMIT $17::bigint) AS counted) END AS n),
ins AS (
    INSERT INTO messages (message_id, kind, schema_version, queue_owner, queue_kind, sender,
        recipient, payload_ns, payload_local, reply_to, original_message_id, content, signature,
        status, test, sent_at)
    SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
        $9::text, $10::text, $11::text, $12::text, $13::text, $14::text, $15::bool,
        $16::timestamptz
    FROM pending WHERE pending.n < $17::bigint AND NOT EXISTS (SELECT 1 FROM dup)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING 1),
j AS (
    INSERT INTO journal (at, node_id, operation, message_kind, status, message_id, sender,
        recipient, fault_code, detail)
    SELECT $18::timestamptz, $19::text, $20::text, $21::text, $22::text, $23::text, $24::text,
        $25::text, $26::text, $27::text
    FROM ins)
SELECT (SELECT count(*) FROM ins) AS inserted, EXISTS (SELECT 1 FROM dup) AS duplicate,
    (SELECT n FROM pending) AS pending";

const TAKE: &str = "
WITH next AS (
    SELECT message_id FROM messages
    WHERE queue_owner = $1 AND queue_kind = $2 AND state = 'pending'
      AND (lease_until IS NULL OR lease_until <= $3)
      AND ($4::text IS NULL OR (payload_ns = $4 AND payload_local = $5::text))
    ORDER BY sent_at, seq LIMIT 1
    FOR UPDATE SKIP LOCKED),
taken AS (
    UPDATE messages m SET attempts = m.attempts + 1, lease_until = $6,
        delivered_at = coalesce(m.delivered_at, $3)
    FROM next WHERE m.message_id = next.message_id
    RETURNING m.*),
j AS (
    INSERT INTO journal (at, node_id, operation, message_kind, status, message_id, sender,
        recipient, detail)
    SELECT $3, $7::text, CASE WHEN attempts > 1 THEN $9::text ELSE $8::text END, kind, status,
        message_id, sender, recipient, 'attempt ' || attempts
    FROM taken)
SELECT * FROM taken";

const ACK: &str = "
WITH settled AS (
    UPDATE messages SET state = $3, settled_at = $4, lease_until = NULL
    WHERE message_id = $1 AND queue_owner = $2 AND state = 'pending'
      AND delivered_at IS NOT NULL
    RETURNING message_id, kind, sender, recipient, original_message_id, status),
j AS (
    INSERT INTO journal (at, node_id, operation, message_kind, status, message_id, sender,
        recipient, detail)
    SELECT $4, $5::text, $6::text, kind, status, message_id, sender, recipient, ''
    FROM settled)
SELECT kind, sender, recipient, original_message_id FROM settled";

const APPEND: &str = "
INSERT INTO journal (at, node_id, operation, message_kind, status, message_id, sender,
    recipient, fault_code, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id";

const QUERY: &str = "
SELECT * FROM (
    SELECT id, at, node_id, operation, message_kind, status, message_id, sender, recipient,
        fault_code, detail
    FROM journal
    WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2)
      AND ($3::text IS NULL OR operation = $3) AND ($4::text IS NULL OR message_kind = $4)
      AND ($5::text IS NULL OR status = $5)
      AND ($6::text IS NULL OR sender = $6 OR recipient = $6)
      AND ($7::text IS NULL OR message_id = $7)
    ORDER BY at DESC, id DESC LIMIT $8::bigint) AS newest
ORDER BY at, id";

const DEPTHS: &str = "
SELECT queue_owner, queue_kind, count(*) FILTER (WHERE state = 'pending') AS pending,
    count(*) FILTER (WHERE state = 'pending' AND lease_until > $1) AS in_flight,
    count(*) FILTER (WHERE state = 'dead') AS dead
FROM messages WHERE state IN ('pending', 'dead')
GROUP BY queue_owner, queue_kind ORDER BY queue_owner, queue_kind";

// === impl PgStore ===

impl PgStore {
    /// Connects to `url` (a libpq URL without our `schema` parameter), working
    /// in `schema` when given (created if missing), and migrates.
    ///
    /// # Errors
    /// [`StoreError::InvalidSchema`], [`StoreError::Postgres`] when the URL is
    /// malformed or the server refuses, [`StoreError::Pool`] when it is unreachable.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self> {
        let pool = build_pool(url, schema)?;
        migrate(&pool, schema).await?;
        Ok(PgStore { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(StoreError::pool("getting a connection"))
    }

    pub(crate) async fn ping(&self) -> Result<()> {
        let client = self.client().await?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(StoreError::postgres("ping"))?;
        Ok(())
    }

    pub(crate) async fn enqueue(
        &self,
        message: Message,
        entry: JournalEntry,
        quota: u64,
    ) -> Result<()> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(ENQUEUE)
            .await
            .map_err(StoreError::postgres("preparing enqueue"))?;
        let quota_param = i64::try_from(quota).unwrap_or(i64::MAX);
        let kind = entry.message_kind.map(MessageKind::as_str);
        let texts = enqueue_texts(&message, &entry);
        let params = enqueue_params(&message, &entry, &quota_param, &kind, &texts);
        let row = client
            .query_one(&statement, &params)
            .await
            .map_err(|source| enqueue_error(source, &message.message_id))?;
        enqueue_outcome(&row, &message, quota)
    }

    pub(crate) async fn take(
        &self,
        queue: QueueId,
        selector: Option<PayloadName>,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        node_id: String,
    ) -> Result<Option<StoredMessage>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(TAKE)
            .await
            .map_err(StoreError::postgres("preparing take"))?;
        let namespace = selector.as_ref().map(|s| s.namespace.as_str());
        let local_name = selector.as_ref().map(|s| s.local_name.as_str());
        let row = client
            .query_opt(
                &statement,
                &[
                    &queue.owner,
                    &queue.kind.as_str(),
                    &now,
                    &namespace,
                    &local_name,
                    &lease_until,
                    &node_id,
                    &journal::OP_DELIVERED,
                    &journal::OP_REDELIVERY,
                ],
            )
            .await
            .map_err(StoreError::postgres("taking message"))?;
        row.as_ref().map(decode_message).transpose()
    }

    pub(crate) async fn ack(
        &self,
        owner: String,
        message_id: String,
        accepted: bool,
        now: OffsetDateTime,
        node_id: String,
    ) -> Result<AckOutcome> {
        self.ack_with(owner, message_id, accepted, now, node_id, None, None)
            .await
    }

    /// Settles a message and, when it was settled, queues `follow_up` and
    /// appends `extra` in the same transaction.
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
        let mut client = self.client().await?;
        let ack = client
            .prepare_cached(ACK)
            .await
            .map_err(StoreError::postgres("preparing ack"))?;
        let enqueue = client
            .prepare_cached(ENQUEUE)
            .await
            .map_err(StoreError::postgres("preparing enqueue"))?;
        let (state, operation) = match accepted {
            true => (MessageState::Acked, journal::OP_ACKED),
            false => (MessageState::Rejected, journal::OP_REJECTED),
        };
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
            &message_id,
            &owner,
            &state.as_str(),
            &now,
            &node_id,
            &operation,
        ];
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("beginning ack"))?;
        let row = tx
            .query_opt(&ack, &params)
            .await
            .map_err(StoreError::postgres("acking message"))?;
        let Some(row) = row else {
            return Ok(AckOutcome::NotFound);
        };
        let acked = AckedMessage {
            message_id,
            kind: MessageKind::from_stored(row.get("kind"))?,
            sender: row.get("sender"),
            recipient: row.get("recipient"),
            original_message_id: row.get("original_message_id"),
            accepted,
        };
        if let Some((message, entry)) = &follow_up {
            let kind = entry.message_kind.map(MessageKind::as_str);
            let texts = enqueue_texts(message, entry);
            let params = enqueue_params(message, entry, &i64::MAX, &kind, &texts);
            let row = tx
                .query_one(&enqueue, &params)
                .await
                .map_err(|source| enqueue_error(source, &message.message_id))?;
            enqueue_outcome(&row, message, u64::MAX)?;
        }
        if let Some(entry) = &extra {
            delivery::append_in(&tx, entry).await?;
        }
        tx.commit()
            .await
            .map_err(StoreError::postgres("committing ack"))?;
        Ok(AckOutcome::Acked(acked))
    }

    pub(crate) async fn pending_count(&self, queue: QueueId, cap: u64) -> Result<u64> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT count(*) FROM (SELECT 1 FROM messages
                 WHERE queue_owner = $1 AND queue_kind = $2 AND state = 'pending'
                 LIMIT $3::bigint) AS counted",
            )
            .await
            .map_err(StoreError::postgres("preparing pending count"))?;
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        let row = client
            .query_one(&statement, &[&queue.owner, &queue.kind.as_str(), &cap])
            .await
            .map_err(StoreError::postgres("counting pending messages"))?;
        Ok(row.get::<_, i64>(0).unsigned_abs())
    }

    pub(crate) async fn get(&self, message_id: String) -> Result<Option<StoredMessage>> {
        self.select_message("message_id", &message_id).await
    }

    pub(crate) async fn find_by_reply_to(&self, token: String) -> Result<Option<StoredMessage>> {
        self.select_message("reply_to", &token).await
    }

    async fn select_message(&self, column: &str, value: &str) -> Result<Option<StoredMessage>> {
        let client = self.client().await?;
        let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE {column} = $1");
        let statement = client
            .prepare_cached(&sql)
            .await
            .map_err(StoreError::postgres("preparing lookup"))?;
        let row = client
            .query_opt(&statement, &[&value])
            .await
            .map_err(StoreError::postgres("looking message up"))?;
        row.as_ref().map(decode_message).transpose()
    }

    pub(crate) async fn set_status(&self, message_id: String, status: String) -> Result<bool> {
        let client = self.client().await?;
        let sql = "UPDATE messages SET status = $2 WHERE message_id = $1";
        let statement = client
            .prepare_cached(sql)
            .await
            .map_err(StoreError::postgres("preparing status update"))?;
        let changed = client
            .execute(&statement, &[&message_id, &status])
            .await
            .map_err(StoreError::postgres("updating status"))?;
        Ok(changed > 0)
    }

    pub(crate) async fn queue_depths(&self, now: OffsetDateTime) -> Result<Vec<QueueDepth>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(DEPTHS)
            .await
            .map_err(StoreError::postgres("preparing queue depths"))?;
        let rows = client
            .query(&statement, &[&now])
            .await
            .map_err(StoreError::postgres("reading queue depths"))?;
        rows.iter()
            .map(|row| {
                let kind = QueueKind::from_stored(row.get("queue_kind"))?;
                Ok(QueueDepth {
                    queue: QueueId::new(row.get::<_, String>("queue_owner"), kind),
                    pending: row.get::<_, i64>("pending").unsigned_abs(),
                    in_flight: row.get::<_, i64>("in_flight").unsigned_abs(),
                    dead: row.get::<_, i64>("dead").unsigned_abs(),
                })
            })
            .collect()
    }

    pub(crate) async fn append(&self, entry: JournalEntry) -> Result<i64> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(APPEND)
            .await
            .map_err(StoreError::postgres("preparing journal insert"))?;
        let kind = entry.message_kind.map(MessageKind::as_str);
        let row = client
            .query_one(
                &statement,
                &[
                    &entry.at,
                    &entry.node_id,
                    &entry.operation,
                    &kind,
                    &entry.status,
                    &entry.message_id,
                    &entry.sender,
                    &entry.recipient,
                    &entry.fault_code,
                    &entry.bounded_detail(),
                ],
            )
            .await
            .map_err(StoreError::postgres("inserting journal entry"))?;
        Ok(row.get("id"))
    }

    pub(crate) async fn query(&self, filter: JournalFilter) -> Result<Vec<JournalRecord>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(QUERY)
            .await
            .map_err(StoreError::postgres("preparing journal query"))?;
        let kind = filter.message_kind.map(MessageKind::as_str);
        let limit = filter.limit.map(i64::from);
        let rows = client
            .query(
                &statement,
                &[
                    &filter.from,
                    &filter.until,
                    &filter.operation,
                    &kind,
                    &filter.status,
                    &filter.participant,
                    &filter.message_id,
                    &limit,
                ],
            )
            .await
            .map_err(StoreError::postgres("querying journal"))?;
        rows.iter().map(decode_journal).collect()
    }
}

/// Drops `schema` and everything in it (for tests that made their own schema).
///
/// # Errors
/// [`StoreError::InvalidSchema`], or [`StoreError::Postgres`] when the server
/// cannot be reached or refuses.
pub async fn drop_schema(url: &str, schema: &str) -> Result<()> {
    check_schema_name(schema)?;
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(StoreError::postgres("connecting"))?;
    let driver = tokio::spawn(connection);
    let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
    let dropped = client
        .batch_execute(&sql)
        .await
        .map_err(StoreError::postgres("dropping schema"));
    drop(client);
    // The connection task ends once the client is gone; its result adds nothing.
    let _ = driver.await;
    dropped
}

fn build_pool(url: &str, schema: Option<&str>) -> Result<Pool> {
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(StoreError::postgres("reading postgres url"))?;
    if let Some(schema) = schema {
        check_schema_name(schema)?;
        let options = match config.get_options() {
            Some(given) => format!("{given} -c search_path={schema}"),
            None => format!("-c search_path={schema}"),
        };
        config.options(&options);
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("smevgate");
    }

    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = Manager::from_config(config, NoTls, manager_config);
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|_| StoreError::InvalidUrl {
            reason: "cannot build connection pool".into(),
        })
}

/// Creates the schema if needed and applies missing migrations, holding an
/// advisory lock so that nodes starting together migrate one after the other.
async fn migrate(pool: &Pool, schema: Option<&str>) -> Result<()> {
    let mut client = pool
        .get()
        .await
        .map_err(StoreError::pool("connecting to migrate"))?;
    let tx = client
        .transaction()
        .await
        .map_err(StoreError::postgres("beginning migration"))?;
    lock_and_create_schema(&tx, schema).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS store_migrations (
             version BIGINT PRIMARY KEY, name TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .await
    .map_err(StoreError::postgres("creating migrations table"))?;
    let applied: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM store_migrations",
            &[],
        )
        .await
        .map_err(StoreError::postgres("reading applied migrations"))?
        .get(0);

    for migration in migrations::POSTGRES.iter().filter(|m| m.version > applied) {
        tx.batch_execute(migration.sql)
            .await
            .map_err(StoreError::postgres("applying migration"))?;
        tx.execute(
            "INSERT INTO store_migrations (version, name) VALUES ($1, $2)",
            &[&migration.version, &migration.name],
        )
        .await
        .map_err(StoreError::postgres("recording migration"))?;
        tracing::info!(
            migration.version,
            migration.name,
            "postgres migration applied"
        );
    }
    tx.commit()
        .await
        .map_err(StoreError::postgres("committing migrations"))
}

/// Takes the migration lock of `schema` for the rest of `tx`, then creates
/// the schema if it is missing and works in it.
async fn lock_and_create_schema(
    tx: &deadpool_postgres::Transaction<'_>,
    schema: Option<&str>,
) -> Result<()> {
    let lock = "SELECT pg_advisory_xact_lock($1, hashtext($2))";
    tx.execute(lock, &[&MIGRATION_LOCK, &schema.unwrap_or("")])
        .await
        .map_err(StoreError::postgres("taking migration lock"))?;
    let Some(schema) = schema else {
        return Ok(());
    };
    // The name was checked to be a plain identifier, so it can be inlined.
    let sql = format!("CREATE SCHEMA IF NOT EXISTS {schema}; SET LOCAL search_path TO {schema}");
    tx.batch_execute(&sql)
        .await
        .map_err(StoreError::postgres("creating schema"))
}

/// Maps a reply-to clash to its typed variant, anything else to a backend error.
fn enqueue_error(source: tokio_postgres::Error, message_id: &str) -> StoreError {
    let reply_to_clash = source.code() == Some(&SqlState::UNIQUE_VIOLATION)
        && source.as_db_error().and_then(|e| e.constraint()) == Some("messages_reply_to_key");
    if reply_to_clash {
        return StoreError::DuplicateReplyTo {
            message_id: message_id.to_owned(),
        };
    }
    StoreError::Postgres {
        context: "enqueueing message",
        source,
    }
}

/// The computed text parameters of [`ENQUEUE`]: message kind, queue kind,
/// journal detail cut to its bound.
fn enqueue_texts<'a>(message: &Message, entry: &'a JournalEntry) -> [&'a str; 3] {
    [
        message.kind.as_str(),
        message.queue.kind.as_str(),
        entry.bounded_detail(),
    ]
}

/// The parameters of [`ENQUEUE`], in its order.
fn enqueue_params<'a>(
    message: &'a Message,
    entry: &'a JournalEntry,
    quota: &'a i64,
    kind: &'a Option<&'static str>,
    texts: &'a [&'a str; 3],
) -> [&'a (dyn tokio_postgres::types::ToSql + Sync); 27] {
    [
        &message.message_id,
        &texts[0],
        &message.schema_version,
        &message.queue.owner,
        &texts[1],
        &message.sender,
        &message.recipient,
        &message.payload.namespace,
        &message.payload.local_name,
        &message.reply_to,
        &message.original_message_id,
        &message.content,
        &message.signature,
        &message.status,
        &message.test,
        &message.sent_at,
        quota,
        &entry.at,
        &entry.node_id,
        &entry.operation,
        kind,
        &entry.status,
        &entry.message_id,
        &entry.sender,
        &entry.recipient,
        &entry.fault_code,
        &texts[2],
    ]
}

fn enqueue_outcome(row: &Row, message: &Message, quota: u64) -> Result<()> {
    let inserted: i64 = row.get("inserted");
    let duplicate: bool = row.get("duplicate");
    let pending: i64 = row.get("pending");
    if inserted == 1 {
        return Ok(());
    }

    // Not inserted: the id was seen, or the queue is full. With no duplicate in
    // our snapshot and room in the queue, ON CONFLICT caught an enqueue of the
    // same id that committed after the snapshot was taken.
    let full = pending.unsigned_abs() >= quota;
    if !duplicate && full {
        return Err(StoreError::QueueFull {
            queue: message.queue.clone(),
            quota,
        });
    }
    Err(StoreError::Duplicate {
        message_id: message.message_id.clone(),
    })
}

fn decode_message(row: &Row) -> Result<StoredMessage> {
    let message = Message {
        message_id: row.get("message_id"),
        kind: MessageKind::from_stored(row.get("kind"))?,
        schema_version: row.get("schema_version"),
        queue: QueueId::new(
            row.get::<_, String>("queue_owner"),
            QueueKind::from_stored(row.get("queue_kind"))?,
        ),
        sender: row.get("sender"),
        recipient: row.get("recipient"),
        payload: PayloadName {
            namespace: row.get("payload_ns"),
            local_name: row.get("payload_local"),
        },
        reply_to: row.get("reply_to"),
        original_message_id: row.get("original_message_id"),
        content: row.get("content"),
        signature: row.get("signature"),
        status: row.get("status"),
        test: row.get("test"),
        sent_at: row.get("sent_at"),
    };
    let attempts: i32 = row.get("attempts");
    let delivery = Delivery {
        delivered_at: row.get("delivered_at"),
        attempts: u32::try_from(attempts).map_err(|_| StoreError::Corrupt { what: "attempts" })?,
        lease_until: row.get("lease_until"),
        state: MessageState::from_stored(row.get("state"))?,
    };
    Ok(StoredMessage { message, delivery })
}

fn decode_journal(row: &Row) -> Result<JournalRecord> {
    let kind: Option<&str> = row.get("message_kind");
    let entry = JournalEntry {
        at: row.get("at"),
        node_id: row.get("node_id"),
        operation: row.get("operation"),
        message_kind: kind.map(MessageKind::from_stored).transpose()?,
        status: row.get("status"),
        message_id: row.get("message_id"),
        sender: row.get("sender"),
        recipient: row.get("recipient"),
        fault_code: row.get("fault_code"),
        detail: row.get("detail"),
    };
    Ok(JournalRecord {
        id: row.get("id"),
        entry,
    })
}
