//! The main acceptance test: every signature in the real SMEV 3 envelopes
//! published with Smev3Sharp (`tests/data/real/`, MIT, see README there).
//!
//! Expected results come from an independent check (README "Signature check
//! results"): as the files stand every digest matches except the two of
//! `GetResponseResponse_ValidResponse.xml` (payload edited by the author).

use std::fs;
use std::path::Path;

use dsig::{find_signatures, reference_digest, verify, Check, Outcome, Verdict, Wrapper};
use time::macros::datetime;
use time::OffsetDateTime;

fn read(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/real")
            .join(name),
    )
    .expect("real vector")
}

/// (wrapper, target id, digest matches) of every signature in `name`.
fn digests(name: &str) -> Vec<(Wrapper, String, bool)> {
    let bytes = read(name);
    let doc = xml::Document::parse(&bytes).expect("libxml2 parses the real file");
    find_signatures(&bytes)
        .expect("roxmltree parses the real file")
        .into_iter()
        .map(|sig| {
            let parts = sig.parts.expect("real signature has the smev 3 shape");
            let prefixes: Vec<&str> = parts
                .transform_prefixes
                .iter()
                .map(String::as_str)
                .collect();
            let digest = reference_digest(&doc, &parts.target_id, &prefixes).expect("digest");
            (
                sig.wrapper,
                parts.target_id,
                digest.as_slice() == parts.digest_value,
            )
        })
        .collect()
}

#[test]
fn send_request_response_smev_digest_matches() {
    assert_eq!(
        digests("SendRequestResponce.xml"),
        vec![(Wrapper::SmevSignature, "SIGNED_BY_SMEV".to_owned(), true)]
    );
}

#[test]
fn invalid_content_both_digests_match() {
    assert_eq!(
        digests("GetResponseResponce_InvalidContent.xml"),
        vec![
            (
                Wrapper::SenderInformationSystemSignature,
                "SIGNED_ASYNC_BY_SMEV".to_owned(),
                true
            ),
            (Wrapper::SmevSignature, "SIGNED_BY_SMEV".to_owned(), true),
        ]
    );
}

#[test]
fn valid_response_edited_payload_both_digests_fail() {
    assert_eq!(
        digests("GetResponseResponse_ValidResponse.xml"),
        vec![
            (
                Wrapper::SenderInformationSystemSignature,
                "SIGNED_BY_CALLER".to_owned(),
                false
            ),
            (Wrapper::SmevSignature, "SIGNED_BY_SMEV".to_owned(), false),
        ]
    );
}

#[test]
fn unsigned_real_files_have_no_signatures() {
    for name in [
        "GetResponseResponce_EmptyQueue.xml",
        "SoapFaultResponse.xml",
        "SoapFaultResponse_SignatureVerificationFault.xml",
    ] {
        assert!(
            find_signatures(&read(name)).expect(name).is_empty(),
            "{name}"
        );
    }
}

/// Removes whitespace-only text inside every `ds:SignedInfo`, restoring the
/// compact form SMEV signed. Done here, in the test, never in the library.
fn compact_signed_info(bytes: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("utf-8");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<ds:SignedInfo>") {
        let end = start + rest[start..].find("</ds:SignedInfo>").expect("closed");
        out.push_str(&rest[..start]);
        let mut inner = &rest[start..end];
        while let Some(gt) = inner.find('>') {
            out.push_str(&inner[..=gt]);
            inner = &inner[gt + 1..];
            let trimmed = inner.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('<') {
                inner = trimmed;
            }
        }
        out.push_str(inner);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Verifies every signature of `bytes` at `at`.
fn verdicts(bytes: &[u8], at: OffsetDateTime) -> Vec<Verdict> {
    let doc = xml::Document::parse(bytes).expect("libxml2 parses the file");
    let signatures = find_signatures(bytes).expect("roxmltree parses the file");
    signatures
        .iter()
        .map(|sig| verify(&doc, sig, None, Some(at)))
        .collect()
}

/// (digest, signature value, fault code) per signature.
fn summary(verdicts: &[Verdict]) -> Vec<(Check, Check, Option<&'static str>)> {
    verdicts
        .iter()
        .map(|v| {
            (
                v.report.digest,
                v.report.signature_value,
                v.outcome.fault_code(),
            )
        })
        .collect()
}

const INVALID: Option<&str> = Some("SignatureIsInvalid");

#[test]
fn real_files_as_they_stand_fail_every_signature_value() {
    let at = datetime!(2021-04-01 00:00 UTC);
    let cases = [
        (
            "SendRequestResponce.xml",
            vec![(Check::Passed, Check::Failed, INVALID)],
        ),
        (
            "GetResponseResponce_InvalidContent.xml",
            vec![
                (Check::Passed, Check::Failed, INVALID),
                (Check::Passed, Check::Failed, INVALID),
            ],
        ),
        (
            "GetResponseResponse_ValidResponse.xml",
            vec![
                (Check::Failed, Check::Failed, INVALID),
                (Check::Failed, Check::Failed, INVALID),
            ],
        ),
    ];
    for (name, expected) in cases {
        assert_eq!(summary(&verdicts(&read(name), at)), expected, "{name}");
    }
}

#[test]
fn real_files_with_compact_signed_info_verify_except_edited_payload() {
    let cases = [
        (
            "SendRequestResponce.xml",
            datetime!(2021-03-23 04:03 UTC),
            vec![None],
        ),
        (
            "GetResponseResponce_InvalidContent.xml",
            datetime!(2021-04-01 03:36 UTC),
            vec![None, None],
        ),
    ];
    for (name, at, expected) in cases {
        let verdicts = verdicts(&compact_signed_info(&read(name)), at);
        let codes: Vec<_> = verdicts.iter().map(|v| v.outcome.fault_code()).collect();
        assert_eq!(codes, expected, "{name}: {verdicts:#?}");
    }

    let edited = compact_signed_info(&read("GetResponseResponse_ValidResponse.xml"));
    let verdicts = verdicts(&edited, datetime!(2021-06-07 12:00 UTC));
    assert_eq!(
        summary(&verdicts),
        vec![
            (Check::Failed, Check::Passed, INVALID),
            (Check::Failed, Check::Passed, INVALID)
        ]
    );
}

#[test]
fn real_smev_signature_report_names_certificate_and_algorithms() {
    let bytes = compact_signed_info(&read("SendRequestResponce.xml"));
    let [verdict] = verdicts(&bytes, datetime!(2021-03-23 04:03 UTC))
        .try_into()
        .expect("one");
    assert!(verdict.is_valid(), "{verdict:#?}");

    let report = verdict.report;
    assert_eq!(report.wrapper, Some(Wrapper::SmevSignature));
    assert_eq!(report.target_id.as_deref(), Some("SIGNED_BY_SMEV"));
    assert_eq!(
        report.signature_method.as_deref(),
        Some("urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256")
    );
    assert_eq!(
        report.digest_method.as_deref(),
        Some("urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256")
    );
    let certificate = report.certificate.expect("certificate read");
    assert!(
        certificate.issuer.contains("Тестовый УЦ РТК"),
        "{}",
        certificate.issuer
    );
    assert!(
        certificate
            .subject
            .contains("Министерство цифрового развития"),
        "{}",
        certificate.subject
    );
    assert_eq!(certificate.not_before, datetime!(2020-09-02 07:57:34 UTC));
    assert_eq!(certificate.not_after, datetime!(2021-09-02 08:07:34 UTC));
}

#[test]
fn real_smev_signature_after_certificate_end_is_expired() {
    let bytes = compact_signed_info(&read("SendRequestResponce.xml"));
    let [verdict] = verdicts(&bytes, datetime!(2024-01-01 00:00 UTC))
        .try_into()
        .expect("one");
    assert_eq!(verdict.outcome, Outcome::CertificateIsExpired);
    assert_eq!(verdict.report.digest, Check::Passed);
    assert_eq!(verdict.report.signature_value, Check::Passed);
}

#[test]
fn real_smev_signature_for_other_target_is_incorrect_target() {
    let bytes = read("SendRequestResponce.xml");
    let doc = xml::Document::parse(&bytes).expect("parse");
    let sig = &find_signatures(&bytes).expect("find")[0];
    let verdict = verify(&doc, sig, Some("SIGNED_BY_CALLER"), None);
    assert_eq!(
        verdict.outcome,
        Outcome::IncorrectSignatureTarget {
            expected: "SIGNED_BY_CALLER".to_owned(),
            found: "SIGNED_BY_SMEV".to_owned(),
        }
    );
    assert_eq!(verdict.report.digest, Check::NotChecked);
}
