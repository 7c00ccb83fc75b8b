//! Builders for the requests our client sends to SMEV (brief §1.3–§1.6):
//! `SendRequestRequest`, `SendResponseRequest`, `GetRequestRequest`,
//! `GetResponseRequest`, `AckRequest` and `GetStatusRequest`, each in an
//! envelope with an empty `soap:Header` (SMEV answers a missing header
//! with `PoorSOAPEnvelopeFormat`).
//!
//! Prefixes: `ns2` = types, `ns1` = basic, and no default namespace, so a
//! business payload with unqualified elements keeps meaning what it meant.
//! The element the ЭП-ОВ covers is built standalone with its own
//! declarations; with a [`Signer`] its signature goes into
//! `CallerInformationSystemSignature`, without one that element is left
//! out (valid for emulators; production SMEV refuses it with SMEV-100).

use crate::data::{Rejection, RequestStatus};
use crate::operation::Operation;
use crate::response::Signer;
use crate::version::{Version, SOAP_ENV};
use crate::writer::XmlWriter;

/// An `AttachmentHeader` inside the signed data.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentHeader<'a> {
    /// `contentId`: the `Id` of the matching [`AttachmentContent`].
    pub content_id: &'a str,
    /// `MimeType`, e.g. `application/pdf`.
    pub mime_type: &'a str,
    /// `SignaturePKCS7`: base64 detached CMS over the file, if any.
    pub signature_pkcs7: Option<&'a str>,
}

/// An `AttachmentContent` outside the signed data.
#[derive(Debug, Clone, Copy)]
pub struct AttachmentContent<'a> {
    /// `Id` (xs:ID, unique in the message).
    pub id: &'a str,
    /// `Content`, base64.
    pub content_base64: &'a str,
}

/// The content of a `SenderProvidedRequestData`.
#[derive(Debug, Clone, Copy)]
pub struct RequestInput<'a> {
    /// `@Id`, the ЭП-ОВ target (e.g. `SIGNED_BY_CONSUMER`).
    pub id: &'a str,
    /// `MessageID`: a lowercase UUID v1.
    pub message_id: &'a str,
    /// `ReferenceMessageID`.
    pub reference_message_id: Option<&'a str>,
    /// `TransactionCode`.
    pub transaction_code: Option<&'a str>,
    /// `NodeID`.
    pub node_id: Option<&'a str>,
    /// `EOL` (xs:dateTime text).
    pub eol: Option<&'a str>,
    /// The business root element, self-contained XML.
    pub payload: &'a str,
    /// `PersonalSignature` content (a `ds:Signature`), if any.
    pub personal_signature: Option<&'a str>,
    /// `AttachmentHeaderList` entries.
    pub attachment_headers: &'a [AttachmentHeader<'a>],
    /// Whether to add `TestMessage`.
    pub test_message: bool,
}

/// The content of a `SenderProvidedResponseData`.
#[derive(Debug, Clone, Copy)]
pub struct ResponseInput<'a> {
    /// `@Id`, the ЭП-ОВ target.
    pub id: &'a str,
    /// `MessageID`: a lowercase UUID v1.
    pub message_id: &'a str,
    /// `To`: the request's `ReplyTo`, unchanged.
    pub to: &'a str,
    /// The content choice.
    pub content: ResponseInputContent<'a>,
}

/// The content choice of a response we send.
#[derive(Debug, Clone, Copy)]
pub enum ResponseInputContent<'a> {
    /// A business answer.
    Primary {
        /// The business root element, self-contained XML.
        payload: &'a str,
        /// `PersonalSignature` content, if any.
        personal_signature: Option<&'a str>,
        /// `AttachmentHeaderList` entries.
        attachment_headers: &'a [AttachmentHeader<'a>],
    },
    /// `RequestRejected+` (at least one).
    Rejected(&'a [Rejection]),
    /// `RequestStatus`.
    Status(&'a RequestStatus),
}

/// The content of a `MessageTypeSelector`.
#[derive(Debug, Clone, Copy)]
pub struct SelectorInput<'a> {
    /// `@Id`, the ЭП-ОВ target.
    pub id: &'a str,
    /// `NamespaceURI` and `RootElementLocalName` of the wanted ВС.
    pub message_type: Option<(&'a str, &'a str)>,
    /// `Timestamp` (now, xs:dateTime text).
    pub timestamp: &'a str,
    /// `NodeID`.
    pub node_id: Option<&'a str>,
}

/// `SendRequestRequest`.
pub fn write_send_request_request(
    version: Version,
    input: &RequestInput<'_>,
    attachments: &[AttachmentContent<'_>],
    sign: Option<&Signer<'_>>,
) -> String {
    let mut data = XmlWriter::new();
    data.open(
        "ns2:SenderProvidedRequestData",
        &signed_attrs(version, input.id),
    );
    data.leaf("ns2:MessageID", input.message_id);
    data.leaf_opt("ns2:ReferenceMessageID", input.reference_message_id);
    data.leaf_opt("ns2:TransactionCode", input.transaction_code);
    data.leaf_opt("ns2:NodeID", input.node_id);
    data.leaf_opt("ns2:EOL", input.eol);
    write_primary(
        &mut data,
        input.payload,
        input.personal_signature,
        input.attachment_headers,
    );
    if input.test_message {
        data.empty("ns2:TestMessage", &[]);
    }
    data.close("ns2:SenderProvidedRequestData");
    let data = data.finish();
    write_request(
        version,
        Operation::SendRequest,
        &data,
        input.id,
        attachments,
        sign,
    )
}

/// `SendRequestRequest` around a `SenderProvidedRequestData` that is
/// already written (`data`, whose `Id` is `id`): a stored exclusive-c14n
/// fragment a node forwards to another node unchanged (issue #3).
pub fn write_send_request_of(
    version: Version,
    data: &str,
    id: &str,
    sign: Option<&Signer<'_>>,
) -> String {
    write_request(version, Operation::SendRequest, data, id, &[], sign)
}

/// `SendResponseRequest`.
pub fn write_send_response_request(
    version: Version,
    input: &ResponseInput<'_>,
    attachments: &[AttachmentContent<'_>],
    sign: Option<&Signer<'_>>,
) -> String {
    let mut data = XmlWriter::new();
    data.open(
        "ns2:SenderProvidedResponseData",
        &signed_attrs(version, input.id),
    );
    data.leaf("ns2:MessageID", input.message_id)
        .leaf("ns2:To", input.to);
    match input.content {
        ResponseInputContent::Primary {
            payload,
            personal_signature,
            attachment_headers,
        } => {
            write_primary(&mut data, payload, personal_signature, attachment_headers);
        }
        ResponseInputContent::Rejected(rejections) => {
            for rejection in rejections {
                data.open("ns2:RequestRejected", &[]);
                data.leaf("ns2:RejectionReasonCode", &rejection.code);
                data.leaf("ns2:RejectionReasonDescription", &rejection.description);
                data.close("ns2:RequestRejected");
            }
        }
        ResponseInputContent::Status(status) => write_request_status(&mut data, status),
    }
    data.close("ns2:SenderProvidedResponseData");
    let data = data.finish();
    write_request(
        version,
        Operation::SendResponse,
        &data,
        input.id,
        attachments,
        sign,
    )
}

/// `GetRequestRequest`.
pub fn write_get_request_request(
    version: Version,
    selector: &SelectorInput<'_>,
    sign: Option<&Signer<'_>>,
) -> String {
    let data = write_selector(version, selector);
    write_request(
        version,
        Operation::GetRequest,
        &data,
        selector.id,
        &[],
        sign,
    )
}

/// `GetResponseRequest`.
pub fn write_get_response_request(
    version: Version,
    selector: &SelectorInput<'_>,
    sign: Option<&Signer<'_>>,
) -> String {
    let data = write_selector(version, selector);
    write_request(
        version,
        Operation::GetResponse,
        &data,
        selector.id,
        &[],
        sign,
    )
}

/// `AckRequest` for the message whose `MessageMetadata/MessageId` is
/// `message_id`; `accepted` is false when its ЭП-СМЭВ failed.
pub fn write_ack_request(
    version: Version,
    id: &str,
    message_id: &str,
    accepted: bool,
    sign: Option<&Signer<'_>>,
) -> String {
    let accepted = if accepted { "true" } else { "false" };
    let mut data = XmlWriter::new();
    let attrs = [
        ("xmlns:ns1", version.basic_ns()),
        ("Id", id),
        ("accepted", accepted),
    ];
    data.open("ns1:AckTargetMessage", &attrs).text(message_id);
    data.close("ns1:AckTargetMessage");
    write_request(version, Operation::Ack, &data.finish(), id, &[], sign)
}

/// `GetStatusRequest` (its signature is mandatory in the schema).
pub fn write_get_status_request(
    version: Version,
    id: &str,
    timestamp: &str,
    sign: Option<&Signer<'_>>,
) -> String {
    let mut data = XmlWriter::new();
    data.open(
        "ns1:Timestamp",
        &[("xmlns:ns1", version.basic_ns()), ("Id", id)],
    );
    data.text(timestamp).close("ns1:Timestamp");
    write_request(version, Operation::GetStatus, &data.finish(), id, &[], sign)
}

fn write_request(
    version: Version,
    operation: Operation,
    signed: &str,
    id: &str,
    attachments: &[AttachmentContent<'_>],
    sign: Option<&Signer<'_>>,
) -> String {
    let name = format!("ns2:{}", operation.request_element());
    let mut w = XmlWriter::new();
    w.open("soap:Envelope", &[("xmlns:soap", SOAP_ENV)]);
    w.empty("soap:Header", &[]).open("soap:Body", &[]);
    let attrs = [
        ("xmlns:ns1", version.basic_ns()),
        ("xmlns:ns2", version.types_ns()),
    ];
    w.open(&name, &attrs).raw(signed);
    if !attachments.is_empty() {
        w.open("ns1:AttachmentContentList", &[]);
        for attachment in attachments {
            w.open("ns1:AttachmentContent", &[]);
            w.leaf("ns1:Id", attachment.id)
                .leaf("ns1:Content", attachment.content_base64);
            w.close("ns1:AttachmentContent");
        }
        w.close("ns1:AttachmentContentList");
    }
    if let Some(sign) = sign {
        w.open("ns2:CallerInformationSystemSignature", &[])
            .raw(&sign(signed, id));
        w.close("ns2:CallerInformationSystemSignature");
    }
    w.close(&name).close("soap:Body").close("soap:Envelope");
    w.finish()
}

fn signed_attrs(version: Version, id: &str) -> [(&'static str, &str); 3] {
    [
        ("xmlns:ns1", version.basic_ns()),
        ("xmlns:ns2", version.types_ns()),
        ("Id", id),
    ]
}

fn write_primary(
    w: &mut XmlWriter,
    payload: &str,
    personal_signature: Option<&str>,
    headers: &[AttachmentHeader<'_>],
) {
    w.open("ns1:MessagePrimaryContent", &[]).raw(payload);
    w.close("ns1:MessagePrimaryContent");
    if let Some(signature) = personal_signature {
        w.open("ns2:PersonalSignature", &[])
            .raw(signature)
            .close("ns2:PersonalSignature");
    }
    if headers.is_empty() {
        return;
    }
    w.open("ns1:AttachmentHeaderList", &[]);
    for header in headers {
        w.open("ns1:AttachmentHeader", &[]);
        w.leaf("ns1:contentId", header.content_id)
            .leaf("ns1:MimeType", header.mime_type);
        w.leaf_opt("ns1:SignaturePKCS7", header.signature_pkcs7);
        w.close("ns1:AttachmentHeader");
    }
    w.close("ns1:AttachmentHeaderList");
}

fn write_request_status(w: &mut XmlWriter, status: &RequestStatus) {
    w.open("ns2:RequestStatus", &[]);
    w.leaf("ns2:StatusCode", &status.code.to_string());
    for (key, value) in &status.parameters {
        w.open("ns2:StatusParameter", &[]);
        w.leaf("ns2:Key", key).leaf("ns2:Value", value);
        w.close("ns2:StatusParameter");
    }
    w.leaf("ns2:StatusDescription", &status.description);
    w.close("ns2:RequestStatus");
}

fn write_selector(version: Version, selector: &SelectorInput<'_>) -> String {
    let mut w = XmlWriter::new();
    let attrs = [("xmlns:ns1", version.basic_ns()), ("Id", selector.id)];
    w.open("ns1:MessageTypeSelector", &attrs);
    if let Some((namespace, local)) = selector.message_type {
        w.leaf("ns1:NamespaceURI", namespace)
            .leaf("ns1:RootElementLocalName", local);
    }
    w.leaf("ns1:Timestamp", selector.timestamp);
    w.leaf_opt("ns1:NodeID", selector.node_id);
    w.close("ns1:MessageTypeSelector");
    w.finish()
}
