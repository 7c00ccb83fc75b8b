//! Queued messages: what the caller stores, and what the store hands back.
//!
//! A message lives in exactly one inbound queue, owned by the information
//! system (ИС) that reads it with GetRequest/GetResponse (protocol brief §1.3,
//! §1.7). It stays `pending` until that owner acks it (CASES B09); a taken
//! message is "in flight" until its lease runs out, then it is delivered again.

use std::fmt;

use time::OffsetDateTime;

use crate::error::StoreError;

/// What a message is, as SMEV's `MessageMetadata/MessageType` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// A `SendRequest` from a consumer.
    Request,
    /// A `SendResponse` from a provider.
    Response,
    /// A status (`AsyncProcessingStatus`, rejection by the node, ...).
    Status,
}

/// Which of an owner's inbound queues a message waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueKind {
    /// Read with GetRequest.
    Requests,
    /// Read with GetResponse.
    Responses,
    /// Statuses read with GetStatus.
    Statuses,
}

/// One inbound queue: its owner's mnemonic and its kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueueId {
    /// Mnemonic of the information system that reads this queue.
    pub owner: String,
    /// Which of the owner's queues.
    pub kind: QueueKind,
}

/// The root element of the business payload (`MessagePrimaryContent/*`).
///
/// Used both as a stored fact and as the `MessageTypeSelector` filter of
/// GetRequest/GetResponse (protocol brief §1.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayloadName {
    /// Namespace URI of the root element (may be empty for statuses).
    pub namespace: String,
    /// Local name of the root element.
    pub local_name: String,
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// Waiting in its queue, possibly in flight (see [`Delivery::lease_until`]).
    Pending,
    /// Acked with `accepted="true"`.
    Acked,
    /// Acked with `accepted="false"`.
    Rejected,
    /// Given up after the delivery attempts its integration point allows
    /// (a dead letter): never handed out until re-driven.
    Dead,
}

/// The facts a caller stores with [`crate::Store::enqueue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Lowercase UUID text; unique across the node forever.
    pub message_id: String,
    /// Request, response or status.
    pub kind: MessageKind,
    /// Protocol schema version the message came in with, e.g. `1.1`.
    pub schema_version: String,
    /// The queue it waits in.
    pub queue: QueueId,
    /// Sender mnemonic.
    pub sender: String,
    /// Recipient mnemonic.
    pub recipient: String,
    /// Root element of the business payload.
    pub payload: PayloadName,
    /// Opaque `ReplyTo` token the node made for a request; unique when set.
    pub reply_to: Option<String>,
    /// For responses and statuses: the message id of the request answered.
    pub original_message_id: Option<String>,
    /// The XML to hand out, opaque to the store.
    pub content: String,
    /// The sender's `ds:Signature`, opaque to the store.
    pub signature: Option<String>,
    /// Interaction status text, e.g. `requestIsQueued`.
    pub status: String,
    /// Whether the sender marked it `TestMessage`.
    pub test: bool,
    /// Sending timestamp; queues hand out the oldest first.
    pub sent_at: OffsetDateTime,
}

/// Delivery facts the store keeps next to a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// When the message was first handed out, if ever.
    pub delivered_at: Option<OffsetDateTime>,
    /// How many times it was handed out.
    pub attempts: u32,
    /// In flight until this moment (a take after it delivers it again).
    pub lease_until: Option<OffsetDateTime>,
    /// Pending, acked or rejected.
    pub state: MessageState,
}

/// A message as stored, with its delivery facts.
///
/// Times come back in UTC with microsecond precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// What the caller stored.
    pub message: Message,
    /// Where it is in its life.
    pub delivery: Delivery,
}

/// What [`crate::Store::ack`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckOutcome {
    /// The message was pending, delivered and the caller's: it is now settled.
    Acked(AckedMessage),
    /// No such message for this owner, never delivered or already settled
    /// (the caller answers `TargetMessageIsNotFound`).
    NotFound,
}

/// Key facts of an acked message, enough to emit a status message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckedMessage {
    /// The acked message.
    pub message_id: String,
    /// Its kind.
    pub kind: MessageKind,
    /// Who sent it.
    pub sender: String,
    /// Who acked it (the queue owner).
    pub recipient: String,
    /// The request it answered, for responses and statuses.
    pub original_message_id: Option<String>,
    /// `accepted` as sent in `AckTargetMessage`.
    pub accepted: bool,
}

/// Size of one queue, for GetIncomingQueueStatistics and monitoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDepth {
    /// The queue.
    pub queue: QueueId,
    /// Messages not yet acked, including those in flight (what the quota counts).
    pub pending: u64,
    /// Of those, the ones whose lease has not run out (deferred ones
    /// after a failed push or upstream attempt included).
    pub in_flight: u64,
    /// Dead letters of the queue (not counted in `pending`).
    pub dead: u64,
}

// === impl MessageKind ===

impl MessageKind {
    /// The text stored in the database and the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Request => "request",
            MessageKind::Response => "response",
            MessageKind::Status => "status",
        }
    }

    /// Reads the stored text back.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for any other text.
    pub fn from_stored(text: &str) -> Result<Self, StoreError> {
        match text {
            "request" => Ok(MessageKind::Request),
            "response" => Ok(MessageKind::Response),
            "status" => Ok(MessageKind::Status),
            _ => Err(StoreError::Corrupt {
                what: "message kind",
            }),
        }
    }
}

// === impl QueueKind ===

impl QueueKind {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::Requests => "requests",
            QueueKind::Responses => "responses",
            QueueKind::Statuses => "statuses",
        }
    }

    /// Reads the stored text back.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for any other text.
    pub fn from_stored(text: &str) -> Result<Self, StoreError> {
        match text {
            "requests" => Ok(QueueKind::Requests),
            "responses" => Ok(QueueKind::Responses),
            "statuses" => Ok(QueueKind::Statuses),
            _ => Err(StoreError::Corrupt { what: "queue kind" }),
        }
    }
}

// === impl QueueId ===

impl QueueId {
    /// The queue of `kind` owned by `owner`.
    pub fn new(owner: impl Into<String>, kind: QueueKind) -> Self {
        QueueId {
            owner: owner.into(),
            kind,
        }
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.kind.as_str())
    }
}

// === impl PayloadName ===

impl PayloadName {
    /// A root element name.
    pub fn new(namespace: impl Into<String>, local_name: impl Into<String>) -> Self {
        PayloadName {
            namespace: namespace.into(),
            local_name: local_name.into(),
        }
    }
}

// === impl MessageState ===

impl MessageState {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Acked => "acked",
            MessageState::Rejected => "rejected",
            MessageState::Dead => "dead",
        }
    }

    /// Reads the stored text back.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for any other text.
    pub fn from_stored(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(MessageState::Pending),
            "acked" => Ok(MessageState::Acked),
            "rejected" => Ok(MessageState::Rejected),
            "dead" => Ok(MessageState::Dead),
            _ => Err(StoreError::Corrupt {
                what: "message state",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_roundtrip_gives_same_variants() {
        for kind in [
            MessageKind::Request,
            MessageKind::Response,
            MessageKind::Status,
        ] {
            assert_eq!(MessageKind::from_stored(kind.as_str()).unwrap(), kind);
        }
        for kind in [
            QueueKind::Requests,
            QueueKind::Responses,
            QueueKind::Statuses,
        ] {
            assert_eq!(QueueKind::from_stored(kind.as_str()).unwrap(), kind);
        }
        for state in [
            MessageState::Pending,
            MessageState::Acked,
            MessageState::Rejected,
            MessageState::Dead,
        ] {
            assert_eq!(MessageState::from_stored(state.as_str()).unwrap(), state);
        }
    }

    #[test]
    fn stored_text_unknown_is_corrupt() {
        assert!(matches!(
            MessageKind::from_stored("cancel"),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            QueueKind::from_stored(""),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            MessageState::from_stored("Pending"),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn queue_id_display_names_owner_and_kind() {
        assert_eq!(
            QueueId::new("77BD01", QueueKind::Responses).to_string(),
            "77BD01/responses"
        );
    }
}
