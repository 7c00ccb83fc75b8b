//! The SMEV 3 profile end to end on our own signatures: sign then verify,
//! placement independence of the digest, and each way a signature can be
//! wrong (tampering, shape, transforms, algorithms, certificate).

use base64::Engine as _;
use dsig::{
    find_signatures, sign_element, sign_in_document, verify_document, Check, Outcome, Verdict,
    Wrapper,
};
use time::OffsetDateTime;

const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const SMEVT: &str = "urn://smev-gov-ru/xmldsig/transform";
const SIG2012: &str = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256";
const DIG2012: &str = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256";
const ID: &str = "SIGNED_BY_CALLER";

/// The element the node builds as a standalone string and signs.
const ELEMENT: &str = "<t:SenderProvidedRequestData \
    xmlns:t=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2\" \
    Id=\"SIGNED_BY_CALLER\"><t:MessageID>77419000-d7b2-11ee-8aaa-000000000001</t:MessageID>\
    <MessagePrimaryContent xmlns=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/\
    types/basic/1.2\">\
    <q:Query xmlns:q=\"urn://example.invalid/fake-service/1.0.0\" q:kind=\"a&amp;b\">\
    <q:Code>X-000</q:Code><q:Note>x &gt; y</q:Note></q:Query></MessagePrimaryContent>\
    </t:SenderProvidedRequestData>";

struct Signer {
    key: gost::SigningKey,
    cert: gost::Certificate,
}

fn signer() -> Signer {
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = gost::self_signed(&key, "smevgate dsig test", Some("smevgate"), 30);
    Signer { key, cert }
}

/// An envelope holding `element` (indented, as a pretty-printer would) and
/// the ЭП-ОВ wrapper with `signature`; ancestors declare extra namespaces.
fn envelope(element: &str, signature: &str) -> String {
    let indented = element.replace("><", ">\n      <");
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:unused=\"urn:unused\"><soap:Body>\n  <t:SendRequestRequest \
         xmlns:t=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2\">\n    \
         {indented}\n    <t:CallerInformationSystemSignature>{signature}\
         </t:CallerInformationSystemSignature>\n  </t:SendRequestRequest>\n</soap:Body>\
         </soap:Envelope>"
    )
}

fn check(envelope: &str) -> Verdict {
    let wrapper = Wrapper::CallerInformationSystemSignature;
    verify_document(
        envelope.as_bytes(),
        &wrapper,
        Some(ID),
        Some(OffsetDateTime::now_utc()),
    )
    .expect("envelope parses")
}

fn invalid_reason(verdict: &Verdict) -> &str {
    match &verdict.outcome {
        Outcome::SignatureIsInvalid { reason } => reason,
        other => panic!("expected SignatureIsInvalid, got {other:?}"),
    }
}

/// Signs an arbitrary SignedInfo (standalone, with `xmlns` on it) and wraps
/// it into a Signature whose element is `<{prefix}Signature {decl}>`.
fn signature_from(signer: &Signer, signed_info: &str, prefix: &str, decl: &str) -> String {
    let canonical = xml::exc_c14n_bytes(signed_info.as_bytes()).expect("c14n");
    let value = signer.key.sign_digest(&gost::streebog256(&canonical));
    let b64 = &base64::engine::general_purpose::STANDARD;
    let inner = signed_info.replacen(&format!(" {decl}"), "", 1);
    format!(
        "<{prefix}Signature {decl}>{inner}<{prefix}SignatureValue>{}</{prefix}SignatureValue>\
         <{prefix}KeyInfo><{prefix}X509Data><{prefix}X509Certificate>{}</{prefix}X509Certificate>\
         </{prefix}X509Data></{prefix}KeyInfo></{prefix}Signature>",
        b64.encode(value),
        b64.encode(signer.cert.as_der())
    )
}

/// A `ds:` SignedInfo with the given methods, transforms and digest.
fn signed_info(
    signature_method: &str,
    transforms: &[&str],
    digest_method: &str,
    digest: &[u8],
) -> String {
    let transforms: String = transforms
        .iter()
        .map(|t| format!("<ds:Transform Algorithm=\"{t}\"></ds:Transform>"))
        .collect();
    format!(
        "<ds:SignedInfo xmlns:ds=\"{DS}\"><ds:CanonicalizationMethod Algorithm=\"{C14N}\">\
         </ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{signature_method}\">\
         </ds:SignatureMethod><ds:Reference URI=\"#{ID}\"><ds:Transforms>{transforms}\
         </ds:Transforms><ds:DigestMethod Algorithm=\"{digest_method}\"></ds:DigestMethod>\
         <ds:DigestValue>{}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn smev_digest() -> [u8; 32] {
    let doc = xml::Document::parse(ELEMENT.as_bytes()).expect("element parses");
    dsig::reference_digest(&doc, ID, &[]).expect("digest")
}

#[test]
fn sign_element_then_verify_in_indented_envelope_is_valid() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let verdict = check(&envelope(ELEMENT, &signature));
    assert!(verdict.is_valid(), "{verdict:#?}");
    assert_eq!(verdict.report.digest, Check::Passed);
    assert_eq!(verdict.report.signature_value, Check::Passed);
    assert_eq!(
        verdict.report.certificate.expect("cert").subject,
        signer.cert.subject()
    );
}

#[test]
fn standalone_digest_equals_digest_inside_envelope() {
    let signer = signer();
    let standalone = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let whole = envelope(ELEMENT, "");
    let in_document =
        sign_in_document(whole.as_bytes(), ID, &signer.key, &signer.cert).expect("sign");

    let digest_of = |signature: &str| {
        let found = find_signatures(signature.as_bytes()).expect("parse");
        found[0].parts.clone().expect("shape").digest_value
    };
    assert_eq!(digest_of(&standalone), smev_digest().to_vec());
    assert_eq!(digest_of(&in_document), smev_digest().to_vec());

    let verdict = check(&envelope(ELEMENT, &in_document));
    assert!(verdict.is_valid(), "{verdict:#?}");
}

#[test]
fn signature_element_is_compact_with_ds_prefix() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let head = format!(
        "<ds:Signature xmlns:ds=\"{DS}\"><ds:SignedInfo><ds:CanonicalizationMethod \
         Algorithm=\"{C14N}\"></ds:CanonicalizationMethod><ds:SignatureMethod \
         Algorithm=\"{SIG2012}\"></ds:SignatureMethod><ds:Reference URI=\"#{ID}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"{C14N}\"></ds:Transform><ds:Transform Algorithm=\"{SMEVT}\">\
         </ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"{DIG2012}\"></ds:DigestMethod>"
    );
    assert!(signature.starts_with(&head), "{signature}");
    assert!(signature.ends_with("</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"));
    // No whitespace text nodes anywhere, base64 on one line.
    assert!(!signature.contains(['\n', '\r', '\t']), "{signature}");
    assert!(!signature.contains("> "), "{signature}");
}

#[test]
fn tampered_payload_fails_digest_only() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let tampered = envelope(&ELEMENT.replace("X-000", "X-001"), &signature);
    let verdict = check(&tampered);
    assert_eq!(
        invalid_reason(&verdict),
        "digest value does not match the referenced element"
    );
    assert_eq!(verdict.report.digest, Check::Failed);
    assert_eq!(verdict.report.signature_value, Check::Passed);
}

#[test]
fn tampered_signed_info_fails_signature_value_only() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    // Re-indenting SignedInfo changes what exc-c14n renders; no repair.
    let reindented = signature.replacen("<ds:SignedInfo>", "<ds:SignedInfo>\n  ", 1);
    let verdict = check(&envelope(ELEMENT, &reindented));
    assert_eq!(
        invalid_reason(&verdict),
        "signature value does not verify over signed info"
    );
    assert_eq!(verdict.report.digest, Check::Passed);
    assert_eq!(verdict.report.signature_value, Check::Failed);
}

#[test]
fn missing_reference_target_is_invalid() {
    let signer = signer();
    let other = ELEMENT.replace("Id=\"SIGNED_BY_CALLER\"", "Id=\"SOMETHING_ELSE\"");
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let verdict = check(&envelope(&other, &signature));
    let reason = invalid_reason(&verdict);
    assert!(reason.contains("no element matches"), "{reason}");
    assert_eq!(verdict.report.digest, Check::NotChecked);
}

#[test]
fn duplicate_reference_target_is_invalid() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let twice = format!("{ELEMENT}{ELEMENT}");
    let reason = invalid_reason(&check(&envelope(&twice, &signature))).to_owned();
    assert!(reason.contains("not unique"), "{reason}");
}

#[test]
fn two_references_are_non_conformant() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let start = signature.find("<ds:Reference ").expect("reference");
    let end = signature.find("</ds:Reference>").expect("reference end") + "</ds:Reference>".len();
    let doubled = format!("{}{}", &signature[..end], &signature[start..]);
    let verdict = check(&envelope(ELEMENT, &doubled));
    assert_eq!(
        invalid_reason(&verdict),
        "expected exactly one ds:Reference, found 2"
    );
}

#[test]
fn reversed_or_missing_transforms_are_non_conformant() {
    let signer = signer();
    let digest = smev_digest();
    for transforms in [
        vec![SMEVT, C14N],
        vec![C14N],
        vec![SMEVT],
        vec![C14N, SMEVT, C14N],
    ] {
        let info = signed_info(SIG2012, &transforms, DIG2012, &digest);
        let signature = signature_from(&signer, &info, "ds:", &format!("xmlns:ds=\"{DS}\""));
        let verdict = check(&envelope(ELEMENT, &signature));
        let reason = invalid_reason(&verdict);
        assert!(
            reason.starts_with("transforms must be [exc-c14n, smev transform]"),
            "{reason}"
        );
        assert_eq!(verdict.report.digest, Check::NotChecked);
    }
}

#[test]
fn digest_over_plain_c14n_without_transform_is_invalid() {
    // CASES B04: a client that skipped the SMEV transform.
    let signer = signer();
    let doc = xml::Document::parse(ELEMENT.as_bytes()).expect("parse");
    let plain = doc.exc_c14n(&xml::Target::by_id(ID), &[]).expect("c14n");
    let info = signed_info(SIG2012, &[C14N, SMEVT], DIG2012, &gost::streebog256(&plain));
    let signature = signature_from(&signer, &info, "ds:", &format!("xmlns:ds=\"{DS}\""));
    let verdict = check(&envelope(ELEMENT, &signature));
    assert_eq!(
        invalid_reason(&verdict),
        "digest value does not match the referenced element"
    );
    assert_eq!(verdict.report.signature_value, Check::Passed);
}

#[test]
fn unknown_or_mixed_algorithms_are_rejected_before_crypto() {
    // CASES B05 and its companion table: cross-generation mixes.
    let signer = signer();
    let digest = smev_digest();
    let urn2001 = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102001-gostr3411";
    let cases = [
        (urn2001, DIG2012, urn2001),
        (
            "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411",
            DIG2012,
            "gostr34102001",
        ),
        (
            SIG2012,
            "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512",
            "gostr34112012-512",
        ),
        (
            "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512",
            "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512",
            "1.2.643.7.1.1.1.1",
        ),
    ];
    for (signature_method, digest_method, named) in cases {
        let info = signed_info(signature_method, &[C14N, SMEVT], digest_method, &digest);
        let signature = signature_from(&signer, &info, "ds:", &format!("xmlns:ds=\"{DS}\""));
        let verdict = check(&envelope(ELEMENT, &signature));
        let reason = invalid_reason(&verdict);
        assert!(reason.contains(named), "{signature_method}: {reason}");
        assert_eq!(
            verdict.report.digest,
            Check::NotChecked,
            "{signature_method}"
        );
        assert_eq!(
            verdict.report.signature_value,
            Check::NotChecked,
            "{signature_method}"
        );
    }
}

#[test]
fn default_namespace_signature_with_ids_is_valid() {
    let signer = signer();
    let info = signed_info(SIG2012, &[C14N, SMEVT], DIG2012, &smev_digest())
        .replace("ds:", "")
        .replace("xmlns:ds=", "xmlns=")
        .replace("<Reference ", "<Reference Id=\"ref-1\" ");
    let signature = signature_from(&signer, &info, "", &format!("xmlns=\"{DS}\""))
        .replacen("<Signature ", "<Signature Id=\"sig-1\" ", 1)
        .replacen("<KeyInfo>", "<KeyInfo Id=\"key-1\">", 1);
    let verdict = check(&envelope(ELEMENT, &signature));
    assert!(verdict.is_valid(), "{verdict:#?}");
}

#[test]
fn empty_wrapper_is_no_signature_found() {
    let verdict = check(&envelope(ELEMENT, ""));
    assert_eq!(verdict.outcome, Outcome::NoSignatureFound);
    assert_eq!(verdict.outcome.fault_code(), Some("NoSignatureFound"));
}

#[test]
fn signature_without_key_info_is_certificate_not_found() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let start = signature.find("<ds:KeyInfo>").expect("key info");
    let stripped = format!("{}</ds:Signature>", &signature[..start]);
    let verdict = check(&envelope(ELEMENT, &stripped));
    assert_eq!(verdict.outcome, Outcome::CertificateIsNotFound);
}

#[test]
fn signature_checked_after_certificate_end_is_expired() {
    let signer = signer();
    let signature = sign_element(ELEMENT, ID, &signer.key, &signer.cert).expect("sign");
    let later = OffsetDateTime::now_utc() + time::Duration::days(60);
    let wrapper = Wrapper::CallerInformationSystemSignature;
    let verdict = verify_document(
        envelope(ELEMENT, &signature).as_bytes(),
        &wrapper,
        None,
        Some(later),
    )
    .expect("parse");
    assert_eq!(verdict.outcome, Outcome::CertificateIsExpired);
}

#[test]
fn signing_with_foreign_key_is_refused() {
    let signer = signer();
    let other = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let err = sign_element(ELEMENT, ID, &other, &signer.cert).unwrap_err();
    assert!(matches!(err, dsig::SignError::KeyMismatch), "{err}");
}

#[test]
fn signing_unknown_id_is_refused() {
    let signer = signer();
    let err = sign_element(ELEMENT, "NOPE", &signer.key, &signer.cert).unwrap_err();
    assert!(err.to_string().contains("no element matches"), "{err}");
}
