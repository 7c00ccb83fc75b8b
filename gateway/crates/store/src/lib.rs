//! Durable queues and the journal, on SQLite or PostgreSQL.

#![forbid(unsafe_code)]
