//! Everything that can stop an operation, tagged by who is at fault.
//!
//! The SOAP edge turns each variant into exactly one SMEV fault in
//! `fault_map.rs`; nothing else decides fault codes.

/// Who caused a failure: decides the log level and the retry advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// The caller sent something wrong; it must fix it, not retry.
    Sender,
    /// The node failed (database down, bug); the caller may retry.
    Node,
}

/// Why an operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The bytes are not a SOAP 1.1 envelope we can read.
    #[error("envelope refused: {0}")]
    Envelope(#[from] wire::EnvelopeError),
    /// The HTTP content type is not SOAP 1.1's `text/xml`.
    #[error("content type {0:?} is not text/xml")]
    ContentType(String),
    /// The SOAPAction header names another operation than the body.
    #[error("soap action {action:?} does not match the body element")]
    SoapActionMismatch { action: String },
    /// The HTTP body could not be read in full (broken framing, closed
    /// early, too slow).
    #[error("request body could not be read")]
    UnreadableBody,
    /// The body is over the configured size limit.
    #[error("body is over the limit of {0} bytes")]
    TooLarge(usize),
    /// The envelope breaks the SMEV XSD.
    #[error("envelope fails the smev schema ({} violations)", .0.len())]
    EnvelopeInvalid(Vec<wire::ValidationError>),
    /// The ЭП-ОВ was refused.
    #[error("signature refused ({kind:?}): {reason}")]
    Signature {
        kind: wire::SignatureFailure,
        reason: String,
    },
    /// The signing certificate belongs to no registered system.
    #[error("sender is not registered")]
    SenderIsNotRegistered,
    /// MessageID is not a lowercase version-1 UUID.
    #[error("message id is not a version 1 uuid")]
    InvalidMessageIdFormat,
    /// MessageID's embedded instant is too old.
    #[error("message id is stale")]
    StaleMessageId,
    /// MessageID was accepted before.
    #[error("message {0} is already sent")]
    MessageIsAlreadySent(String),
    /// The message's EOL has passed.
    #[error("end of life reached")]
    EndOfLifeReached,
    /// No ВС for the payload root.
    #[error("no service for {{{namespace}}}{local}")]
    BusinessDataTypeIsNotSupported { namespace: String, local: String },
    /// The payload breaks its ВС schema.
    #[error("payload fails its schema ({} violations)", .0.len())]
    PayloadInvalid(Vec<wire::ValidationError>),
    /// A selector or status timestamp is outside the allowed window.
    #[error("timestamp {0} is outside the allowed window")]
    TimestampOutOfWindow(String),
    /// The selector names a type the caller does not receive.
    #[error("unknown message type {{{namespace}}}{local}")]
    UnknownMessageType { namespace: String, local: String },
    /// `To` names no request this sender may answer.
    #[error("recipient is not found")]
    RecipientIsNotFound,
    /// A request-type payload sent with SendResponse.
    #[error("incorrect response content type")]
    IncorrectResponseContentType,
    /// Attachment headers and contents do not match.
    #[error("attachment headers and contents do not match")]
    AttachmentContentMiscoordination,
    /// Ack of a message that is not in flight for the caller.
    #[error("target message {0} is not found")]
    TargetMessageIsNotFound(String),
    /// The recipient's queue is full.
    #[error("queue {0} is full")]
    DestinationOverflow(String),
    /// The store failed.
    #[error("store failure")]
    Store(#[source] store::StoreError),
    /// A bug or an unexpected condition inside the node.
    #[error("internal failure: {0}")]
    Internal(String),
}

// === impl ExchangeError ===

impl ExchangeError {
    /// Who is at fault.
    pub fn blame(&self) -> Blame {
        match self {
            ExchangeError::Store(_) | ExchangeError::Internal(_) => Blame::Node,
            _ => Blame::Sender,
        }
    }

    /// Shorthand for a signature refusal.
    pub fn signature(kind: wire::SignatureFailure, reason: impl Into<String>) -> ExchangeError {
        ExchangeError::Signature {
            kind,
            reason: reason.into(),
        }
    }
}
