//! `smevgate verify`: checks every signature in a document and prints a
//! verdict for each. Exit 0 only when every digest and every signature
//! value verifies (and, with `--at`, every certificate was valid then).

use std::process::ExitCode;

use anyhow::Context;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cli::VerifyArgs;

/// Runs `verify`.
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let at = match &args.at {
        Some(text) => Some(
            OffsetDateTime::parse(text, &Rfc3339)
                .with_context(|| format!("--at {text:?} is not an RFC 3339 instant"))?,
        ),
        None => None,
    };
    let signatures = dsig::find_signatures(&bytes).context("cannot read the document")?;
    if signatures.is_empty() {
        out!("{}: no signature found", args.file.display());
        return Ok(ExitCode::FAILURE);
    }
    let doc = xml::Document::parse(&bytes).context("cannot parse the document")?;
    let mut all_ok = true;
    for signature in &signatures {
        let verdict = dsig::verify(&doc, signature, None, at);
        all_ok &= print_verdict(&verdict);
    }
    out!(
        "{}",
        if all_ok {
            "result: valid"
        } else {
            "result: INVALID"
        }
    );
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints one signature's report; returns whether it counts as valid.
fn print_verdict(verdict: &dsig::Verdict) -> bool {
    let report = &verdict.report;
    let wrapper = report
        .wrapper
        .as_ref()
        .map_or("?".to_owned(), |w| w.local_name().to_owned());
    out!("signature in {wrapper}");
    out!(
        "  target:     #{}",
        report.target_id.as_deref().unwrap_or("?")
    );
    out!(
        "  signature:  {}",
        report.signature_method.as_deref().unwrap_or("?")
    );
    out!(
        "  digest alg: {}",
        report.digest_method.as_deref().unwrap_or("?")
    );
    if let Some(cert) = &report.certificate {
        out!("  subject:    {}", cert.subject);
        out!("  issuer:     {}", cert.issuer);
        out!(
            "  valid:      {} .. {}",
            rfc3339(cert.not_before),
            rfc3339(cert.not_after)
        );
    } else {
        out!("  subject:    (no certificate)");
    }
    out!("  digest:     {}", check(report.digest));
    out!("  value:      {}", check(report.signature_value));
    out!("  verdict:    {}", outcome(&verdict.outcome));
    matches!(verdict.outcome, dsig::Outcome::Valid)
}

fn check(check: dsig::Check) -> &'static str {
    match check {
        dsig::Check::Passed => "ok",
        dsig::Check::Failed => "FAILED",
        dsig::Check::NotChecked => "not checked",
    }
}

fn outcome(outcome: &dsig::Outcome) -> String {
    match outcome {
        dsig::Outcome::Valid => "valid".to_owned(),
        dsig::Outcome::NoSignatureFound => "NoSignatureFound".to_owned(),
        dsig::Outcome::IncorrectSignatureTarget { expected, found } => {
            format!("IncorrectSignatureTarget (expected #{expected}, found #{found})")
        }
        dsig::Outcome::SignatureIsInvalid { reason } => format!("SignatureIsInvalid: {reason}"),
        dsig::Outcome::CertificateIsNotFound => "CertificateIsNotFound".to_owned(),
        dsig::Outcome::CertificateIsExpired => "CertificateIsExpired".to_owned(),
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}
