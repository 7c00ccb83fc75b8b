//! Every row of the error → fault table, pinned.

use wire::{FaultCode, FaultKind, SignatureFailure, ValidationError};

use super::to_fault;
use crate::error::ExchangeError;

/// Checks one row: the fault element, faultcode, and the Description
/// catalogue prefix.
fn check(error: ExchangeError, kind: FaultKind, code: FaultCode, prefix: Option<&str>) {
    let fault = to_fault(&error);
    assert_eq!(fault.kind, kind, "kind for {error:?}");
    assert_eq!(fault.faultcode, code, "faultcode for {error:?}");
    match prefix {
        Some(prefix) => {
            let description = fault.description.clone().unwrap_or_default();
            assert!(
                description.starts_with(prefix),
                "{description:?} for {error:?}"
            );
        }
        None => assert!(fault.description.is_none() || !fault.faultstring.is_empty()),
    }
    assert!(
        !fault.faultstring.is_empty(),
        "empty faultstring for {error:?}"
    );
    assert_eq!(fault.http_status(), 500);
}

fn violation(message: &str, position: i32) -> ValidationError {
    ValidationError {
        message: message.to_owned(),
        position,
    }
}

#[test]
fn to_fault_signature_rows_are_smev_100() {
    use SignatureFailure::*;
    for kind in [
        PoorSoapEnvelopeFormat,
        NoSignatureFound,
        IncorrectSignatureTarget,
        SignatureIsInvalid,
        CertificateIsNotFound,
        CertificateIsExpired,
    ] {
        let error = ExchangeError::signature(kind, "x");
        let want = FaultKind::SignatureVerification(kind);
        check(error, want, FaultCode::Server, Some("SMEV-100:"));
    }
}

#[test]
fn to_fault_no_signature_reads_as_smev_writes_it() {
    let fault = to_fault(&ExchangeError::signature(
        SignatureFailure::NoSignatureFound,
        "",
    ));
    assert_eq!(fault.faultstring, "Отсутствует ЭП-ОВ");
    assert_eq!(
        fault.description.as_deref(),
        Some("SMEV-100:Отсутствует ЭП-ОВ")
    );
}

#[test]
fn to_fault_content_rows_are_smev_403() {
    let errors = vec![violation("a", 3), violation("b", 7)];
    let want = FaultKind::InvalidContent(errors.clone());
    check(
        ExchangeError::EnvelopeInvalid(errors.clone()),
        want.clone(),
        FaultCode::Server,
        Some("SMEV-403:"),
    );
    check(
        ExchangeError::PayloadInvalid(errors),
        want,
        FaultCode::Server,
        Some("SMEV-403:"),
    );
    let fault = to_fault(&ExchangeError::TimestampOutOfWindow(
        "2020-01-01T00:00:00Z".into(),
    ));
    let FaultKind::InvalidContent(errors) = fault.kind else {
        panic!("timestamp must give InvalidContent");
    };
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("2020-01-01T00:00:00Z"));
}

#[test]
fn to_fault_void_rows_map_one_to_one() {
    let rows = [
        (
            ExchangeError::SenderIsNotRegistered,
            FaultKind::SenderIsNotRegistered,
        ),
        (
            ExchangeError::InvalidMessageIdFormat,
            FaultKind::InvalidMessageIdFormat,
        ),
        (ExchangeError::StaleMessageId, FaultKind::StaleMessageId),
        (
            ExchangeError::MessageIsAlreadySent("x".into()),
            FaultKind::MessageIsAlreadySent,
        ),
        (ExchangeError::EndOfLifeReached, FaultKind::EndOfLifeReached),
        (
            ExchangeError::RecipientIsNotFound,
            FaultKind::RecipientIsNotFound,
        ),
        (
            ExchangeError::IncorrectResponseContentType,
            FaultKind::IncorrectResponseContentType,
        ),
        (
            ExchangeError::AttachmentContentMiscoordination,
            FaultKind::AttachmentContentMiscoordination,
        ),
        (
            ExchangeError::TargetMessageIsNotFound("x".into()),
            FaultKind::TargetMessageIsNotFound,
        ),
        (
            ExchangeError::UnknownMessageType {
                namespace: "n".into(),
                local: "l".into(),
            },
            FaultKind::UnknownMessageType,
        ),
        (
            ExchangeError::Internal("bug".into()),
            FaultKind::SmevFailure,
        ),
    ];
    for (error, kind) in rows {
        check(error, kind, FaultCode::Server, None);
    }
}

#[test]
fn to_fault_unsupported_type_names_the_root() {
    let error = ExchangeError::BusinessDataTypeIsNotSupported {
        namespace: "urn://q".into(),
        local: "Query".into(),
    };
    let want = FaultKind::BusinessDataTypeIsNotSupported {
        local_name: "Query".into(),
        namespace: "urn://q".into(),
    };
    check(error, want, FaultCode::Server, None);
}

#[test]
fn to_fault_overflow_names_the_queue() {
    let fault = to_fault(&ExchangeError::DestinationOverflow(
        "PROV01/requests".into(),
    ));
    let FaultKind::DestinationOverflow { destination, .. } = fault.kind else {
        panic!("overflow expected");
    };
    assert_eq!(destination, "PROV01/requests");
}

#[test]
fn to_fault_transport_rows_are_client_faults() {
    let fault = to_fault(&ExchangeError::ContentType("application/json".into()));
    assert_eq!(
        (fault.kind, fault.faultcode),
        (FaultKind::Client, FaultCode::Client)
    );
    let fault = to_fault(&ExchangeError::UnreadableBody);
    assert_eq!(
        (fault.kind, fault.faultcode),
        (FaultKind::Client, FaultCode::Client)
    );
    let fault = to_fault(&ExchangeError::TooLarge(1024));
    assert_eq!(
        (fault.kind, fault.faultcode),
        (FaultKind::Client, FaultCode::Client)
    );
    let mismatch = wire::EnvelopeError::VersionMismatch {
        namespace: wire::SOAP12_ENV.into(),
    };
    let fault = to_fault(&ExchangeError::Envelope(mismatch));
    assert_eq!(fault.faultcode, FaultCode::VersionMismatch);
    let no_header = wire::EnvelopeError::NoHeader {
        version: Some(wire::Version::V1_1),
    };
    let fault = to_fault(&ExchangeError::Envelope(no_header));
    let want = FaultKind::SignatureVerification(SignatureFailure::PoorSoapEnvelopeFormat);
    assert_eq!(fault.kind, want);
}

#[test]
fn to_fault_internal_detail_never_reaches_the_faultstring() {
    let fault = to_fault(&ExchangeError::Internal("secret table name".into()));
    assert!(!fault.faultstring.contains("secret"));
    assert!(!fault.description.unwrap_or_default().contains("secret"));
}
