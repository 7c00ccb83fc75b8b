//! Reading an inbound SOAP 1.1 envelope (brief §1.1–§1.6): the safety
//! checks on raw bytes, the envelope structure, the version and operation,
//! then the typed request of each operation.
//!
//! Everything expected from a hostile or broken peer comes back as an
//! [`EnvelopeError`], and [`EnvelopeError::to_fault`] is the one place that
//! turns it into the SOAP fault to answer with.

use roxmltree::{Document, Node, ParsingOptions};

use crate::data::{
    child, read_ack_target, read_request_data, read_response_data, read_selector, read_timestamp,
    required, span, text, AckTargetMessage, DataError, MessageTypeSelector, RequestData,
    ResponseData, Span, Timestamp,
};
use crate::fault::{Fault, FaultKind, SignatureFailure, ValidationError};
use crate::operation::Operation;
use crate::version::{Version, SOAP_ENV};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Resource limits applied before and while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted message, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted element nesting (the envelope is depth 1). It is
    /// checked on the raw text before the tree parser runs, because that
    /// parser recurses per level: keep it in the hundreds, not thousands.
    pub max_depth: usize,
}

/// Most attributes (namespace declarations included) one element may carry.
/// SMEV elements carry a handful; libxml2's duplicate check is quadratic in
/// this number, so thousands of attributes are a cheap way to stall a
/// parser and are refused on the raw text first.
pub const MAX_ATTRIBUTES: usize = 256;

/// Why an inbound message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The message is larger than [`Limits::max_bytes`].
    #[error("message of {size} bytes is over the limit of {max}")]
    TooLarge {
        /// Size of the message.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not UTF-8 (or declare another encoding).
    #[error("message is not utf-8")]
    NotUtf8,
    /// The document has a DOCTYPE (entity expansion is never allowed).
    #[error("document type declarations are refused")]
    Doctype,
    /// Elements nest deeper than [`Limits::max_depth`].
    #[error("element nesting is deeper than {max}")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// An element carries more than [`MAX_ATTRIBUTES`] attributes.
    #[error("an element carries more than {max} attributes")]
    TooManyAttributes {
        /// The limit.
        max: usize,
    },
    /// The XML parser refused the text.
    #[error("xml is not well-formed: {0}")]
    NotWellFormed(String),
    /// The envelope is in another namespace than SOAP 1.1.
    #[error("envelope namespace {namespace:?} is not soap 1.1")]
    VersionMismatch {
        /// The envelope element's namespace.
        namespace: String,
    },
    /// The root element is not an envelope.
    #[error("root element is not soap:Envelope")]
    NotAnEnvelope,
    /// No `soap:Body`.
    #[error("soap:Body is missing")]
    NoBody,
    /// `soap:Body` does not hold exactly one element.
    #[error("soap:Body holds {count} elements instead of one")]
    BodyChildren {
        /// How many elements it holds.
        count: usize,
    },
    /// No `soap:Header` (SMEV's `PoorSOAPEnvelopeFormat`).
    #[error("soap:Header is missing")]
    NoHeader {
        /// The version of the body element, when known.
        version: Option<Version>,
    },
    /// A header entry demands to be understood (`soap:mustUnderstand="1"`).
    #[error("header entry {element} must be understood")]
    MustUnderstand {
        /// The version of the body element, when known.
        version: Option<Version>,
        /// The entry's `{namespace}local` name.
        element: String,
    },
    /// The body element is no operation of any version.
    #[error("unknown operation element {{{namespace}}}{local}")]
    UnknownOperation {
        /// The body element's namespace.
        namespace: String,
        /// The body element's local name.
        local: String,
    },
    /// The operation element's content could not be read.
    #[error("{operation} request: {source}")]
    Content {
        /// The message version.
        version: Version,
        /// The operation.
        operation: Operation,
        /// What is wrong.
        #[source]
        source: DataError,
    },
}

/// A decoded inbound request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Version, from the body element's namespace.
    pub version: Version,
    /// Operation, from the body element's local name.
    pub operation: Operation,
    /// Bytes of the operation element (the body's only child).
    pub body_element: Span,
    /// The typed request.
    pub request: InboundRequest,
}

/// The typed request of each operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundRequest {
    /// `SendRequestRequest`.
    SendRequest(SendRequestRequest),
    /// `SendResponseRequest`.
    SendResponse(SendResponseRequest),
    /// `GetRequestRequest`.
    GetRequest(GetMessageRequest),
    /// `GetResponseRequest`.
    GetResponse(GetMessageRequest),
    /// `AckRequest`.
    Ack(AckRequest),
    /// `GetStatusRequest`.
    GetStatus(GetStatusRequest),
    /// `GetIncomingQueueStatisticsRequest`.
    GetIncomingQueueStatistics(QueueStatisticsRequest),
}

/// `SendRequestRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRequestRequest {
    /// `SenderProvidedRequestData`.
    pub data: RequestData,
    /// `AttachmentContentList/AttachmentContent/Id` values.
    pub attachment_content_ids: Vec<String>,
    /// Bytes of `routing:Routing` (1.3), when present.
    pub routing: Option<Span>,
    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub signature: Option<Span>,
}

/// `SendResponseRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResponseRequest {
    /// `SenderProvidedResponseData`.
    pub data: ResponseData,
    /// `AttachmentContentList/AttachmentContent/Id` values.
    pub attachment_content_ids: Vec<String>,
    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub signature: Option<Span>,
}

/// `GetRequestRequest` or `GetResponseRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetMessageRequest {
    /// `MessageTypeSelector`.
    pub selector: MessageTypeSelector,
    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub signature: Option<Span>,
}

/// `AckRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRequest {
    /// `AckTargetMessage`.
    pub target: AckTargetMessage,
    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub signature: Option<Span>,
}

/// `GetStatusRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetStatusRequest {
    /// `Timestamp`.
    pub timestamp: Timestamp,
    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub signature: Option<Span>,
}

/// `GetIncomingQueueStatisticsRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStatisticsRequest {
    /// `NodeID`.
    pub node_id: Option<String>,
    /// `Timestamp`.
    pub timestamp: Timestamp,
    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub signature: Option<Span>,
}

/// The element an ЭП-ОВ must reference, as found in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedTarget<'a> {
    /// Its `@Id`.
    pub id: Option<&'a str>,
    /// Its bytes.
    pub span: &'a Span,
}

/// Decodes an inbound SOAP 1.1 request.
///
/// # Errors
///
/// Every refusal is an [`EnvelopeError`]; answer it with
/// [`EnvelopeError::to_fault`]. Spans in the result index `bytes`.
pub fn read_envelope(bytes: &[u8], limits: &Limits) -> Result<Inbound, EnvelopeError> {
    let (text, offset) = decode_text(bytes, limits)?;
    let doc = parse_document(text, limits)?;
    let body = find_body(doc.root_element())?;
    let element = only_element(body)?;
    let namespace = element.tag_name().namespace().unwrap_or_default();
    let local = element.tag_name().name();
    let unknown = || EnvelopeError::UnknownOperation {
        namespace: namespace.to_owned(),
        local: local.to_owned(),
    };
    let version = Version::from_types_ns(namespace);
    let Some(header) = find_header(doc.root_element()) else {
        return Err(EnvelopeError::NoHeader { version });
    };
    if let Some(entry) = must_understand_entry(header) {
        return Err(EnvelopeError::MustUnderstand {
            version,
            element: entry,
        });
    }
    let version = version.ok_or_else(unknown)?;
    let operation = Operation::from_request_element(local, version).ok_or_else(unknown)?;
    let request =
        read_request(operation, element, offset).map_err(|source| EnvelopeError::Content {
            version,
            operation,
            source,
        })?;
    if let InboundRequest::Ack(ack) = &request {
        if ack.target.accepted.is_none() && version.ack_accepted_required() {
            let source = DataError::Missing {
                element: "accepted",
            };
            return Err(EnvelopeError::Content {
                version,
                operation,
                source,
            });
        }
    }
    Ok(Inbound {
        version,
        operation,
        body_element: span(element, offset),
        request,
    })
}

/// Checks size and encoding and strips a UTF-8 BOM; returns the text and
/// its offset in `bytes`.
pub(crate) fn decode_text<'b>(
    bytes: &'b [u8],
    limits: &Limits,
) -> Result<(&'b str, usize), EnvelopeError> {
    if bytes.len() > limits.max_bytes {
        return Err(EnvelopeError::TooLarge {
            size: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let offset = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    let rest = &bytes[offset..];
    // NUL is never allowed in XML and is what UTF-16 text looks like
    // when it happens to be valid UTF-8.
    if rest.contains(&0) {
        return Err(EnvelopeError::NotUtf8);
    }
    let text = std::str::from_utf8(rest).map_err(|_| EnvelopeError::NotUtf8)?;
    if !declared_encoding_is_utf8(text) {
        return Err(EnvelopeError::NotUtf8);
    }
    Ok((text, offset))
}

/// Parses with DTDs refused and checks the nesting depth.
pub(crate) fn parse_document<'i>(
    text: &'i str,
    limits: &Limits,
) -> Result<Document<'i>, EnvelopeError> {
    if has_doctype(text) {
        return Err(EnvelopeError::Doctype);
    }
    check_depth(text, limits.max_depth)?;
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => EnvelopeError::Doctype,
        e => EnvelopeError::NotWellFormed(e.to_string()),
    })
}

/// Finds `soap:Body` under a SOAP 1.1 `Envelope` root.
pub(crate) fn find_body<'a, 'i>(root: Node<'a, 'i>) -> Result<Node<'a, 'i>, EnvelopeError> {
    let namespace = root.tag_name().namespace().unwrap_or_default();
    if root.tag_name().name() != "Envelope" {
        return Err(EnvelopeError::NotAnEnvelope);
    }
    if namespace != SOAP_ENV {
        return Err(EnvelopeError::VersionMismatch {
            namespace: namespace.to_owned(),
        });
    }
    root.children()
        .find(|n| n.is_element() && n.has_tag_name((SOAP_ENV, "Body")))
        .ok_or(EnvelopeError::NoBody)
}

/// The only element child of `soap:Body`.
pub(crate) fn only_element<'a, 'i>(body: Node<'a, 'i>) -> Result<Node<'a, 'i>, EnvelopeError> {
    let mut elements = body.children().filter(|n| n.is_element());
    match (elements.next(), elements.count()) {
        (Some(element), 0) => Ok(element),
        (None, _) => Err(EnvelopeError::BodyChildren { count: 0 }),
        (Some(_), more) => Err(EnvelopeError::BodyChildren { count: more + 1 }),
    }
}

/// The first header entry marked `soap:mustUnderstand="1"`: this node obeys
/// no header entry, so SOAP 1.1 §4.2.3 requires a MustUnderstand fault.
fn must_understand_entry(header: Node<'_, '_>) -> Option<String> {
    header
        .children()
        .filter(|n| n.is_element())
        .find(|n| {
            let flag = n.attribute((SOAP_ENV, "mustUnderstand")).map(str::trim);
            matches!(flag, Some("1") | Some("true"))
        })
        .map(|n| {
            let tag = n.tag_name();
            format!("{{{}}}{}", tag.namespace().unwrap_or_default(), tag.name())
        })
}

fn find_header<'a, 'i>(root: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    root.children()
        .find(|n| n.is_element() && n.has_tag_name((SOAP_ENV, "Header")))
}

fn declared_encoding_is_utf8(text: &str) -> bool {
    let Some(declaration) = text.strip_prefix("<?xml") else {
        return true;
    };
    let declaration = &declaration[..declaration.find("?>").unwrap_or(declaration.len())];
    let Some(at) = declaration.find("encoding") else {
        return true;
    };
    let value = declaration[at + "encoding".len()..]
        .trim_start()
        .trim_start_matches('=')
        .trim_start();
    let value = value.trim_start_matches(['"', '\'']);
    let end = value.find(['"', '\'']).unwrap_or(value.len());
    let name = value[..end].to_ascii_lowercase();
    name == "utf-8" || name == "utf8"
}

fn has_doctype(text: &str) -> bool {
    // A DOCTYPE can only come before the root element; scanning the prolog
    // is enough and cheap.
    let prolog_end = text
        .match_indices('<')
        .find(|(i, _)| !matches!(text.as_bytes().get(i + 1), Some(b'?') | Some(b'!')))
        .map_or(text.len(), |(i, _)| i);
    text[..prolog_end].contains("<!DOCTYPE")
}

/// Measures element nesting on the raw text, before the tree parser sees
/// it: the parser recurses per level and would overflow the stack on
/// hostile nesting. Malformed markup is left for the parser to report.
/// Also for XML the node takes from elsewhere than an envelope (a payload
/// handed to the integration API) before any parser or signer sees it.
///
/// # Errors
/// [`EnvelopeError::TooDeep`] past `max` levels,
/// [`EnvelopeError::TooManyAttributes`] on a start tag with too many.
pub fn check_depth(text: &str, max: usize) -> Result<(), EnvelopeError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'<') {
        let start = at + offset;
        let rest = &bytes[start..];
        let (end, change) = if rest.starts_with(b"<!--") {
            (skip_past(bytes, start, b"-->"), 0)
        } else if rest.starts_with(b"<![CDATA[") {
            (skip_past(bytes, start, b"]]>"), 0)
        } else if rest.starts_with(b"<?") {
            (skip_past(bytes, start, b"?>"), 0)
        } else if rest.starts_with(b"</") {
            (skip_past(bytes, start, b">"), -1)
        } else {
            let (end, attributes) = start_tag_end(bytes, start);
            if attributes > MAX_ATTRIBUTES {
                return Err(EnvelopeError::TooManyAttributes {
                    max: MAX_ATTRIBUTES,
                });
            }
            let self_closing = end >= 2 && bytes[end - 2] == b'/';
            (end, if self_closing { 0 } else { 1 })
        };
        match change {
            1 => depth += 1,
            -1 => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > max {
            return Err(EnvelopeError::TooDeep { max });
        }
        at = end;
    }
    Ok(())
}

/// Index just past the first `needle` after `from` (or the end).
fn skip_past(bytes: &[u8], from: usize, needle: &[u8]) -> usize {
    bytes[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(bytes.len(), |i| from + i + needle.len())
}

/// Index just past the `>` closing the start tag at `from`, skipping `>`
/// inside quoted attribute values.
/// Index just past a start tag's `>`, and how many attributes (namespace
/// declarations included) it carries.
fn start_tag_end(bytes: &[u8], from: usize) -> (usize, usize) {
    let mut quote = None;
    let mut attributes = 0;
    for (i, &b) in bytes.iter().enumerate().skip(from + 1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'=') => attributes += 1,
            (None, b'>') => return (i + 1, attributes),
            _ => {}
        }
    }
    (bytes.len(), attributes)
}

fn read_request(
    operation: Operation,
    element: Node<'_, '_>,
    off: usize,
) -> Result<InboundRequest, DataError> {
    let signature = child(element, "CallerInformationSystemSignature").map(|n| span(n, off));
    let request = match operation {
        Operation::SendRequest => InboundRequest::SendRequest(SendRequestRequest {
            data: read_request_data(required(element, "SenderProvidedRequestData")?, off)?,
            attachment_content_ids: attachment_content_ids(element),
            routing: child(element, "Routing").map(|n| span(n, off)),
            signature,
        }),
        Operation::SendResponse => InboundRequest::SendResponse(SendResponseRequest {
            data: read_response_data(required(element, "SenderProvidedResponseData")?, off)?,
            attachment_content_ids: attachment_content_ids(element),
            signature,
        }),
        Operation::GetRequest | Operation::GetResponse => {
            let selector = read_selector(required(element, "MessageTypeSelector")?, off)?;
            let request = GetMessageRequest {
                selector,
                signature,
            };
            match operation {
                Operation::GetRequest => InboundRequest::GetRequest(request),
                _ => InboundRequest::GetResponse(request),
            }
        }
        Operation::Ack => InboundRequest::Ack(AckRequest {
            target: read_ack_target(required(element, "AckTargetMessage")?, off)?,
            signature,
        }),
        Operation::GetStatus => InboundRequest::GetStatus(GetStatusRequest {
            timestamp: read_timestamp(required(element, "Timestamp")?, off),
            signature,
        }),
        Operation::GetIncomingQueueStatistics => {
            InboundRequest::GetIncomingQueueStatistics(QueueStatisticsRequest {
                node_id: text(element, "NodeID"),
                timestamp: read_timestamp(required(element, "Timestamp")?, off),
                signature,
            })
        }
    };
    Ok(request)
}

fn attachment_content_ids(element: Node<'_, '_>) -> Vec<String> {
    let Some(list) = child(element, "AttachmentContentList") else {
        return Vec::new();
    };
    crate::data::elements(list, "AttachmentContent")
        .filter_map(|n| text(n, "Id"))
        .collect()
}

// === impl Limits ===

impl Default for Limits {
    /// 16 MiB (inline attachments of the default 5 MiB limit, base64'd,
    /// fit with room to spare) and 256 levels.
    fn default() -> Limits {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 256,
        }
    }
}

// === impl EnvelopeError ===

impl EnvelopeError {
    /// The version the message claimed, when it got that far.
    pub fn version(&self) -> Option<Version> {
        match self {
            EnvelopeError::NoHeader { version } => *version,
            EnvelopeError::MustUnderstand { version, .. } => *version,
            EnvelopeError::Content { version, .. } => Some(*version),
            EnvelopeError::UnknownOperation { namespace, .. } => Version::from_any_ns(namespace),
            _ => None,
        }
    }

    /// The SOAP fault to answer with; write it with
    /// `write_fault(self.version(), &fault)`.
    pub fn to_fault(&self) -> Fault {
        match self {
            EnvelopeError::VersionMismatch { .. } => Fault::new(FaultKind::VersionMismatch),
            EnvelopeError::MustUnderstand { .. } => Fault::new(FaultKind::MustUnderstand),
            EnvelopeError::NoHeader { .. } => {
                Fault::signature(SignatureFailure::PoorSoapEnvelopeFormat)
            }
            EnvelopeError::Content { source, .. } => {
                let error = ValidationError {
                    message: source.to_string(),
                    position: -1,
                };
                Fault::new(FaultKind::InvalidContent(vec![error]))
            }
            _ => Fault::new(FaultKind::Client),
        }
    }
}

// === impl InboundRequest ===

impl InboundRequest {
    /// The element the caller's ЭП-ОВ must sign.
    pub fn signed_target(&self) -> SignedTarget<'_> {
        let (id, span) = match self {
            InboundRequest::SendRequest(r) => (&r.data.id, &r.data.span),
            InboundRequest::SendResponse(r) => (&r.data.id, &r.data.span),
            InboundRequest::GetRequest(r) | InboundRequest::GetResponse(r) => {
                (&r.selector.id, &r.selector.span)
            }
            InboundRequest::Ack(r) => (&r.target.id, &r.target.span),
            InboundRequest::GetStatus(r) => (&r.timestamp.id, &r.timestamp.span),
            InboundRequest::GetIncomingQueueStatistics(r) => (&r.timestamp.id, &r.timestamp.span),
        };
        SignedTarget {
            id: id.as_deref(),
            span,
        }
    }

    /// Bytes of `CallerInformationSystemSignature`, when present.
    pub fn caller_signature(&self) -> Option<&Span> {
        match self {
            InboundRequest::SendRequest(r) => r.signature.as_ref(),
            InboundRequest::SendResponse(r) => r.signature.as_ref(),
            InboundRequest::GetRequest(r) | InboundRequest::GetResponse(r) => r.signature.as_ref(),
            InboundRequest::Ack(r) => r.signature.as_ref(),
            InboundRequest::GetStatus(r) => r.signature.as_ref(),
            InboundRequest::GetIncomingQueueStatistics(r) => r.signature.as_ref(),
        }
    }
}
