//! The synchronous front half of every exchange: decode, validate, verify,
//! identify. CPU only, no I/O; it returns owned data so no parse tree
//! outlives it.
//!
//! Order, as SMEV applies it: envelope structure → SMEV XSD → ЭП-ОВ →
//! sender → operation rules (MessageID, EOL, timestamps, payload schema).

use time::OffsetDateTime;
use wire::{
    InboundRequest, Operation, ResponseContent, SignatureFailure, ValidationError, Version,
};

use crate::error::ExchangeError;
use crate::message_id::{self, MessageIdCheck};
use crate::node::Node;
use crate::registry::Service;

/// A request that passed every synchronous check.
pub(crate) struct Checked {
    pub version: Version,
    pub operation: Operation,
    pub request: InboundRequest,
    /// Mnemonic of the registered system whose certificate signed.
    pub caller: String,
    /// Exclusive-c14n forms of the signed data and of the caller's
    /// `ds:Signature`, for SendRequest and SendResponse (stored and later
    /// embedded byte for byte).
    pub parts: Option<SignedParts>,
}

/// Self-contained XML kept for delivery.
pub(crate) struct SignedParts {
    pub data: String,
    pub signature: String,
}

/// A refusal with whatever was learnt before it, for the fault and the
/// journal.
pub(crate) struct Refusal {
    pub version: Option<Version>,
    pub operation: Option<Operation>,
    pub message_id: Option<String>,
    pub sender: Option<String>,
    pub error: ExchangeError,
}

/// Runs every synchronous check on one envelope.
pub(crate) fn check(node: &Node, bytes: &[u8], now: OffsetDateTime) -> Result<Checked, Refusal> {
    let inbound = wire::read_envelope(bytes, &node.limits).map_err(|e| Refusal {
        version: e.version(),
        operation: None,
        message_id: None,
        sender: None,
        error: ExchangeError::Envelope(e),
    })?;
    let mut refusal = Refusal {
        version: Some(inbound.version),
        operation: Some(inbound.operation),
        message_id: request_message_id(&inbound.request),
        sender: None,
        error: ExchangeError::Internal(String::new()),
    };
    let refuse = |mut refusal: Refusal, error| {
        refusal.error = error;
        refusal
    };

    let options = xml::ParseOptions {
        max_bytes: node.limits.max_bytes,
        max_depth: node.limits.max_depth.min(xml::LIBXML2_MAX_DEPTH),
    };
    let doc = match xml::Document::parse_with(bytes, &options) {
        Ok(doc) => doc,
        Err(e) => {
            let error = wire::EnvelopeError::NotWellFormed(e.to_string());
            return Err(refuse(refusal, ExchangeError::Envelope(error)));
        }
    };
    if let Err(error) = validate_envelope(node, &doc, &inbound) {
        return Err(refuse(refusal, error));
    }
    let (caller, signature_index) = match verify_caller(node, bytes, &doc, &inbound, now) {
        Ok(found) => found,
        Err(error) => return Err(refuse(refusal, error)),
    };
    refusal.sender = Some(caller.clone());
    if let Err(error) = check_operation(node, &doc, &inbound.request, now) {
        return Err(refuse(refusal, error));
    }
    let parts = match signed_parts(&doc, &inbound.request, signature_index) {
        Ok(parts) => parts,
        Err(error) => return Err(refuse(refusal, error)),
    };
    Ok(Checked {
        version: inbound.version,
        operation: inbound.operation,
        request: inbound.request,
        caller,
        parts,
    })
}

fn request_message_id(request: &InboundRequest) -> Option<String> {
    match request {
        InboundRequest::SendRequest(r) => Some(r.data.message_id.clone()),
        InboundRequest::SendResponse(r) => Some(r.data.message_id.clone()),
        InboundRequest::Ack(r) => Some(r.target.message_id.clone()),
        _ => None,
    }
}

/// The operation element against the SMEV XSD of its version.
fn validate_envelope(
    node: &Node,
    doc: &xml::Document,
    inbound: &wire::Inbound,
) -> Result<(), ExchangeError> {
    let version = inbound.version;
    let target = xml::Target::nth(version.types_ns(), inbound.operation.request_element(), 0);
    let violations = node.schemas.get(version).validate(doc, &target);
    if violations.is_empty() {
        return Ok(());
    }
    Err(ExchangeError::EnvelopeInvalid(to_validation_errors(
        violations,
    )))
}

pub(crate) fn to_validation_errors(violations: Vec<xml::Violation>) -> Vec<ValidationError> {
    violations
        .into_iter()
        .map(|v| ValidationError {
            message: v.message,
            position: if v.line == 0 {
                -1
            } else {
                i32::try_from(v.line).unwrap_or(-1)
            },
        })
        .collect()
}

/// Verifies the ЭП-ОВ and finds the registered system that made it.
/// Returns its mnemonic and the signature's index among `ds:Signature`s.
fn verify_caller(
    node: &Node,
    bytes: &[u8],
    doc: &xml::Document,
    inbound: &wire::Inbound,
    now: OffsetDateTime,
) -> Result<(String, usize), ExchangeError> {
    use SignatureFailure::*;
    let no_signature = || ExchangeError::signature(NoSignatureFound, "no ЭП-ОВ in the request");
    if inbound.request.caller_signature().is_none() {
        return Err(no_signature());
    }
    let signatures = dsig::find_signatures(bytes)
        .map_err(|e| ExchangeError::signature(SignatureIsInvalid, e.to_string()))?;
    let wrapper = dsig::Wrapper::CallerInformationSystemSignature;
    let Some(signature) = signatures.iter().find(|s| s.wrapper == wrapper) else {
        return Err(no_signature());
    };
    let Some(target) = inbound.request.signed_target().id else {
        let reason = "the signed element has no Id";
        return Err(ExchangeError::signature(IncorrectSignatureTarget, reason));
    };
    let verdict = dsig::verify(doc, signature, Some(target), Some(now));
    refuse_unless_valid(&verdict.outcome)?;
    let der = signature
        .parts
        .as_ref()
        .ok()
        .and_then(|parts| parts.certificate.as_deref())
        .ok_or_else(|| ExchangeError::signature(CertificateIsNotFound, "no certificate"))?;
    let registry = node.registry();
    let system = registry
        .system_by_certificate(der)
        .ok_or(ExchangeError::SenderIsNotRegistered)?;
    Ok((system.mnemonic.clone(), signature.index))
}

fn refuse_unless_valid(outcome: &dsig::Outcome) -> Result<(), ExchangeError> {
    use dsig::Outcome;
    use SignatureFailure::*;
    let (kind, reason) = match outcome {
        Outcome::Valid => return Ok(()),
        Outcome::NoSignatureFound => (NoSignatureFound, "no signature".to_owned()),
        Outcome::IncorrectSignatureTarget { expected, found } => (
            IncorrectSignatureTarget,
            format!("signs #{found}, expected #{expected}"),
        ),
        Outcome::SignatureIsInvalid { reason } => (SignatureIsInvalid, reason.clone()),
        Outcome::CertificateIsNotFound => (CertificateIsNotFound, "no certificate".to_owned()),
        Outcome::CertificateIsExpired => (CertificateIsExpired, "certificate expired".to_owned()),
    };
    Err(ExchangeError::signature(kind, reason))
}

/// The rules of each operation that need no store.
fn check_operation(
    node: &Node,
    doc: &xml::Document,
    request: &InboundRequest,
    now: OffsetDateTime,
) -> Result<(), ExchangeError> {
    match request {
        InboundRequest::SendRequest(r) => {
            check_message_id(node, &r.data.message_id, now)?;
            check_eol(r.data.eol.as_deref(), now)?;
            check_attachments(
                &r.data.attachment_header_content_ids,
                &r.attachment_content_ids,
            )?;
            let payload = &r.data.payload;
            let registry = node.registry();
            let service = registry
                .service(&payload.namespace, &payload.local_name)
                .ok_or_else(|| ExchangeError::BusinessDataTypeIsNotSupported {
                    namespace: payload.namespace.clone(),
                    local: payload.local_name.clone(),
                })?;
            check_personal_signature(service, r.data.personal_signature.is_some())?;
            validate_payload(&service.schema, doc, payload)
        }
        InboundRequest::SendResponse(r) => {
            check_message_id(node, &r.data.message_id, now)?;
            check_response_content(node, doc, &r.data.content, &r.attachment_content_ids)
        }
        InboundRequest::GetRequest(r) | InboundRequest::GetResponse(r) => {
            check_timestamp(node, &r.selector.timestamp, now)
        }
        InboundRequest::GetStatus(r) => check_timestamp(node, &r.timestamp.value, now),
        InboundRequest::GetIncomingQueueStatistics(r) => {
            check_timestamp(node, &r.timestamp.value, now)
        }
        InboundRequest::Ack(_) => Ok(()),
    }
}

fn check_response_content(
    node: &Node,
    doc: &xml::Document,
    content: &ResponseContent,
    contents: &[String],
) -> Result<(), ExchangeError> {
    let ResponseContent::Primary {
        payload,
        attachment_header_content_ids,
        ..
    } = content
    else {
        return Ok(());
    };
    check_attachments(attachment_header_content_ids, contents)?;
    let registry = node.registry();
    if registry
        .service(&payload.namespace, &payload.local_name)
        .is_some()
    {
        return Err(ExchangeError::IncorrectResponseContentType);
    }
    let service = registry
        .services()
        .find(|s| s.namespace == payload.namespace)
        .ok_or_else(|| ExchangeError::BusinessDataTypeIsNotSupported {
            namespace: payload.namespace.clone(),
            local: payload.local_name.clone(),
        })?;
    validate_payload(&service.schema, doc, payload)
}

/// A ВС that requires ЭП-СП refuses a request without `PersonalSignature`,
/// as a content fault the sender can fix (the element is optional in the
/// SMEV schema; the ВС makes it mandatory).
fn check_personal_signature(service: &Service, present: bool) -> Result<(), ExchangeError> {
    if present || !service.personal_signature_required {
        return Ok(());
    }
    let message = format!(
        "Отсутствует ЭП-СП (PersonalSignature), обязательная для вида сведений {{{}}}{}",
        service.namespace, service.root
    );
    Err(ExchangeError::PayloadInvalid(vec![ValidationError {
        message,
        position: -1,
    }]))
}

fn validate_payload(
    schema: &xml::SchemaSet,
    doc: &xml::Document,
    payload: &wire::Payload,
) -> Result<(), ExchangeError> {
    let target = xml::Target::nth(&payload.namespace, &payload.local_name, 0);
    let violations = schema.validate(doc, &target);
    if violations.is_empty() {
        return Ok(());
    }
    Err(ExchangeError::PayloadInvalid(to_validation_errors(
        violations,
    )))
}

fn check_message_id(node: &Node, id: &str, now: OffsetDateTime) -> Result<(), ExchangeError> {
    match message_id::check(id) {
        MessageIdCheck::V1(at) => {
            let window = node.settings.stale_message_id_after;
            if message_id::is_stale(at, now, window) {
                return Err(ExchangeError::StaleMessageId);
            }
            Ok(())
        }
        MessageIdCheck::NotAUuid | MessageIdCheck::NotVersion1 => {
            Err(ExchangeError::InvalidMessageIdFormat)
        }
    }
}

fn check_eol(eol: Option<&str>, now: OffsetDateTime) -> Result<(), ExchangeError> {
    let Some(eol) = eol else {
        return Ok(());
    };
    match parse_datetime(eol) {
        Some(at) if at < now => Err(ExchangeError::EndOfLifeReached),
        Some(_) => Ok(()),
        None => Err(ExchangeError::EnvelopeInvalid(vec![ValidationError {
            message: format!("EOL {eol:?} is not an xs:dateTime"),
            position: -1,
        }])),
    }
}

fn check_timestamp(node: &Node, text: &str, now: OffsetDateTime) -> Result<(), ExchangeError> {
    let window = node.settings.timestamp_window;
    match parse_datetime(text) {
        Some(at) if (at - now).abs() <= window => Ok(()),
        _ => Err(ExchangeError::TimestampOutOfWindow(text.to_owned())),
    }
}

/// Every `AttachmentHeader/contentId` must name one `AttachmentContent/Id`
/// and the counts must match; order is irrelevant (CASES B11).
fn check_attachments(headers: &[String], contents: &[String]) -> Result<(), ExchangeError> {
    let mut headers = headers.to_vec();
    let mut contents = contents.to_vec();
    headers.sort();
    contents.sort();
    if headers != contents {
        return Err(ExchangeError::AttachmentContentMiscoordination);
    }
    Ok(())
}

/// Parses an xs:dateTime; one without a zone is read as UTC.
pub(crate) fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&format!("{text}Z"), &Rfc3339).ok())
}

/// The c14n forms of the signed data and the caller's signature.
fn signed_parts(
    doc: &xml::Document,
    request: &InboundRequest,
    signature_index: usize,
) -> Result<Option<SignedParts>, ExchangeError> {
    let id = match request {
        InboundRequest::SendRequest(r) => r.data.id.as_deref(),
        InboundRequest::SendResponse(r) => r.data.id.as_deref(),
        _ => return Ok(None),
    };
    let id = id.ok_or_else(|| ExchangeError::Internal("signed data without Id".into()))?;
    let c14n = |target: &xml::Target| {
        doc.exc_c14n(target, &[])
            .map_err(|e| ExchangeError::Internal(format!("c14n failed: {e}")))
            .and_then(|bytes| {
                String::from_utf8(bytes).map_err(|_| ExchangeError::Internal("c14n utf-8".into()))
            })
    };
    let data = c14n(&xml::Target::by_id(id))?;
    let signature = c14n(&xml::Target::nth(
        wire::XMLDSIG,
        "Signature",
        signature_index,
    ))?;
    Ok(Some(SignedParts { data, signature }))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn parse_datetime_reads_zones_and_fractions() {
        let at = parse_datetime("2021-03-23T07:03:07.000+03:00").unwrap();
        assert_eq!(at, datetime!(2021-03-23 04:03:07 UTC));
        assert_eq!(
            parse_datetime("2024-03-01T10:00:00").unwrap(),
            datetime!(2024-03-01 10:00 UTC)
        );
        assert!(parse_datetime("yesterday").is_none());
    }

    #[test]
    fn check_attachments_ignores_order_but_not_names() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_attachments(&ids(&["a", "b"]), &ids(&["b", "a"])).is_ok());
        let b11 = check_attachments(&ids(&["att-1"]), &ids(&["att-2"]));
        assert!(matches!(
            b11,
            Err(ExchangeError::AttachmentContentMiscoordination)
        ));
        let counts = check_attachments(&ids(&["a"]), &ids(&["a", "a"]));
        assert!(matches!(
            counts,
            Err(ExchangeError::AttachmentContentMiscoordination)
        ));
    }

    #[test]
    fn check_eol_in_the_past_is_end_of_life() {
        let now = datetime!(2024-03-01 10:00 UTC);
        assert!(matches!(
            check_eol(Some("2024-03-01T09:59:59Z"), now),
            Err(ExchangeError::EndOfLifeReached)
        ));
        assert!(check_eol(Some("2024-03-02T00:00:00Z"), now).is_ok());
        assert!(check_eol(None, now).is_ok());
    }
}
