//! The journal: an append-only record of what the node did with messages.
//!
//! Every enqueue, delivery, redelivery and ack writes one entry in the same
//! transaction as the change it records; faults and other events are written
//! with [`crate::Store::append`]. There is no update or delete API, and the
//! schema refuses both.

use time::OffsetDateTime;

use crate::message::{AckedMessage, MessageKind, StoredMessage};

/// Operation the store journals when it hands a message out the first time.
pub const OP_DELIVERED: &str = "delivered";
/// Operation the store journals when it hands a message out again.
pub const OP_REDELIVERY: &str = "redelivery";
/// Operation the store journals when the owner acks with `accepted="true"`.
pub const OP_ACKED: &str = "acked";
/// Operation the store journals when the owner acks with `accepted="false"`.
pub const OP_REJECTED: &str = "rejected";

/// Longest detail text kept; longer text is cut at a character boundary.
pub const DETAIL_MAX_CHARS: usize = 1000;

/// One journal entry as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// When it happened.
    pub at: OffsetDateTime,
    /// Node that did it.
    pub node_id: String,
    /// What was done, e.g. `SendRequest` or [`OP_DELIVERED`].
    pub operation: String,
    /// Kind of the message concerned, if any.
    pub message_kind: Option<MessageKind>,
    /// Interaction status after the operation, if any.
    pub status: Option<String>,
    /// The message concerned, if any.
    pub message_id: Option<String>,
    /// Sender mnemonic, if known.
    pub sender: Option<String>,
    /// Recipient mnemonic, if known.
    pub recipient: Option<String>,
    /// SOAP fault code answered, if any (e.g. `MessageIsAlreadySent`).
    pub fault_code: Option<String>,
    /// Short free text; never message content.
    pub detail: String,
}

/// A journal entry read back, with the id the store gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    /// Increasing id; ties on `at` are ordered by it.
    pub id: i64,
    /// The entry.
    pub entry: JournalEntry,
}

/// Which entries [`crate::Store::query`] returns; unset fields match all.
///
/// Entries come back ordered by time, then id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalFilter {
    /// Entries at or after this moment.
    pub from: Option<OffsetDateTime>,
    /// Entries strictly before this moment.
    pub until: Option<OffsetDateTime>,
    /// Exact operation.
    pub operation: Option<String>,
    /// Exact message kind.
    pub message_kind: Option<MessageKind>,
    /// Exact status.
    pub status: Option<String>,
    /// Mnemonic that is the sender or the recipient.
    pub participant: Option<String>,
    /// Exact message id.
    pub message_id: Option<String>,
    /// At most this many entries: the newest ones that match, returned in
    /// time order.
    pub limit: Option<u32>,
}

// === impl JournalEntry ===

impl JournalEntry {
    /// An entry with only the required facts; fill the rest by field.
    pub fn new(
        at: OffsetDateTime,
        node_id: impl Into<String>,
        operation: impl Into<String>,
    ) -> Self {
        JournalEntry {
            at,
            node_id: node_id.into(),
            operation: operation.into(),
            message_kind: None,
            status: None,
            message_id: None,
            sender: None,
            recipient: None,
            fault_code: None,
            detail: String::new(),
        }
    }

    /// The entry the store writes when it hands `stored` out.
    pub(crate) fn for_delivery(stored: &StoredMessage, at: OffsetDateTime, node_id: &str) -> Self {
        let message = &stored.message;
        let operation = if stored.delivery.attempts > 1 {
            OP_REDELIVERY
        } else {
            OP_DELIVERED
        };
        JournalEntry {
            message_kind: Some(message.kind),
            status: Some(message.status.clone()),
            message_id: Some(message.message_id.clone()),
            sender: Some(message.sender.clone()),
            recipient: Some(message.recipient.clone()),
            detail: format!("attempt {}", stored.delivery.attempts),
            ..JournalEntry::new(at, node_id, operation)
        }
    }

    /// The entry the store writes when the owner acks; `status` is the
    /// message's interaction status.
    pub(crate) fn for_ack(
        acked: &AckedMessage,
        status: String,
        at: OffsetDateTime,
        node_id: &str,
    ) -> Self {
        let operation = if acked.accepted {
            OP_ACKED
        } else {
            OP_REJECTED
        };
        JournalEntry {
            message_kind: Some(acked.kind),
            status: Some(status),
            message_id: Some(acked.message_id.clone()),
            sender: Some(acked.sender.clone()),
            recipient: Some(acked.recipient.clone()),
            ..JournalEntry::new(at, node_id, operation)
        }
    }

    /// The detail text cut to [`DETAIL_MAX_CHARS`].
    pub(crate) fn bounded_detail(&self) -> &str {
        match self.detail.char_indices().nth(DETAIL_MAX_CHARS) {
            Some((cut, _)) => &self.detail[..cut],
            None => &self.detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_detail_long_text_is_cut_on_char_boundary() {
        let mut entry = JournalEntry::new(OffsetDateTime::UNIX_EPOCH, "n1", "x");
        entry.detail = "ж".repeat(DETAIL_MAX_CHARS + 5);
        assert_eq!(entry.bounded_detail().chars().count(), DETAIL_MAX_CHARS);
        entry.detail = "short".into();
        assert_eq!(entry.bounded_detail(), "short");
    }
}
