//! Durable queues and the journal of a SMEV 3 node, on SQLite or PostgreSQL.
//!
//! # Model
//!
//! Every inbound message waits in one queue ([`QueueId`]: owner mnemonic and
//! [`QueueKind`]) until its owner acks it. [`Store::take`] hands out the oldest
//! pending message whose lease is free and leases it; if no ack comes before
//! the lease runs out, the next take hands it out again (a "redelivery",
//! CASES B09). [`Store::ack`] settles it. Message ids are unique across the
//! node forever, so a resend is refused with [`StoreError::Duplicate`]
//! (`MessageIsAlreadySent`, CASES B17).
//!
//! Every change is journaled in the same transaction as the change itself;
//! the journal is append-only and read with [`Store::query`].
//!
//! # Backends
//!
//! [`Store::open`] picks one by URL:
//! - `sqlite://PATH`: an embedded file (WAL, `synchronous=FULL`), for a single
//!   node. Calls run on tokio's blocking pool over one connection.
//! - `postgres://USER@HOST:PORT/DB[?schema=NAME]`: a pooled PostgreSQL
//!   database that several nodes may share; `schema` keeps nodes or tests
//!   apart (see [`Store::open_postgres_schema`], [`Store::drop_postgres_schema`]).
//!
//! Both apply their embedded, versioned migrations at open. Times are stored
//! with microsecond precision and read back in UTC.
//!
//! # Layout
//!
//! - [`message`] — queued messages and what the store says about them.
//! - [`journal`] — journal entries and the query filter.
//! - [`error`] — [`StoreError`].
//! - [`location`] — store URLs.
//! - [`cabinet`] — the participant's cabinet: organisation, users, sessions,
//!   API tokens and the audit journal.
//! - [`delivery`] — integration points, failed attempts, dead letters and
//!   re-drives (push and upstream delivery).
//! - [`integration`] — idempotency keys of the integration REST API.
//! - `sqlite`, `postgres`: the two backends, each with its own SQL;
//!   `migrations`: their embedded schema versions.
//!
//! # Example
//!
//! ```no_run
//! # use store::{JournalEntry, Message, StoreError};
//! # async fn demo(message: Message, entry: JournalEntry) -> Result<(), StoreError> {
//! use std::time::Duration;
//! let store = store::Store::open("sqlite:///var/lib/smevgate/node.db").await?;
//! let queue = message.queue.clone();
//! store.enqueue(message, entry, 1000).await?;
//! let now = time::OffsetDateTime::now_utc();
//! if let Some(taken) = store.take(&queue, None, now, Duration::from_secs(60), "node-1").await? {
//!     store.ack(&queue.owner, &taken.message.message_id, true, now, "node-1").await?;
//! }
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cabinet;
pub mod delivery;
pub mod error;
pub mod integration;
pub mod journal;
pub mod location;
pub mod message;
mod migrations;
mod postgres;
pub mod registry;
mod sqlite;

use std::time::Duration;

use time::OffsetDateTime;

pub use crate::error::StoreError;
pub use crate::journal::{JournalEntry, JournalFilter, JournalRecord};
pub use crate::location::Location;
pub use crate::message::{
    AckOutcome, AckedMessage, Delivery, Message, MessageKind, MessageState, PayloadName,
    QueueDepth, QueueId, QueueKind, StoredMessage,
};
pub use crate::postgres::{PgStore, POOL_SIZE};
pub use crate::sqlite::SqliteStore;

/// The queues and journal of one node, on either backend.
///
/// Cheap to clone (clones share the connection or pool); share one among all
/// request handlers. All methods are safe to call concurrently.
#[derive(Clone)]
pub enum Store {
    /// An embedded SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database, possibly shared with other nodes.
    Postgres(PgStore),
}

// === impl Store ===

impl Store {
    /// Opens the store at `url` and brings its schema up to date.
    ///
    /// `sqlite://PATH` opens (or creates, with its parent directories) an SQLite
    /// file. `postgres://...` connects a pool of [`POOL_SIZE`]; an extra
    /// `schema=NAME` query parameter makes the store work in that schema,
    /// created if missing (see [`Store::open_postgres_schema`]).
    ///
    /// # Errors
    /// [`StoreError::InvalidUrl`], [`StoreError::InvalidSchema`], or a backend
    /// error when the database cannot be opened or migrated.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        match Location::parse(url)? {
            Location::Sqlite(path) => Ok(Store::Sqlite(SqliteStore::open(path).await?)),
            Location::Postgres { url, schema } => Ok(Store::Postgres(
                PgStore::open(&url, schema.as_deref()).await?,
            )),
        }
    }

    /// Opens a PostgreSQL store working in `schema` (a plain lowercase
    /// identifier), created if missing. Nodes given the same schema share
    /// their queues; tests give each case a fresh one.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub async fn open_postgres_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        Ok(Store::Postgres(PgStore::open(url, Some(schema)).await?))
    }

    /// Drops a PostgreSQL schema with everything in it; for test teardown.
    ///
    /// # Errors
    /// [`StoreError::InvalidSchema`] or [`StoreError::Postgres`].
    pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        postgres::drop_schema(url, schema).await
    }

    /// Checks that the database answers.
    ///
    /// # Errors
    /// A backend error when it does not.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(store) => store.ping().await,
            Store::Postgres(store) => store.ping().await,
        }
    }

    /// Stores `message` in its queue together with `entry`, atomically, and
    /// durably before returning. Nothing is written when it fails.
    ///
    /// `quota` is the most pending messages the queue may hold.
    ///
    /// # Errors
    /// [`StoreError::Duplicate`] when the id was ever stored before,
    /// [`StoreError::QueueFull`] when the queue already holds `quota` pending
    /// messages, [`StoreError::DuplicateReplyTo`] when another message has its
    /// `reply_to`; a backend error otherwise.
    pub async fn enqueue(
        &self,
        message: Message,
        entry: JournalEntry,
        quota: u64,
    ) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(store) => store.enqueue(message, entry, quota).await,
            Store::Postgres(store) => store.enqueue(message, entry, quota).await,
        }
    }

    /// Hands out the oldest pending message of `queue` that nobody holds
    /// (never leased, or lease run out by `now`), optionally only one whose
    /// payload root is `selector`. The message is then in flight until
    /// `now + lease`; its attempts go up by one, its delivery time is set on
    /// the first delivery, and a [`journal::OP_DELIVERED`] or
    /// [`journal::OP_REDELIVERY`] entry naming `node_id` is written.
    ///
    /// `Ok(None)` means nothing is available: every pending message is in
    /// flight, filtered out, or was committed after the take began.
    ///
    /// # Errors
    /// A backend error.
    pub async fn take(
        &self,
        queue: &QueueId,
        selector: Option<&PayloadName>,
        now: OffsetDateTime,
        lease: Duration,
        node_id: &str,
    ) -> Result<Option<StoredMessage>, StoreError> {
        let lease_until = now.saturating_add(lease.try_into().unwrap_or(time::Duration::MAX));
        let (queue, selector, node_id) = (queue.clone(), selector.cloned(), node_id.to_owned());
        match self {
            Store::Sqlite(store) => store.take(queue, selector, now, lease_until, node_id).await,
            Store::Postgres(store) => store.take(queue, selector, now, lease_until, node_id).await,
        }
    }

    /// Settles the message `message_id` of `owner`'s queues after an
    /// `AckTargetMessage`: acked when `accepted`, rejected otherwise. Writes a
    /// [`journal::OP_ACKED`] or [`journal::OP_REJECTED`] entry.
    ///
    /// [`AckOutcome::NotFound`] when the id is unknown, in another owner's
    /// queue, never delivered, or already settled.
    ///
    /// # Errors
    /// A backend error.
    pub async fn ack(
        &self,
        owner: &str,
        message_id: &str,
        accepted: bool,
        now: OffsetDateTime,
        node_id: &str,
    ) -> Result<AckOutcome, StoreError> {
        let (owner, id, node) = (owner.to_owned(), message_id.to_owned(), node_id.to_owned());
        match self {
            Store::Sqlite(store) => store.ack(owner, id, accepted, now, node).await,
            Store::Postgres(store) => store.ack(owner, id, accepted, now, node).await,
        }
    }

    /// [`Store::ack`], and when the message is settled, `follow_up` (a
    /// status for its sender, with its journal entry) is queued in the SAME
    /// transaction, so an Ack is never confirmed with its status lost.
    /// The follow-up counts against no quota.
    ///
    /// # Errors
    /// A backend error; nothing is written then.
    pub async fn ack_with_follow_up(
        &self,
        owner: &str,
        message_id: &str,
        accepted: bool,
        now: OffsetDateTime,
        node_id: &str,
        follow_up: Option<(Message, JournalEntry)>,
    ) -> Result<AckOutcome, StoreError> {
        let (owner, id, node) = (owner.to_owned(), message_id.to_owned(), node_id.to_owned());
        match self {
            Store::Sqlite(store) => {
                store
                    .ack_with(owner, id, accepted, now, node, follow_up, None)
                    .await
            }
            Store::Postgres(store) => {
                store
                    .ack_with(owner, id, accepted, now, node, follow_up, None)
                    .await
            }
        }
    }

    /// [`Store::ack_with_follow_up`], and when the message is settled,
    /// `entry` is journaled in the SAME transaction too (a delivery worker's
    /// record of why it settled, e.g. `forwarded`).
    ///
    /// # Errors
    /// A backend error; nothing is written then.
    #[allow(clippy::too_many_arguments)]
    pub async fn ack_journaled(
        &self,
        owner: &str,
        message_id: &str,
        accepted: bool,
        now: OffsetDateTime,
        node_id: &str,
        follow_up: Option<(Message, JournalEntry)>,
        entry: JournalEntry,
    ) -> Result<AckOutcome, StoreError> {
        let (owner, id, node) = (owner.to_owned(), message_id.to_owned(), node_id.to_owned());
        let extra = Some(entry);
        match self {
            Store::Sqlite(store) => {
                store
                    .ack_with(owner, id, accepted, now, node, follow_up, extra)
                    .await
            }
            Store::Postgres(store) => {
                store
                    .ack_with(owner, id, accepted, now, node, follow_up, extra)
                    .await
            }
        }
    }

    /// Pending messages in `queue` (in flight included), counted up to
    /// `cap`: what a quota is checked against.
    ///
    /// # Errors
    /// A backend error.
    pub async fn pending_count(&self, queue: &QueueId, cap: u64) -> Result<u64, StoreError> {
        let queue = queue.clone();
        match self {
            Store::Sqlite(store) => store.pending_count(queue, cap).await,
            Store::Postgres(store) => store.pending_count(queue, cap).await,
        }
    }

    /// The message with this id, in any state.
    ///
    /// # Errors
    /// A backend error.
    pub async fn get(&self, message_id: &str) -> Result<Option<StoredMessage>, StoreError> {
        let message_id = message_id.to_owned();
        match self {
            Store::Sqlite(store) => store.get(message_id).await,
            Store::Postgres(store) => store.get(message_id).await,
        }
    }

    /// The message (a request) that was given this `ReplyTo` token.
    ///
    /// # Errors
    /// A backend error.
    pub async fn find_by_reply_to(&self, token: &str) -> Result<Option<StoredMessage>, StoreError> {
        let token = token.to_owned();
        match self {
            Store::Sqlite(store) => store.find_by_reply_to(token).await,
            Store::Postgres(store) => store.find_by_reply_to(token).await,
        }
    }

    /// Sets the interaction status of a message; `false` when there is no such
    /// message. Not journaled: journal the event that changed it with
    /// [`Store::append`].
    ///
    /// # Errors
    /// A backend error.
    pub async fn set_status(&self, message_id: &str, status: &str) -> Result<bool, StoreError> {
        let (message_id, status) = (message_id.to_owned(), status.to_owned());
        match self {
            Store::Sqlite(store) => store.set_status(message_id, status).await,
            Store::Postgres(store) => store.set_status(message_id, status).await,
        }
    }

    /// Pending, in-flight and dead-letter counts of every queue holding a
    /// pending message or a dead letter, ordered by owner and kind; a
    /// message is in flight when its lease runs past `now`. Queues with
    /// neither are not listed.
    ///
    /// # Errors
    /// A backend error.
    pub async fn queue_depths(&self, now: OffsetDateTime) -> Result<Vec<QueueDepth>, StoreError> {
        match self {
            Store::Sqlite(store) => store.queue_depths(now).await,
            Store::Postgres(store) => store.queue_depths(now).await,
        }
    }

    /// Appends one entry to the journal (faults and other events without a
    /// queue change) and returns its id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn append(&self, entry: JournalEntry) -> Result<i64, StoreError> {
        match self {
            Store::Sqlite(store) => store.append(entry).await,
            Store::Postgres(store) => store.append(entry).await,
        }
    }

    /// Journal entries matching `filter`, ordered by time, then id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn query(&self, filter: &JournalFilter) -> Result<Vec<JournalRecord>, StoreError> {
        let filter = filter.clone();
        match self {
            Store::Sqlite(store) => store.query(filter).await,
            Store::Postgres(store) => store.query(filter).await,
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Sqlite(_) => f.write_str("Store::Sqlite"),
            Store::Postgres(_) => f.write_str("Store::Postgres"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shareable<T: Clone + Send + Sync + 'static>() {}
    fn sendable_error<T: std::error::Error + Send + Sync + 'static>() {}

    #[test]
    fn store_is_shareable_between_handlers() {
        shareable::<Store>();
        sendable_error::<StoreError>();
    }
}
