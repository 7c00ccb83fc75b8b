//! The signed data blocks both sides exchange: `SenderProvidedRequestData`,
//! `SenderProvidedResponseData` (with its four content choices),
//! `MessageTypeSelector`, `AckTargetMessage` and `Timestamp` (brief
//! §1.4–§1.6), read from a parsed tree.
//!
//! The readers match elements by local name only: the caller validates
//! what it receives against the XSDs, and SMEV's own output drifts between
//! schema revisions, so namespaces are not checked twice here. Byte spans
//! point into the text the tree was parsed from, shifted by `off`.

use std::ops::Range;

use roxmltree::Node;

use crate::fault::{read_fault_element, Fault, FaultCode, FaultKind};
use crate::version::XSI;

/// A byte range of the original message.
pub type Span = Range<usize>;

/// A data block could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// A required element is absent.
    #[error("element {element} is missing")]
    Missing {
        /// Local name of the missing element.
        element: &'static str,
    },
    /// An element or attribute holds a value outside its type.
    #[error("{element} has an invalid value {value:?}")]
    BadValue {
        /// Local name of the element or attribute.
        element: &'static str,
        /// The value found.
        value: String,
    },
}

/// The business payload: the element under `MessagePrimaryContent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Namespace of the root element (identifies the ВС with `local_name`).
    pub namespace: String,
    /// Local name of the root element.
    pub local_name: String,
    /// Bytes of the root element.
    pub span: Span,
}

/// `SenderProvidedRequestData` as read (brief §1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestData {
    /// `@Id`, the ЭП-ОВ reference target.
    pub id: Option<String>,
    /// Bytes of the whole element.
    pub span: Span,
    /// `MessageID`.
    pub message_id: String,
    /// `ReferenceMessageID`.
    pub reference_message_id: Option<String>,
    /// `TransactionCode`.
    pub transaction_code: Option<String>,
    /// `NodeID`.
    pub node_id: Option<String>,
    /// `EOL`, as written.
    pub eol: Option<String>,
    /// The business payload.
    pub payload: Payload,
    /// Bytes of `PersonalSignature` (ЭП-СП), when present.
    pub personal_signature: Option<Span>,
    /// `AttachmentHeaderList/AttachmentHeader/contentId` values, in order.
    pub attachment_header_content_ids: Vec<String>,
    /// `RefAttachmentHeaderList/RefAttachmentHeader/uuid` values (FTP).
    pub ref_attachment_uuids: Vec<String>,
    /// Whether `TestMessage` is present.
    pub test_message: bool,
}

/// `SenderProvidedResponseData` as read (brief §1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseData {
    /// `@Id`, the ЭП-ОВ reference target.
    pub id: Option<String>,
    /// Bytes of the whole element.
    pub span: Span,
    /// `MessageID`.
    pub message_id: String,
    /// `To`, opaque: copied from the request's `ReplyTo`.
    pub to: String,
    /// Which of the four content choices the response carries.
    pub content: ResponseContent,
}

/// The content choice of `SenderProvidedResponseData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseContent {
    /// A business answer.
    Primary {
        /// The business payload.
        payload: Payload,
        /// Bytes of `PersonalSignature`, when present.
        personal_signature: Option<Span>,
        /// `AttachmentHeader/contentId` values.
        attachment_header_content_ids: Vec<String>,
    },
    /// `RequestRejected+`.
    Rejected(Vec<Rejection>),
    /// `RequestStatus`: an intermediate business status.
    Status(RequestStatus),
    /// `AsyncProcessingStatus`: a status produced by SMEV itself.
    AsyncStatus(AsyncProcessingStatus),
}

/// One `RequestRejected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `RejectionReasonCode`: `ACCESS_DENIED`, `NO_DATA`,
    /// `UNKNOWN_REQUEST_DESCRIPTION` or `FAILURE`.
    pub code: String,
    /// `RejectionReasonDescription`.
    pub description: String,
}

/// `RequestStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStatus {
    /// `StatusCode` (business-defined per ВС).
    pub code: i32,
    /// `StatusParameter` key/value pairs.
    pub parameters: Vec<(String, String)>,
    /// `StatusDescription`.
    pub description: String,
}

/// `AsyncProcessingStatus` (brief §1.5 item 4, §1.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncProcessingStatus {
    /// `OriginalMessageId`: the message the status is about.
    pub original_message_id: String,
    /// `StatusCategory`, e.g. `requestIsRejectedBySmev`.
    pub category: String,
    /// `StatusDetails`.
    pub details: Option<String>,
    /// `SmevFault`, typed by its `xsi:type` when it names a fault type.
    pub fault: Option<Fault>,
}

/// `MessageTypeSelector` (brief §1.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTypeSelector {
    /// `@Id`.
    pub id: Option<String>,
    /// Bytes of the element.
    pub span: Span,
    /// `NamespaceURI` (absent = any ВС).
    pub namespace_uri: Option<String>,
    /// `RootElementLocalName`.
    pub root_element_local_name: Option<String>,
    /// `Timestamp`, as written.
    pub timestamp: String,
    /// `NodeID`.
    pub node_id: Option<String>,
}

/// `AckTargetMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckTargetMessage {
    /// `@Id`.
    pub id: Option<String>,
    /// Bytes of the element.
    pub span: Span,
    /// The acknowledged `MessageMetadata/MessageId`.
    pub message_id: String,
    /// `@accepted` (required in 1.1/1.2, optional in 1.3).
    pub accepted: Option<bool>,
}

/// `basic:Timestamp` with its `@Id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// `@Id`.
    pub id: Option<String>,
    /// Bytes of the element.
    pub span: Span,
    /// The xs:dateTime text.
    pub value: String,
}

/// Reads `SenderProvidedRequestData`.
pub(crate) fn read_request_data(node: Node<'_, '_>, off: usize) -> Result<RequestData, DataError> {
    let headers = child(node, "AttachmentHeaderList");
    let ref_headers = child(node, "RefAttachmentHeaderList");
    Ok(RequestData {
        id: attr(node, "Id"),
        span: span(node, off),
        message_id: required_text(node, "MessageID")?,
        reference_message_id: text(node, "ReferenceMessageID"),
        transaction_code: text(node, "TransactionCode"),
        node_id: text(node, "NodeID"),
        eol: text(node, "EOL"),
        payload: read_payload(required(node, "MessagePrimaryContent")?, off)?,
        personal_signature: child(node, "PersonalSignature").map(|n| span(n, off)),
        attachment_header_content_ids: list_texts(headers, "AttachmentHeader", "contentId"),
        ref_attachment_uuids: list_texts(ref_headers, "RefAttachmentHeader", "uuid"),
        test_message: child(node, "TestMessage").is_some(),
    })
}

/// Reads `SenderProvidedResponseData`.
pub(crate) fn read_response_data(
    node: Node<'_, '_>,
    off: usize,
) -> Result<ResponseData, DataError> {
    Ok(ResponseData {
        id: attr(node, "Id"),
        span: span(node, off),
        message_id: required_text(node, "MessageID")?,
        to: required_text(node, "To")?,
        content: read_response_content(node, off)?,
    })
}

/// Reads a standalone `SenderProvidedResponseData` element, as the node
/// keeps it between SendResponse and GetResponse (spans point into `xml`).
///
/// # Errors
/// [`DataError::Missing`] when `xml` is not well-formed or its root is not
/// `SenderProvidedResponseData`; any error of its content.
pub fn read_response_block(xml: &str) -> Result<ResponseData, DataError> {
    let missing = DataError::Missing {
        element: "SenderProvidedResponseData",
    };
    let document = roxmltree::Document::parse(xml).map_err(|_| missing.clone())?;
    let root = document.root_element();
    if root.tag_name().name() != "SenderProvidedResponseData" {
        return Err(missing);
    }
    read_response_data(root, 0)
}

fn read_response_content(node: Node<'_, '_>, off: usize) -> Result<ResponseContent, DataError> {
    if let Some(primary) = child(node, "MessagePrimaryContent") {
        let headers = child(node, "AttachmentHeaderList");
        return Ok(ResponseContent::Primary {
            payload: read_payload(primary, off)?,
            personal_signature: child(node, "PersonalSignature").map(|n| span(n, off)),
            attachment_header_content_ids: list_texts(headers, "AttachmentHeader", "contentId"),
        });
    }
    let rejections: Vec<Rejection> = elements(node, "RequestRejected")
        .map(|r| {
            Ok(Rejection {
                code: required_text(r, "RejectionReasonCode")?,
                description: required_text(r, "RejectionReasonDescription")?,
            })
        })
        .collect::<Result<_, DataError>>()?;
    if !rejections.is_empty() {
        return Ok(ResponseContent::Rejected(rejections));
    }
    if let Some(status) = child(node, "RequestStatus") {
        return Ok(ResponseContent::Status(read_request_status(status)?));
    }
    match child(node, "AsyncProcessingStatus") {
        Some(status) => Ok(ResponseContent::AsyncStatus(read_async_status(status)?)),
        None => Err(DataError::Missing {
            element: "MessagePrimaryContent",
        }),
    }
}

fn read_request_status(node: Node<'_, '_>) -> Result<RequestStatus, DataError> {
    let code_text = required_text(node, "StatusCode")?;
    let code = code_text.trim().parse().map_err(|_| DataError::BadValue {
        element: "StatusCode",
        value: code_text.clone(),
    })?;
    let parameters = elements(node, "StatusParameter")
        .map(|p| Ok((required_text(p, "Key")?, required_text(p, "Value")?)))
        .collect::<Result<_, DataError>>()?;
    Ok(RequestStatus {
        code,
        parameters,
        description: required_text(node, "StatusDescription")?,
    })
}

/// Reads `AsyncProcessingStatus`.
pub(crate) fn read_async_status(node: Node<'_, '_>) -> Result<AsyncProcessingStatus, DataError> {
    Ok(AsyncProcessingStatus {
        original_message_id: required_text(node, "OriginalMessageId")?,
        category: required_text(node, "StatusCategory")?,
        details: text(node, "StatusDetails"),
        fault: child(node, "SmevFault").map(read_smev_fault),
    })
}

fn read_smev_fault(node: Node<'_, '_>) -> Fault {
    let xsi_type = node.attribute((XSI, "type")).unwrap_or("SmevFault");
    let kind_name = xsi_type.rsplit(':').next().unwrap_or(xsi_type);
    let (kind, code, description) = read_fault_element(node, kind_name);
    let kind = match kind {
        FaultKind::Other { .. } if kind_name == "SmevFault" => FaultKind::Server,
        kind => kind,
    };
    Fault {
        faultcode: FaultCode::Server,
        faultstring: description
            .as_deref()
            .map(strip_catalogue_code)
            .unwrap_or_default()
            .to_owned(),
        kind,
        code,
        description,
    }
}

/// The human text of a `Description`: what follows a leading `SMEV-nnn:`.
fn strip_catalogue_code(description: &str) -> &str {
    match description.split_once(':') {
        Some((code, text)) if code.starts_with("SMEV-") => text,
        _ => description,
    }
}

/// Reads `MessageTypeSelector`.
pub(crate) fn read_selector(
    node: Node<'_, '_>,
    off: usize,
) -> Result<MessageTypeSelector, DataError> {
    Ok(MessageTypeSelector {
        id: attr(node, "Id"),
        span: span(node, off),
        namespace_uri: text(node, "NamespaceURI"),
        root_element_local_name: text(node, "RootElementLocalName"),
        timestamp: required_text(node, "Timestamp")?,
        node_id: text(node, "NodeID"),
    })
}

/// Reads `AckTargetMessage`.
pub(crate) fn read_ack_target(
    node: Node<'_, '_>,
    off: usize,
) -> Result<AckTargetMessage, DataError> {
    let accepted = match node.attribute("accepted").map(str::trim) {
        None => None,
        Some("true") | Some("1") => Some(true),
        Some("false") | Some("0") => Some(false),
        Some(other) => {
            return Err(DataError::BadValue {
                element: "accepted",
                value: other.to_owned(),
            })
        }
    };
    Ok(AckTargetMessage {
        id: attr(node, "Id"),
        span: span(node, off),
        message_id: node.text().unwrap_or_default().trim().to_owned(),
        accepted,
    })
}

/// Reads `basic:Timestamp`.
pub(crate) fn read_timestamp(node: Node<'_, '_>, off: usize) -> Timestamp {
    Timestamp {
        id: attr(node, "Id"),
        span: span(node, off),
        value: node.text().unwrap_or_default().trim().to_owned(),
    }
}

fn read_payload(content: Node<'_, '_>, off: usize) -> Result<Payload, DataError> {
    let root = content
        .children()
        .find(|n| n.is_element())
        .ok_or(DataError::Missing {
            element: "MessagePrimaryContent/*",
        })?;
    Ok(Payload {
        namespace: root.tag_name().namespace().unwrap_or_default().to_owned(),
        local_name: root.tag_name().name().to_owned(),
        span: span(root, off),
    })
}

/// The byte range of `node`, shifted by `off`.
pub(crate) fn span(node: Node<'_, '_>, off: usize) -> Span {
    let range = node.range();
    range.start + off..range.end + off
}

/// The first child element named `local`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, local: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == local)
}

/// Every child element named `local`.
pub(crate) fn elements<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    local: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == local)
}

/// The first child element named `local`, or a `Missing` error.
pub(crate) fn required<'a, 'i>(
    node: Node<'a, 'i>,
    local: &'static str,
) -> Result<Node<'a, 'i>, DataError> {
    child(node, local).ok_or(DataError::Missing { element: local })
}

/// The text of the child element `local`, if present.
pub(crate) fn text(node: Node<'_, '_>, local: &str) -> Option<String> {
    child(node, local).map(|n| n.text().unwrap_or_default().to_owned())
}

/// The text of the child element `local`, or a `Missing` error.
pub(crate) fn required_text(node: Node<'_, '_>, local: &'static str) -> Result<String, DataError> {
    text(node, local).ok_or(DataError::Missing { element: local })
}

/// The attribute `name` (no namespace).
pub(crate) fn attr(node: Node<'_, '_>, name: &str) -> Option<String> {
    node.attribute(name).map(str::to_owned)
}

fn list_texts(list: Option<Node<'_, '_>>, item: &str, field: &str) -> Vec<String> {
    let Some(list) = list else { return Vec::new() };
    elements(list, item)
        .filter_map(|n| text(n, field))
        .collect()
}
