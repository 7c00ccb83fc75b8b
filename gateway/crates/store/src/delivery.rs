//! What the node's delivery workers need from the store (issue #3):
//! integration points (who takes an ИС's messages out: the ИС, push or
//! upstream), and the delivery state of a message — a failed attempt
//! defers it, too many make it a dead letter, an administrator re-drives it.
//!
//! # Rules
//!
//! - Point forms are validated before anything is written; a point carries
//!   a version (the `ETag`), and every change writes its audit entry and
//!   bumps `registry_version` in the same transaction, so other nodes on
//!   the same database reload their registry.
//! - One point per (system, service); `AlreadyExists` otherwise.
//! - A failed attempt keeps the message pending but out of reach until the
//!   retry instant (its lease is moved there) and journals
//!   [`OP_ATTEMPT_FAILED`]; a dead letter (state `dead`) is never handed out
//!   and journals [`OP_DEAD_LETTER`]; a re-drive puts it back to pending
//!   with its attempts reset, journals [`OP_REDRIVEN`] and writes its audit
//!   entry, all in one transaction.
//!
//! Backends: `sqlite::delivery` and `postgres::delivery`.

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, AuditEntry, ObjectKind, PointForm};
use time::OffsetDateTime;

use crate::cabinet::CabinetStoreError;
use crate::error::StoreError;
use crate::journal::JournalEntry;
use crate::message::{MessageKind, QueueId};
use crate::Store;

/// Operation journaled for each failed delivery attempt.
pub const OP_ATTEMPT_FAILED: &str = "delivery_failed";
/// Operation journaled when a message becomes a dead letter.
pub const OP_DEAD_LETTER: &str = "dead_letter";
/// Operation journaled when a dead letter is sent back to its queue.
pub const OP_REDRIVEN: &str = "redriven";
/// Operation journaled when a request was handed to an upstream node.
pub const OP_FORWARDED: &str = "forwarded";

type Result<T> = std::result::Result<T, CabinetStoreError>;

/// A stored integration point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointRecord {
    /// Row id.
    pub id: i64,
    /// Current version (also the `ETag`).
    pub version: i64,
    /// What it is.
    pub form: PointForm,
    /// When it was registered.
    pub created_at: OffsetDateTime,
}

/// What went wrong in one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptFailure {
    /// Short text: HTTP status, transport error or fault; never content.
    pub error: String,
    /// The fault element, when the other side answered with a SOAP fault.
    pub fault_code: Option<String>,
}

/// A dead letter, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The message.
    pub message_id: String,
    /// Its kind.
    pub kind: MessageKind,
    /// The queue it died in.
    pub queue: QueueId,
    /// Sender mnemonic.
    pub sender: String,
    /// Recipient mnemonic.
    pub recipient: String,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it became a dead letter.
    pub dead_at: OffsetDateTime,
}

/// Which change [`Store::change_point`] applies.
#[derive(Debug, Clone)]
pub(crate) enum PointChange {
    /// Replace the form (the system stays).
    Describe(PointForm),
    /// Remove the point.
    Delete,
}

// === impl Store ===

impl Store {
    /// Every stored integration point, by id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn integration_points(&self) -> Result<Vec<PointRecord>> {
        match self {
            Store::Sqlite(store) => store.select_points(None).await,
            Store::Postgres(store) => store.select_points(None).await,
        }
    }

    /// The stored point `id`.
    ///
    /// # Errors
    /// A backend error.
    pub async fn integration_point(&self, id: i64) -> Result<Option<PointRecord>> {
        let found = match self {
            Store::Sqlite(store) => store.select_points(Some(id)).await?,
            Store::Postgres(store) => store.select_points(Some(id)).await?,
        };
        Ok(found.into_iter().next())
    }

    /// Registers a point at version 1.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], `AlreadyExists` (a point of the same
    /// system and service), or a backend error.
    pub async fn create_point(
        &self,
        form: &PointForm,
        context: &AuditContext,
    ) -> Result<PointRecord> {
        form.validate().map_err(CabinetStoreError::Invalid)?;
        let (form, context) = (form.clone(), context.clone());
        match self {
            Store::Sqlite(store) => store.create_point(form, context).await,
            Store::Postgres(store) => store.create_point(form, context).await,
        }
    }

    /// Replaces point `id` (its system stays) if it is at `expected`.
    ///
    /// # Errors
    /// `Invalid`, `NotFound`, `Conflict`, `AlreadyExists`, or a backend error.
    pub async fn update_point(
        &self,
        id: i64,
        form: &PointForm,
        expected: i64,
        context: &AuditContext,
    ) -> Result<PointRecord> {
        form.validate().map_err(CabinetStoreError::Invalid)?;
        let change = PointChange::Describe(form.clone());
        let record = self.change_point(id, change, expected, context).await?;
        record.ok_or_else(|| CabinetStoreError::not_found(ObjectKind::IntegrationPoint, id))
    }

    /// Removes point `id` if it is at `expected`.
    ///
    /// # Errors
    /// `NotFound`, `Conflict`, or a backend error.
    pub async fn delete_point(&self, id: i64, expected: i64, context: &AuditContext) -> Result<()> {
        self.change_point(id, PointChange::Delete, expected, context)
            .await?;
        Ok(())
    }

    async fn change_point(
        &self,
        id: i64,
        change: PointChange,
        expected: i64,
        context: &AuditContext,
    ) -> Result<Option<PointRecord>> {
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.change_point(id, change, expected, context).await,
            Store::Postgres(store) => store.change_point(id, change, expected, context).await,
        }
    }

    /// After a failed attempt on the pending message `message_id`: keeps it
    /// out of reach until `retry_at` and journals [`OP_ATTEMPT_FAILED`].
    /// `false` when it is not pending (settled meanwhile, or a dead letter).
    ///
    /// # Errors
    /// A backend error; nothing is written then.
    pub async fn defer(
        &self,
        message_id: &str,
        retry_at: OffsetDateTime,
        failure: &AttemptFailure,
        now: OffsetDateTime,
        node_id: &str,
    ) -> std::result::Result<bool, StoreError> {
        let update = FailureUpdate::new(message_id, failure, now, node_id, Some(retry_at));
        match self {
            Store::Sqlite(store) => store.record_failure(update).await,
            Store::Postgres(store) => store.record_failure(update).await,
        }
    }

    /// After the last allowed attempt failed: makes the pending message
    /// `message_id` a dead letter, journaling the failed attempt and
    /// [`OP_DEAD_LETTER`]. `false` when it is not pending.
    ///
    /// # Errors
    /// A backend error; nothing is written then.
    pub async fn dead_letter(
        &self,
        message_id: &str,
        failure: &AttemptFailure,
        now: OffsetDateTime,
        node_id: &str,
    ) -> std::result::Result<bool, StoreError> {
        let update = FailureUpdate::new(message_id, failure, now, node_id, None);
        match self {
            Store::Sqlite(store) => store.record_failure(update).await,
            Store::Postgres(store) => store.record_failure(update).await,
        }
    }

    /// Dead letters, oldest first, at most `limit`.
    ///
    /// # Errors
    /// A backend error.
    pub async fn dead_letters(
        &self,
        limit: u32,
    ) -> std::result::Result<Vec<DeadLetter>, StoreError> {
        match self {
            Store::Sqlite(store) => store.dead_letters(limit).await,
            Store::Postgres(store) => store.dead_letters(limit).await,
        }
    }

    /// Sends the dead letter `message_id` back to its queue: pending, no
    /// lease, attempts reset. Journals [`OP_REDRIVEN`] and writes the audit
    /// entry in the same transaction. `None` when it is no dead letter.
    ///
    /// # Errors
    /// A backend error; nothing is written then.
    pub async fn redrive(
        &self,
        message_id: &str,
        context: &AuditContext,
        node_id: &str,
    ) -> Result<Option<DeadLetter>> {
        let (id, context, node) = (message_id.to_owned(), context.clone(), node_id.to_owned());
        match self {
            Store::Sqlite(store) => store.redrive(id, context, node).await,
            Store::Postgres(store) => store.redrive(id, context, node).await,
        }
    }
}

/// One failed attempt as the backends write it: the journal entries and,
/// without `retry_at`, the dead letter.
#[derive(Debug, Clone)]
pub(crate) struct FailureUpdate {
    pub message_id: String,
    pub error: String,
    pub retry_at: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
    pub entries: Vec<JournalEntry>,
}

// === impl FailureUpdate ===

impl FailureUpdate {
    fn new(
        message_id: &str,
        failure: &AttemptFailure,
        now: OffsetDateTime,
        node_id: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Self {
        let failed = JournalEntry {
            message_id: Some(message_id.to_owned()),
            fault_code: failure.fault_code.clone(),
            detail: failure.error.clone(),
            ..JournalEntry::new(now, node_id, OP_ATTEMPT_FAILED)
        };
        let mut entries = vec![failed];
        if retry_at.is_none() {
            entries.push(JournalEntry {
                message_id: Some(message_id.to_owned()),
                status: Some("dead".to_owned()),
                fault_code: failure.fault_code.clone(),
                detail: failure.error.clone(),
                ..JournalEntry::new(now, node_id, OP_DEAD_LETTER)
            });
        }
        FailureUpdate {
            message_id: message_id.to_owned(),
            error: failure.error.clone(),
            retry_at,
            now,
            entries,
        }
    }

    /// The journal entries completed with the message's facts.
    pub(crate) fn entries_for(
        &self,
        kind: MessageKind,
        sender: &str,
        recipient: &str,
    ) -> Vec<JournalEntry> {
        self.entries
            .iter()
            .cloned()
            .map(|entry| JournalEntry {
                message_kind: Some(kind),
                sender: Some(sender.to_owned()),
                recipient: Some(recipient.to_owned()),
                ..entry
            })
            .collect()
    }
}

// === impl PointChange ===

impl PointChange {
    /// The audit action of this change.
    pub(crate) fn action(&self) -> AuditAction {
        match self {
            PointChange::Describe(_) => AuditAction::PointUpdated,
            PointChange::Delete => AuditAction::PointDeleted,
        }
    }

    /// The point after the change (`None` once deleted), next version; the
    /// system of a point never changes.
    pub(crate) fn apply(&self, current: &PointRecord) -> Option<PointRecord> {
        let PointChange::Describe(form) = self else {
            return None;
        };
        Some(PointRecord {
            version: current.version + 1,
            form: PointForm {
                system: current.form.system.clone(),
                ..form.clone()
            },
            ..current.clone()
        })
    }
}

// === impl PointRecord ===

impl PointRecord {
    /// Its audit snapshot.
    pub(crate) fn snapshot(&self) -> String {
        cabinet::point::point_snapshot(&self.form)
    }

    /// The stored service pair: empty strings for "every service".
    pub(crate) fn service_columns(form: &PointForm) -> (String, String) {
        match &form.service {
            Some(service) => (service.namespace.clone(), service.root.clone()),
            None => (String::new(), String::new()),
        }
    }
}

/// The entry written when a dead letter is re-driven, and its audit entry.
pub(crate) fn redrive_entries(
    letter: &DeadLetter,
    context: &AuditContext,
    node_id: &str,
) -> (JournalEntry, AuditEntry) {
    let entry = JournalEntry {
        message_kind: Some(letter.kind),
        status: Some("pending".to_owned()),
        message_id: Some(letter.message_id.clone()),
        sender: Some(letter.sender.clone()),
        recipient: Some(letter.recipient.clone()),
        detail: format!("by {}", context.actor),
        ..JournalEntry::new(context.at, node_id, OP_REDRIVEN)
    };
    let audit = AuditEntry::new(
        context,
        AuditAction::MessageRedriven,
        letter.message_id.clone(),
        Some(dead_snapshot(letter)),
        Some(format!(
            "{{\"state\":\"pending\",\"queue\":\"{}\",\"attempts\":0}}",
            letter.queue
        )),
    );
    (entry, audit)
}

fn dead_snapshot(letter: &DeadLetter) -> String {
    format!(
        "{{\"state\":\"dead\",\"queue\":\"{}\",\"attempts\":{}}}",
        letter.queue, letter.attempts
    )
}
