//! Encoders for every response a node emits, written the way SMEV writes
//! them (brief §1.3, §1.7): `soap:` envelope without a header, `ns2` =
//! types, `ns3` = faults, the default namespace = basic, and no whitespace
//! between elements.
//!
//! One exception to SMEV's style: the bodies of `GetRequestResponse` and
//! `GetResponseResponse` declare no default namespace, because they embed
//! stored fragments byte for byte. A fragment produced by exclusive c14n
//! declares every prefix it uses but never says `xmlns=""` at its top, so
//! an unqualified business element inside it would silently move into the
//! basic namespace under an inherited default.
//!
//! Signed elements (`MessageMetadata`, `Request`, `Response`,
//! `AsyncProcessingStatusData`) are built as standalone strings carrying
//! their own namespace declarations, handed to the [`Signer`], and embedded
//! unchanged before the `SMEVSignature` holding the returned signature.

use crate::data::AsyncProcessingStatus;
use crate::fault::{write_fault_fields, FaultKind};
use crate::metadata::{write_metadata, MessageMetadata};
use crate::operation::Operation;
use crate::version::{Version, SOAP_ENV, XSI};
use crate::writer::XmlWriter;

/// Makes a signature: given a standalone element and the `Id` it carries,
/// returns a `ds:Signature` element referencing `#<Id>`.
pub type Signer<'a> = dyn Fn(&str, &str) -> String + 'a;

/// The `Id` SMEV gives the elements it signs.
pub const SMEV_SIGNED_ID: &str = "SIGNED_BY_SMEV";
/// The `Id` of `SenderProvidedResponseData` in SMEV's own status messages.
pub const SMEV_ASYNC_ID: &str = "SIGNED_ASYNC_BY_SMEV";

/// A `RequestMessage` to deliver through GetRequest.
#[derive(Debug, Clone, Copy)]
pub struct RequestMessage<'a> {
    /// `Request/@Id`, the ЭП-СМЭВ target.
    pub id: &'a str,
    /// The stored `SenderProvidedRequestData` (self-contained XML).
    pub request_data: &'a str,
    /// `MessageMetadata` to write inside `Request`.
    pub metadata: &'a MessageMetadata,
    /// `ReplyTo` (required in 1.1/1.2, optional in 1.3).
    pub reply_to: Option<&'a str>,
    /// The sender's stored `ds:Signature` (self-contained XML).
    pub sender_signature: Option<&'a str>,
}

/// A `ResponseMessage` to deliver through GetResponse.
#[derive(Debug, Clone, Copy)]
pub struct ResponseMessage<'a> {
    /// `Response/@Id`, the ЭП-СМЭВ target.
    pub id: &'a str,
    /// `OriginalMessageId`: the request this answers.
    pub original_message_id: Option<&'a str>,
    /// The stored `SenderProvidedResponseData` (self-contained XML).
    pub response_data: &'a str,
    /// `MessageMetadata` to write inside `Response`.
    pub metadata: &'a MessageMetadata,
    /// The sender's stored `ds:Signature` (self-contained XML).
    pub sender_signature: Option<&'a str>,
}

/// A status to deliver through GetStatus.
#[derive(Debug, Clone, Copy)]
pub struct StatusMessage<'a> {
    /// `AsyncProcessingStatusData/@Id`, the ЭП-СМЭВ target.
    pub id: &'a str,
    /// The status.
    pub status: &'a AsyncProcessingStatus,
}

/// One `QueueStatistics` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStatistics {
    /// `@queueName` (≤200 characters).
    pub queue_name: String,
    /// `@pendingMessageNumber`.
    pub pending_messages: i64,
}

/// `SendRequestResponse`: the receipt, with `MessageMetadata` signed by us
/// (its `Id` defaults to [`SMEV_SIGNED_ID`]).
pub fn write_send_request_response(
    version: Version,
    metadata: &MessageMetadata,
    sign: &Signer<'_>,
) -> String {
    write_receipt(version, Operation::SendRequest, metadata, sign)
}

/// `SendResponseResponse`: same shape as [`write_send_request_response`].
pub fn write_send_response_response(
    version: Version,
    metadata: &MessageMetadata,
    sign: &Signer<'_>,
) -> String {
    write_receipt(version, Operation::SendResponse, metadata, sign)
}

/// `GetRequestResponse`: empty when `message` is `None` (empty queue).
pub fn write_get_request_response(
    version: Version,
    message: Option<&RequestMessage<'_>>,
    sign: &Signer<'_>,
) -> String {
    let name = qname(Operation::GetRequest);
    let mut w = XmlWriter::new();
    let Some(message) = message else {
        w.empty(&name, &fragment_ns(version));
        return envelope(&w.finish());
    };
    let request = write_request_element(version, message);
    w.open(&name, &fragment_ns(version));
    w.open("ns2:RequestMessage", &[]).raw(&request);
    write_smev_signature(&mut w, &request, message.id, sign);
    w.close("ns2:RequestMessage").close(&name);
    envelope(&w.finish())
}

/// `GetResponseResponse`: an empty element when `message` is `None`.
pub fn write_get_response_response(
    version: Version,
    message: Option<&ResponseMessage<'_>>,
    sign: &Signer<'_>,
) -> String {
    let name = qname(Operation::GetResponse);
    let mut w = XmlWriter::new();
    let Some(message) = message else {
        w.empty(&name, &fragment_ns(version));
        return envelope(&w.finish());
    };
    let response = write_response_element(version, message);
    w.open(&name, &fragment_ns(version));
    w.open("ns2:ResponseMessage", &[]).raw(&response);
    write_smev_signature(&mut w, &response, message.id, sign);
    w.close("ns2:ResponseMessage").close(&name);
    envelope(&w.finish())
}

/// `AckResponse` (empty).
pub fn write_ack_response(version: Version) -> String {
    let mut w = XmlWriter::new();
    w.empty(&qname(Operation::Ack), &smev_ns(version));
    envelope(&w.finish())
}

/// `GetStatusResponse`: empty when `message` is `None`, otherwise
/// `SmevAsyncProcessingMessage` with the signed `AsyncProcessingStatusData`.
pub fn write_get_status_response(
    version: Version,
    message: Option<&StatusMessage<'_>>,
    sign: &Signer<'_>,
) -> String {
    let name = qname(Operation::GetStatus);
    let mut w = XmlWriter::new();
    let Some(message) = message else {
        w.empty(&name, &smev_ns(version));
        return envelope(&w.finish());
    };
    let mut data = XmlWriter::new();
    let mut attrs = smev_ns(version).to_vec();
    attrs.push(("Id", message.id));
    data.open("ns2:AsyncProcessingStatusData", &attrs);
    write_async_status(&mut data, version, message.status);
    data.close("ns2:AsyncProcessingStatusData");
    let data = data.finish();
    w.open(&name, &smev_ns(version))
        .open("ns2:SmevAsyncProcessingMessage", &[]);
    w.raw(&data);
    write_smev_signature(&mut w, &data, message.id, sign);
    w.close("ns2:SmevAsyncProcessingMessage").close(&name);
    envelope(&w.finish())
}

/// `GetIncomingQueueStatisticsResponse` (1.1 and 1.2).
pub fn write_queue_statistics_response(version: Version, queues: &[QueueStatistics]) -> String {
    let name = qname(Operation::GetIncomingQueueStatistics);
    let mut w = XmlWriter::new();
    w.open(&name, &smev_ns(version));
    for queue in queues {
        let pending = queue.pending_messages.to_string();
        let attrs = [
            ("queueName", queue.queue_name.as_str()),
            ("pendingMessageNumber", &pending),
        ];
        w.empty("ns2:QueueStatistics", &attrs);
    }
    w.close(&name);
    envelope(&w.finish())
}

/// The standalone `SenderProvidedResponseData` of a status message the
/// node itself produces (`Id` = [`SMEV_ASYNC_ID`], brief §1.7). Sign it,
/// store it, and deliver it as a [`ResponseMessage`] with that signature
/// as `sender_signature`.
pub fn write_async_status_data(
    version: Version,
    message_id: &str,
    to: &str,
    status: &AsyncProcessingStatus,
) -> String {
    let mut w = XmlWriter::new();
    let mut attrs = fragment_ns(version).to_vec();
    attrs.push(("Id", SMEV_ASYNC_ID));
    w.open("ns2:SenderProvidedResponseData", &attrs);
    w.leaf("ns2:MessageID", message_id).leaf("ns2:To", to);
    write_async_status(&mut w, version, status);
    w.close("ns2:SenderProvidedResponseData");
    w.finish()
}

fn write_receipt(
    version: Version,
    operation: Operation,
    metadata: &MessageMetadata,
    sign: &Signer<'_>,
) -> String {
    let id = metadata.id.as_deref().unwrap_or(SMEV_SIGNED_ID);
    let mut md = metadata.clone();
    md.id = Some(id.to_owned());
    let mut signed = XmlWriter::new();
    write_metadata(&mut signed, version, &md, &smev_ns(version));
    let signed = signed.finish();
    let name = qname(operation);
    let mut w = XmlWriter::new();
    w.open(&name, &smev_ns(version)).raw(&signed);
    write_smev_signature(&mut w, &signed, id, sign);
    w.close(&name);
    envelope(&w.finish())
}

fn write_request_element(version: Version, message: &RequestMessage<'_>) -> String {
    let mut w = XmlWriter::new();
    let mut attrs = fragment_ns(version).to_vec();
    attrs.push(("Id", message.id));
    w.open("ns2:Request", &attrs).raw(message.request_data);
    write_metadata(&mut w, version, message.metadata, &[]);
    w.leaf_opt("ns2:ReplyTo", message.reply_to);
    write_sender_signature(&mut w, message.sender_signature);
    w.close("ns2:Request");
    w.finish()
}

fn write_response_element(version: Version, message: &ResponseMessage<'_>) -> String {
    let mut w = XmlWriter::new();
    let mut attrs = fragment_ns(version).to_vec();
    attrs.push(("Id", message.id));
    w.open("ns2:Response", &attrs);
    w.leaf_opt("ns2:OriginalMessageId", message.original_message_id);
    w.raw(message.response_data);
    write_metadata(&mut w, version, message.metadata, &[]);
    write_sender_signature(&mut w, message.sender_signature);
    w.close("ns2:Response");
    w.finish()
}

fn write_sender_signature(w: &mut XmlWriter, signature: Option<&str>) {
    if let Some(signature) = signature {
        w.open("ns2:SenderInformationSystemSignature", &[])
            .raw(signature);
        w.close("ns2:SenderInformationSystemSignature");
    }
}

/// Writes `ns2:AsyncProcessingStatus`; its `SmevFault` declares the basic
/// default namespace itself so it reads the same in any context.
pub(crate) fn write_async_status(
    w: &mut XmlWriter,
    version: Version,
    status: &AsyncProcessingStatus,
) {
    w.open("ns2:AsyncProcessingStatus", &[]);
    w.leaf("ns2:OriginalMessageId", &status.original_message_id);
    w.leaf("ns2:StatusCategory", &status.category);
    w.leaf_opt("ns2:StatusDetails", status.details.as_deref());
    if let Some(fault) = &status.fault {
        let xsi_type = fault_type_name(&fault.kind).map(|t| format!("ns3:{t}"));
        let mut attrs = vec![("xmlns", version.basic_ns())];
        if let Some(xsi_type) = &xsi_type {
            attrs.push(("xmlns:xsi", XSI));
            attrs.push(("xsi:type", xsi_type));
        }
        w.open("ns2:SmevFault", &attrs);
        write_fault_fields(w, fault);
        w.close("ns2:SmevFault");
    }
    w.close("ns2:AsyncProcessingStatus");
}

/// The faults-namespace complex type extending `SmevFault` for `kind`,
/// usable as `xsi:type`; Void and plain kinds have none.
fn fault_type_name(kind: &FaultKind) -> Option<&'static str> {
    match kind {
        FaultKind::BusinessDataTypeIsNotSupported { .. } => Some("BusinessDataTypeIsNotSupported"),
        FaultKind::InvalidContent(_) => Some("InvalidContent"),
        FaultKind::AttachmentSizeLimitExceeded { .. } => Some("AttachmentSizeLimitExceeded"),
        FaultKind::QuoteLimitExceeded { .. } => Some("QuoteLimitExceeded"),
        FaultKind::SignatureVerification(_) => Some("SignatureVerificationFault"),
        FaultKind::DestinationOverflow { .. } => Some("DestinationOverflow"),
        _ => None,
    }
}

fn write_smev_signature(w: &mut XmlWriter, element: &str, id: &str, sign: &Signer<'_>) {
    w.open("ns2:SMEVSignature", &[]).raw(&sign(element, id));
    w.close("ns2:SMEVSignature");
}

fn qname(operation: Operation) -> String {
    format!("ns2:{}", operation.response_element())
}

/// SMEV's declarations: basic as default, `ns2` types, `ns3` faults.
fn smev_ns(version: Version) -> [(&'static str, &'static str); 3] {
    [
        ("xmlns", version.basic_ns()),
        ("xmlns:ns2", version.types_ns()),
        ("xmlns:ns3", version.faults_ns()),
    ]
}

/// Declarations for elements that embed stored fragments: no default.
fn fragment_ns(version: Version) -> [(&'static str, &'static str); 2] {
    [
        ("xmlns:ns2", version.types_ns()),
        ("xmlns:ns3", version.faults_ns()),
    ]
}

/// Wraps a body element in a header-less SOAP 1.1 envelope.
pub(crate) fn envelope(body: &str) -> String {
    let mut w = XmlWriter::new();
    w.open("soap:Envelope", &[("xmlns:soap", SOAP_ENV)])
        .open("soap:Body", &[]);
    w.raw(body).close("soap:Body").close("soap:Envelope");
    w.finish()
}
