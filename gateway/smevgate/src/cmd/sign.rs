//! `smevgate sign`: adds the ЭП-ОВ (CallerInformationSystemSignature) for
//! the element the envelope's operation signs, and prints the envelope.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};

use crate::cli::SignArgs;

/// Runs `sign`.
pub fn run(args: SignArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let key_pem = std::fs::read_to_string(&args.key)
        .with_context(|| format!("cannot read {}", args.key.display()))?;
    let cert_pem = std::fs::read_to_string(&args.cert)
        .with_context(|| format!("cannot read {}", args.cert.display()))?;
    let key = gost::SigningKey::from_pkcs8_pem(&key_pem).context("unusable key")?;
    let cert = gost::Certificate::from_pem(&cert_pem).context("unusable certificate")?;
    let signed = sign_envelope(&bytes, &key, &cert)?;
    std::io::stdout().write_all(signed.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Signs the operation's target element of `envelope` and places the
/// signature in CallerInformationSystemSignature (replacing an empty or
/// old one, or adding one right after the signed element).
pub fn sign_envelope(
    envelope: &[u8],
    key: &gost::SigningKey,
    cert: &gost::Certificate,
) -> anyhow::Result<String> {
    let inbound = wire::read_envelope(envelope, &wire::Limits::default())
        .context("not an SMEV request envelope")?;
    let target = inbound.request.signed_target();
    let Some(id) = target.id else {
        bail!("the element this operation signs has no Id attribute");
    };
    let signature = dsig::sign_in_document(envelope, id, key, cert).context("signing failed")?;
    let text = std::str::from_utf8(envelope).context("envelope is not utf-8")?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = envelope.len() - text.len();
    let types_ns = inbound.version.types_ns();
    let wrapper = |inner: &str| {
        format!(
            "<sg:CallerInformationSystemSignature xmlns:sg=\"{types_ns}\">{inner}\
             </sg:CallerInformationSystemSignature>"
        )
    };
    let (start, end) = match inbound.request.caller_signature() {
        Some(span) => (span.start - offset, span.end - offset),
        None => (target.span.end - offset, target.span.end - offset),
    };
    Ok(format!(
        "{}{}{}",
        &text[..start],
        wrapper(&signature),
        &text[end..]
    ))
}
