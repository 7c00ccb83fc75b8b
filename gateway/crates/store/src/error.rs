//! The store's error type.
//!
//! Expected refusals that the SOAP edge turns into SMEV faults are typed
//! variants ([`StoreError::Duplicate`] → `MessageIsAlreadySent`,
//! [`StoreError::QueueFull`] → `DestinationOverflow`); everything else means
//! the store could not do the work. Messages never carry message content.

use std::path::PathBuf;

use crate::message::QueueId;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A message with this id was stored before (maybe long ago).
    #[error("message {message_id} is already stored")]
    Duplicate {
        /// The reused id.
        message_id: String,
    },

    /// The queue holds `quota` or more pending messages.
    #[error("queue {queue} is full ({quota} pending messages)")]
    QueueFull {
        /// The full queue.
        queue: QueueId,
        /// The quota the caller gave.
        quota: u64,
    },

    /// Another message already carries this `ReplyTo` token.
    #[error("reply-to token of message {message_id} is already used")]
    DuplicateReplyTo {
        /// The message that could not be stored.
        message_id: String,
    },

    /// The store URL could not be understood.
    #[error("invalid store url: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: String,
    },

    /// A PostgreSQL schema name that is not a plain lowercase identifier.
    #[error("invalid schema name {name:?}: use [a-z_][a-z0-9_]*, at most 63 characters")]
    InvalidSchema {
        /// The refused name.
        name: String,
    },

    /// The parent directory of the SQLite file could not be created.
    #[error("cannot create directory {path}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// SQLite refused or failed.
    #[error("sqlite: {context}")]
    Sqlite {
        /// What the store was doing.
        context: &'static str,
        /// The driver error.
        #[source]
        source: rusqlite::Error,
    },

    /// PostgreSQL refused or failed.
    #[error("postgres: {context}")]
    Postgres {
        /// What the store was doing.
        context: &'static str,
        /// The driver error.
        #[source]
        source: tokio_postgres::Error,
    },

    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres pool: {context}")]
    Pool {
        /// What the store was doing.
        context: &'static str,
        /// The pool error.
        #[source]
        source: deadpool_postgres::PoolError,
    },

    /// A stored value the store cannot read back.
    #[error("stored {what} is corrupt")]
    Corrupt {
        /// Which value.
        what: &'static str,
    },

    /// The blocking SQLite worker panicked or was cancelled.
    #[error("sqlite worker failed")]
    Worker(#[source] tokio::task::JoinError),
}

// === impl StoreError ===

impl StoreError {
    /// Wraps a SQLite error with what the store was doing.
    pub(crate) fn sqlite(context: &'static str) -> impl FnOnce(rusqlite::Error) -> Self {
        move |source| StoreError::Sqlite { context, source }
    }

    /// Wraps a PostgreSQL error with what the store was doing.
    pub(crate) fn postgres(context: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| StoreError::Postgres { context, source }
    }

    /// Wraps a pool error with what the store was doing.
    pub(crate) fn pool(context: &'static str) -> impl FnOnce(deadpool_postgres::PoolError) -> Self {
        move |source| StoreError::Pool { context, source }
    }
}
