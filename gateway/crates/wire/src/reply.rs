//! Reading what SMEV answers our client (brief §1.1, §1.7; CASES B13,
//! B20): plain `text/xml` or MTOM/XOP multipart, SOAP faults with HTTP
//! 500, empty queues, and the messages, receipts and statuses it delivers.
//!
//! The reader is lenient about what SMEV itself writes (schema revisions
//! drift inside one namespace) but never trusts it to be well-formed or
//! small: the same safety checks as for inbound requests apply.

use roxmltree::Node;

use crate::data::{
    child, elements, read_async_status, read_request_data, read_response_data, required, span,
    text, AsyncProcessingStatus, DataError, RequestData, ResponseData, Span,
};
use crate::envelope::{
    decode_text, find_body, only_element, parse_document, EnvelopeError, Limits,
};
use crate::fault::{read_fault, Fault, RetryDecision};
use crate::metadata::{read_metadata, MessageMetadata};
use crate::multipart::{root_part, MultipartError};
use crate::operation::Operation;
use crate::response::QueueStatistics;
use crate::version::{Version, SOAP_ENV};

/// Largest reply accepted (inline attachments make replies large).
const REPLY_MAX_BYTES: usize = 64 * 1024 * 1024;

/// A reply SMEV sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status it came with.
    pub http_status: u16,
    /// The SOAP envelope text (the root part for multipart replies); keep
    /// it for the event log. Spans in `kind` index this string.
    pub xml: String,
    /// The version of the body element (`None` for SOAP faults).
    pub version: Option<Version>,
    /// What the reply says.
    pub kind: ReplyKind,
}

/// What a reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyKind {
    /// A SOAP fault.
    Fault(Fault),
    /// `SendRequestResponse` / `SendResponseResponse`: the message was taken.
    Receipt {
        /// `SendRequest` or `SendResponse`.
        operation: Operation,
        /// The metadata SMEV assigned.
        metadata: MessageMetadata,
        /// Bytes of `SMEVSignature`, when present.
        smev_signature: Option<Span>,
    },
    /// Nothing in the queue (GetRequest, GetResponse or GetStatus).
    EmptyQueue(Operation),
    /// A request taken from our queue.
    Request(ReceivedRequest),
    /// A response (or SMEV status message) taken from our queue.
    Response(ReceivedResponse),
    /// A status of one of our responses (GetStatus).
    Status(ReceivedStatus),
    /// `AckResponse`.
    Acknowledged,
    /// `GetIncomingQueueStatisticsResponse`.
    QueueStatistics(Vec<QueueStatistics>),
}

/// `RequestMessage/Request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// `Request/@Id` (the ЭП-СМЭВ target).
    pub id: Option<String>,
    /// Bytes of `Request`.
    pub span: Span,
    /// `SenderProvidedRequestData`.
    pub data: RequestData,
    /// `MessageMetadata` (its `MessageId` is what to Ack).
    pub metadata: MessageMetadata,
    /// `ReplyTo`: copy it into the response's `To` unchanged.
    pub reply_to: Option<String>,
    /// Bytes of `SenderInformationSystemSignature`.
    pub sender_signature: Option<Span>,
    /// Bytes of `SMEVSignature`.
    pub smev_signature: Option<Span>,
}

/// `ResponseMessage/Response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// `Response/@Id` (the ЭП-СМЭВ target).
    pub id: Option<String>,
    /// Bytes of `Response`.
    pub span: Span,
    /// `OriginalMessageId`: our request this answers.
    pub original_message_id: Option<String>,
    /// `SenderProvidedResponseData` (SMEV statuses have `Id` =
    /// `SIGNED_ASYNC_BY_SMEV` and carry `AsyncProcessingStatus`).
    pub data: ResponseData,
    /// `MessageMetadata` (its `MessageId` is what to Ack).
    pub metadata: MessageMetadata,
    /// Bytes of `SenderInformationSystemSignature`.
    pub sender_signature: Option<Span>,
    /// Bytes of `SMEVSignature`.
    pub smev_signature: Option<Span>,
}

/// `SmevAsyncProcessingMessage/AsyncProcessingStatusData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedStatus {
    /// `AsyncProcessingStatusData/@Id`.
    pub id: Option<String>,
    /// Bytes of `AsyncProcessingStatusData`.
    pub span: Span,
    /// The status.
    pub status: AsyncProcessingStatus,
    /// Bytes of `SMEVSignature`.
    pub smev_signature: Option<Span>,
}

/// A reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// Not a SOAP answer at all (e.g. a proxy's HTML error page): a
    /// transport failure.
    #[error("http {status} reply is not soap ({content_type})")]
    NotSoap {
        /// The HTTP status.
        status: u16,
        /// The content type.
        content_type: String,
    },
    /// The multipart framing is broken.
    #[error("multipart reply: {0}")]
    Multipart(#[from] MultipartError),
    /// The envelope is broken or unsafe.
    #[error("reply envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    /// The body element is no known response.
    #[error("unexpected reply element {{{namespace}}}{local}")]
    UnknownElement {
        /// Its namespace.
        namespace: String,
        /// Its local name.
        local: String,
    },
    /// A known response lacks something.
    #[error("{operation} reply: {source}")]
    Content {
        /// The operation answered.
        operation: Operation,
        /// What is wrong.
        #[source]
        source: DataError,
    },
    /// A delivered message kind this client does not handle.
    #[error("unsupported delivered message {0}")]
    Unsupported(&'static str),
}

/// Reads a reply from SMEV.
///
/// # Errors
///
/// [`ReplyError::NotSoap`] for non-SOAP bodies (retry as a transport
/// failure); other variants for broken SOAP. SOAP faults are not errors:
/// they come back as [`ReplyKind::Fault`].
pub fn read_reply(http_status: u16, content_type: &str, body: &[u8]) -> Result<Reply, ReplyError> {
    let not_soap = || ReplyError::NotSoap {
        status: http_status,
        content_type: content_type.to_owned(),
    };
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    let media_type = media_type.to_ascii_lowercase();
    if !media_type.is_empty()
        && !media_type.contains("xml")
        && !media_type.starts_with("multipart/")
    {
        return Err(not_soap());
    }
    let root = if media_type.starts_with("multipart/") {
        root_part(content_type, body)?
    } else {
        body
    };
    let limits = Limits {
        max_bytes: REPLY_MAX_BYTES,
        ..Limits::default()
    };
    let (text, _) = decode_text(root, &limits)?;
    let xml = text.to_owned();
    let (version, kind) = match read_body(&xml, &limits) {
        Err(ReplyError::Envelope(EnvelopeError::NotWellFormed(_)))
        | Err(ReplyError::Envelope(EnvelopeError::NotAnEnvelope))
            if http_status != 200 && http_status != 500 =>
        {
            return Err(not_soap())
        }
        other => other?,
    };
    Ok(Reply {
        http_status,
        xml,
        version,
        kind,
    })
}

fn read_body(xml: &str, limits: &Limits) -> Result<(Option<Version>, ReplyKind), ReplyError> {
    let doc = parse_document(xml, limits)?;
    let body = find_body(doc.root_element())?;
    let element = only_element(body)?;
    if element.has_tag_name((SOAP_ENV, "Fault")) {
        return Ok((None, ReplyKind::Fault(read_fault(element))));
    }
    let namespace = element.tag_name().namespace().unwrap_or_default();
    let local = element.tag_name().name();
    let unknown = || ReplyError::UnknownElement {
        namespace: namespace.to_owned(),
        local: local.to_owned(),
    };
    let version = Version::from_types_ns(namespace).ok_or_else(unknown)?;
    let operation = Operation::from_response_element(local, version).ok_or_else(unknown)?;
    let kind = read_response(operation, element)
        .map_err(|source| ReplyError::Content { operation, source })?;
    Ok((Some(version), kind?))
}

fn read_response(
    operation: Operation,
    element: Node<'_, '_>,
) -> Result<Result<ReplyKind, ReplyError>, DataError> {
    let kind = match operation {
        Operation::SendRequest | Operation::SendResponse => ReplyKind::Receipt {
            operation,
            metadata: read_metadata(required(element, "MessageMetadata")?)?,
            smev_signature: child(element, "SMEVSignature").map(|n| span(n, 0)),
        },
        Operation::GetRequest => match child(element, "RequestMessage") {
            None => ReplyKind::EmptyQueue(operation),
            Some(message) => match read_request_message(message)? {
                Some(request) => ReplyKind::Request(request),
                None => return Ok(Err(ReplyError::Unsupported("Cancel"))),
            },
        },
        Operation::GetResponse => match child(element, "ResponseMessage") {
            None => ReplyKind::EmptyQueue(operation),
            Some(message) => ReplyKind::Response(read_response_message(message)?),
        },
        Operation::GetStatus => match child(element, "SmevAsyncProcessingMessage") {
            None => ReplyKind::EmptyQueue(operation),
            Some(message) => ReplyKind::Status(read_status_message(message)?),
        },
        Operation::Ack => ReplyKind::Acknowledged,
        Operation::GetIncomingQueueStatistics => ReplyKind::QueueStatistics(
            elements(element, "QueueStatistics")
                .map(read_queue_statistics)
                .collect(),
        ),
    };
    Ok(Ok(kind))
}

/// `None` for a `Cancel`, which this client does not handle.
fn read_request_message(message: Node<'_, '_>) -> Result<Option<ReceivedRequest>, DataError> {
    // FIXME(#2): `Cancel` (1.1/1.2) and `AttachmentContentList` with XOP
    // includes are not read; right is a `ReplyKind::Cancel` and attachment
    // parts resolved from the multipart body.
    let Some(request) = child(message, "Request") else {
        return Ok(None);
    };
    Ok(Some(ReceivedRequest {
        id: request.attribute("Id").map(str::to_owned),
        span: span(request, 0),
        data: read_request_data(required(request, "SenderProvidedRequestData")?, 0)?,
        metadata: read_metadata(required(request, "MessageMetadata")?)?,
        reply_to: text(request, "ReplyTo"),
        sender_signature: child(request, "SenderInformationSystemSignature").map(|n| span(n, 0)),
        smev_signature: child(message, "SMEVSignature").map(|n| span(n, 0)),
    }))
}

fn read_response_message(message: Node<'_, '_>) -> Result<ReceivedResponse, DataError> {
    let response = required(message, "Response")?;
    Ok(ReceivedResponse {
        id: response.attribute("Id").map(str::to_owned),
        span: span(response, 0),
        original_message_id: text(response, "OriginalMessageId"),
        data: read_response_data(required(response, "SenderProvidedResponseData")?, 0)?,
        metadata: read_metadata(required(response, "MessageMetadata")?)?,
        sender_signature: child(response, "SenderInformationSystemSignature").map(|n| span(n, 0)),
        smev_signature: child(message, "SMEVSignature").map(|n| span(n, 0)),
    })
}

fn read_status_message(message: Node<'_, '_>) -> Result<ReceivedStatus, DataError> {
    let data = required(message, "AsyncProcessingStatusData")?;
    Ok(ReceivedStatus {
        id: data.attribute("Id").map(str::to_owned),
        span: span(data, 0),
        status: read_async_status(required(data, "AsyncProcessingStatus")?)?,
        smev_signature: child(message, "SMEVSignature").map(|n| span(n, 0)),
    })
}

fn read_queue_statistics(node: Node<'_, '_>) -> QueueStatistics {
    QueueStatistics {
        queue_name: node.attribute("queueName").unwrap_or_default().to_owned(),
        pending_messages: node
            .attribute("pendingMessageNumber")
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0),
    }
}

// === impl ReplyError ===

impl ReplyError {
    /// Whether to resend: transport failures are retried, broken SOAP is
    /// not (it will not mend itself).
    pub fn retry(&self) -> RetryDecision {
        match self {
            ReplyError::NotSoap { .. } => RetryDecision::Retry,
            _ => RetryDecision::GiveUp,
        }
    }
}
