//! Verifying one SMEV 3 signature and reporting what was found (protocol
//! brief §2.2–2.4).
//!
//! The outcome is a value ([`Verdict`]) named after SMEV's
//! `SignatureVerificationFault` enumeration; `Err` is kept for inputs that
//! cannot be searched at all. Checks run in this order: shape, expected
//! target, certificate present and readable, algorithm triple (before any
//! cryptography, CASES B05), then both the digest and the SignatureValue
//! (both are always computed, so the report says which one failed), then the
//! certificate's validity at the given instant.
//!
//! The SignatureValue is checked over `exc-c14n(SignedInfo)` exactly as the
//! document stands: whitespace inside SignedInfo is part of what was signed,
//! and is never repaired here.

use time::OffsetDateTime;

use crate::digest::{reference_digest, signed_info_hash};
use crate::profile::Algorithm;
use crate::signature::{find_signatures, FindError, SignatureParts, SignatureRef, Wrapper};

/// The result of verifying one signature, with what was learnt on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The outcome.
    pub outcome: Outcome,
    /// What the signature said and which checks passed.
    pub report: SignatureReport,
}

/// The outcome of a verification, named after SMEV's
/// `SignatureVerificationFault` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Shape, digest, SignatureValue and (if asked) validity all pass.
    Valid,
    /// There is no `ds:Signature` where one was expected.
    NoSignatureFound,
    /// The Reference points at another element than the expected one.
    IncorrectSignatureTarget {
        /// The `Id` the caller expected to be signed.
        expected: String,
        /// The `Id` the Reference points at.
        found: String,
    },
    /// The signature is malformed, non-conformant, or does not verify.
    SignatureIsInvalid {
        /// Why, in words.
        reason: String,
    },
    /// No `X509Certificate` in KeyInfo.
    CertificateIsNotFound,
    /// The signature verifies, but the certificate was not valid at the
    /// instant given to [`verify`].
    CertificateIsExpired,
}

/// What one signature said, and which checks passed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureReport {
    /// The element holding the signature.
    pub wrapper: Option<Wrapper>,
    /// The `Id` the Reference points at.
    pub target_id: Option<String>,
    /// The SignatureMethod URI.
    pub signature_method: Option<String>,
    /// The DigestMethod URI.
    pub digest_method: Option<String>,
    /// The signer's certificate, when it could be read.
    pub certificate: Option<CertificateInfo>,
    /// Whether DigestValue matched the referenced element.
    pub digest: Check,
    /// Whether SignatureValue verified over SignedInfo.
    pub signature_value: Check,
}

/// The signer's certificate, as far as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The subject distinguished name.
    pub subject: String,
    /// The issuer distinguished name.
    pub issuer: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

/// The result of one cryptographic check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Check {
    /// The check did not run (an earlier check stopped verification).
    #[default]
    NotChecked,
    /// The check ran and passed.
    Passed,
    /// The check ran and failed.
    Failed,
}

/// Why a document could not be verified at all.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// libxml2 refused the document.
    #[error("document cannot be parsed: {0}")]
    Parse(#[from] xml::ParseError),
    /// The structure walk refused the document.
    #[error(transparent)]
    Find(#[from] FindError),
}

/// Verifies `sig`, found by [`find_signatures`] in the bytes `doc` was
/// parsed from. `expected_target` is the `Id` that must be signed;
/// `at` is the instant the certificate must be valid at (message time).
pub fn verify(
    doc: &xml::Document,
    sig: &SignatureRef,
    expected_target: Option<&str>,
    at: Option<OffsetDateTime>,
) -> Verdict {
    let mut report = SignatureReport {
        wrapper: Some(sig.wrapper.clone()),
        ..Default::default()
    };
    let parts = match &sig.parts {
        Ok(parts) => parts,
        Err(shape) => return Verdict::invalid(report, shape.to_string()),
    };
    report.target_id = Some(parts.target_id.clone());
    report.signature_method = Some(parts.signature_method.clone());
    report.digest_method = Some(parts.digest_method.clone());

    if let Some(expected) = expected_target.filter(|e| *e != parts.target_id) {
        let outcome = Outcome::IncorrectSignatureTarget {
            expected: expected.to_owned(),
            found: parts.target_id.clone(),
        };
        return Verdict { outcome, report };
    }
    let Some(der) = &parts.certificate else {
        return Verdict {
            outcome: Outcome::CertificateIsNotFound,
            report,
        };
    };
    let certificate = match gost::Certificate::from_der(der) {
        Ok(certificate) => certificate,
        Err(err) => return Verdict::invalid(report, format!("certificate cannot be read: {err}")),
    };
    report.certificate = Some(CertificateInfo::of(&certificate));
    verify_with_certificate(doc, sig, parts, &certificate, at, report)
}

/// Finds the signature held in `wrapper` and verifies it; a missing one is
/// [`Outcome::NoSignatureFound`].
///
/// `doc_bytes` must be the envelope with any MTOM `xop:Include` inside signed
/// data already resolved back to inline base64 (protocol brief §2.6).
///
/// # Errors
///
/// [`VerifyError`] when the bytes cannot be parsed.
pub fn verify_document(
    doc_bytes: &[u8],
    wrapper: &Wrapper,
    expected_target: Option<&str>,
    at: Option<OffsetDateTime>,
) -> Result<Verdict, VerifyError> {
    let signatures = find_signatures(doc_bytes)?;
    let Some(sig) = signatures.iter().find(|s| &s.wrapper == wrapper) else {
        let report = SignatureReport {
            wrapper: Some(wrapper.clone()),
            ..Default::default()
        };
        return Ok(Verdict {
            outcome: Outcome::NoSignatureFound,
            report,
        });
    };
    let doc = xml::Document::parse(doc_bytes)?;
    Ok(verify(&doc, sig, expected_target, at))
}

/// The algorithm, cryptographic and validity checks.
fn verify_with_certificate(
    doc: &xml::Document,
    sig: &SignatureRef,
    parts: &SignatureParts,
    certificate: &gost::Certificate,
    at: Option<OffsetDateTime>,
    mut report: SignatureReport,
) -> Verdict {
    let key_oid = Algorithm::key_oid_of(certificate.key_algorithm());
    if let Err(err) = Algorithm::negotiate(&parts.signature_method, &parts.digest_method, &key_oid)
    {
        return Verdict::invalid(report, err.to_string());
    }
    let key = match certificate.verifying_key() {
        Ok(key) => key,
        Err(err) => return Verdict::invalid(report, format!("certificate key: {err}")),
    };

    let digest_ok = match digest_matches(doc, parts) {
        Ok(ok) => ok,
        Err(reason) => return Verdict::invalid(report, reason),
    };
    let signature_ok = match signature_value_verifies(doc, sig, parts, &key) {
        Ok(ok) => ok,
        Err(reason) => return Verdict::invalid(report, reason),
    };
    report.digest = Check::from(digest_ok);
    report.signature_value = Check::from(signature_ok);

    let reason = match (digest_ok, signature_ok) {
        (true, true) => None,
        (false, true) => Some("digest value does not match the referenced element"),
        (true, false) => Some("signature value does not verify over signed info"),
        (false, false) => Some("digest value does not match and signature value does not verify"),
    };
    if let Some(reason) = reason {
        return Verdict::invalid(report, reason.to_owned());
    }
    if at.is_some_and(|at| !certificate.is_valid_at(at)) {
        return Verdict {
            outcome: Outcome::CertificateIsExpired,
            report,
        };
    }
    Verdict {
        outcome: Outcome::Valid,
        report,
    }
}

/// digest = streebog256(smev_transform(exc_c14n(target))).
// FIXME(#2): clients whose SMEV transform runs on the JDK's own StAX writer
// escape `>` in text differently from Woodstox, so their digests fail here
// when the signed text holds `>`. Right: on a failed digest over such text,
// retry with that writer's escaping and say so in the report, inbound only.
fn digest_matches(doc: &xml::Document, parts: &SignatureParts) -> Result<bool, String> {
    let prefixes: Vec<&str> = parts
        .transform_prefixes
        .iter()
        .map(String::as_str)
        .collect();
    let digest = reference_digest(doc, &parts.target_id, &prefixes)
        .map_err(|err| format!("reference: {err}"))?;
    Ok(digest.as_slice() == parts.digest_value.as_slice())
}

/// SignatureValue over streebog256(exc_c14n(SignedInfo)), as it stands.
fn signature_value_verifies(
    doc: &xml::Document,
    sig: &SignatureRef,
    parts: &SignatureParts,
    key: &gost::VerifyingKey,
) -> Result<bool, String> {
    let index = sig
        .signed_info_index
        .ok_or("signed info cannot be located")?;
    let prefixes: Vec<&str> = parts.c14n_prefixes.iter().map(String::as_str).collect();
    let hash =
        signed_info_hash(doc, index, &prefixes).map_err(|err| format!("signed info: {err}"))?;
    Ok(key.verify_digest(&hash, &parts.signature_value))
}

// === impl Verdict ===

impl Verdict {
    fn invalid(report: SignatureReport, reason: String) -> Self {
        Verdict {
            outcome: Outcome::SignatureIsInvalid { reason },
            report,
        }
    }

    /// Whether the outcome is [`Outcome::Valid`].
    pub fn is_valid(&self) -> bool {
        self.outcome == Outcome::Valid
    }
}

// === impl Outcome ===

impl Outcome {
    /// The `SignatureVerificationFault` enumeration value SMEV uses for this
    /// outcome; `None` for [`Outcome::Valid`].
    pub fn fault_code(&self) -> Option<&'static str> {
        match self {
            Outcome::Valid => None,
            Outcome::NoSignatureFound => Some("NoSignatureFound"),
            Outcome::IncorrectSignatureTarget { .. } => Some("IncorrectSignatureTarget"),
            Outcome::SignatureIsInvalid { .. } => Some("SignatureIsInvalid"),
            Outcome::CertificateIsNotFound => Some("CertificateIsNotFound"),
            Outcome::CertificateIsExpired => Some("CertificateIsExpired"),
        }
    }
}

// === impl CertificateInfo ===

impl CertificateInfo {
    fn of(certificate: &gost::Certificate) -> Self {
        CertificateInfo {
            subject: certificate.subject(),
            issuer: certificate.issuer(),
            not_before: certificate.not_before(),
            not_after: certificate.not_after(),
        }
    }
}

// === impl Check ===

impl From<bool> for Check {
    fn from(passed: bool) -> Self {
        if passed {
            Check::Passed
        } else {
            Check::Failed
        }
    }
}
