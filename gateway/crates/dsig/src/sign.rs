//! Producing SMEV 3 signatures: a compact `ds:Signature` element in the
//! profile of protocol brief §2.2 (prefix `ds`, `xmlns:ds` declared on it, no
//! whitespace text anywhere inside, base64 on one line).
//!
//! The digest of an element does not depend on where the element sits:
//! exclusive c14n renders only the namespaces the subtree visibly uses, and
//! the SMEV transform then renames every prefix and drops whitespace-only
//! text. So an element built as a standalone string (with its own `xmlns`
//! declarations) has the same digest inside any enclosing envelope, and
//! [`sign_element`] can sign it before the envelope exists.

use base64::Engine as _;

use crate::digest::{reference_digest, DigestError};
use crate::profile::{Algorithm, DSIG_NS, EXC_C14N_URI};
use crate::transform::SMEV_TRANSFORM_URI;

/// Why a signature could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The input could not be parsed.
    #[error("input cannot be parsed: {0}")]
    Parse(#[from] xml::ParseError),
    /// The digest of the element to sign could not be computed (missing or
    /// duplicate `Id`, content the SMEV transform rejects).
    #[error("element to sign: {0}")]
    Digest(#[from] DigestError),
    /// SignedInfo could not be canonicalized.
    #[error("signed info: {0}")]
    Canonicalize(#[from] xml::C14nError),
    /// The certificate could not be read.
    #[error("signer certificate: {0}")]
    Certificate(String),
    /// The certificate's key is not a GOST R 34.10-2012/256 key.
    #[error("signer certificate key algorithm `{0}` cannot sign in the smev 3 profile")]
    UnsupportedKey(String),
    /// The private key does not belong to the certificate.
    #[error("signing key does not match the certificate's public key")]
    KeyMismatch,
}

/// Signs a standalone, self-contained element (its own `xmlns`
/// declarations, attribute `Id="id"`) and returns the `ds:Signature` element
/// to place in the wrapper next to it.
///
/// # Errors
///
/// [`SignError`] when the element cannot be parsed or found, or the key and
/// certificate do not fit the profile.
pub fn sign_element(
    element_xml: &str,
    id: &str,
    key: &gost::SigningKey,
    cert: &gost::Certificate,
) -> Result<String, SignError> {
    sign_in_document(element_xml.as_bytes(), id, key, cert)
}

/// Signs the element carrying `Id="id"` inside a whole document (e.g. an
/// envelope) and returns the `ds:Signature` element.
///
/// # Errors
///
/// As [`sign_element`].
pub fn sign_in_document(
    doc_bytes: &[u8],
    id: &str,
    key: &gost::SigningKey,
    cert: &gost::Certificate,
) -> Result<String, SignError> {
    check_key_and_certificate(key, cert)?;
    let doc = xml::Document::parse(doc_bytes)?;
    let digest = reference_digest(&doc, id, &[])?;
    let signed_info = signed_info(id, &digest);

    let canonical = xml::exc_c14n_bytes(signed_info.as_bytes())?;
    let signature_value = key.sign_digest(&gost::streebog256(&canonical));
    Ok(signature_element(
        &signed_info,
        &signature_value,
        cert.as_der(),
    ))
}

/// The certificate must hold a 2012-256 key equal to `key`'s public half.
fn check_key_and_certificate(
    key: &gost::SigningKey,
    certificate: &gost::Certificate,
) -> Result<(), SignError> {
    let is_2012_256 = matches!(
        certificate.key_algorithm(),
        gost::KeyAlgorithm::Gost2012_256 { .. }
    );
    if !is_2012_256 {
        return Err(SignError::UnsupportedKey(format!(
            "{:?}",
            certificate.key_algorithm()
        )));
    }
    let public = certificate
        .verifying_key()
        .map_err(|err| SignError::Certificate(err.to_string()))?;
    if public.to_le_xy() != key.verifying_key().to_le_xy() {
        return Err(SignError::KeyMismatch);
    }
    Ok(())
}

/// The SignedInfo element, standalone (with its own `xmlns:ds`), already in
/// exclusive canonical form: exc-c14n of it inside `ds:Signature` renders
/// the same bytes, because `ds` is its only visibly used namespace.
fn signed_info(id: &str, digest: &[u8; 32]) -> String {
    let algorithm = Algorithm::Gost2012_256;
    let digest = base64::engine::general_purpose::STANDARD.encode(digest);
    let mut out = String::with_capacity(1024);
    out.push_str(&format!("<ds:SignedInfo xmlns:ds=\"{DSIG_NS}\">"));
    push_method(&mut out, "CanonicalizationMethod", EXC_C14N_URI);
    push_method(&mut out, "SignatureMethod", algorithm.signature_uri());
    out.push_str("<ds:Reference URI=\"#");
    push_attr_escaped(&mut out, id);
    out.push_str("\"><ds:Transforms>");
    push_method(&mut out, "Transform", EXC_C14N_URI);
    push_method(&mut out, "Transform", SMEV_TRANSFORM_URI);
    out.push_str("</ds:Transforms>");
    push_method(&mut out, "DigestMethod", algorithm.digest_uri());
    out.push_str(&format!(
        "<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"
    ));
    out.push_str("</ds:SignedInfo>");
    out
}

/// The whole `ds:Signature`; SignedInfo loses its own `xmlns:ds`, which the
/// Signature element now declares.
fn signature_element(signed_info: &str, signature_value: &[u8; 64], cert_der: &[u8]) -> String {
    let b64 = &base64::engine::general_purpose::STANDARD;
    let own_declaration = format!(" xmlns:ds=\"{DSIG_NS}\"");
    let signed_info = signed_info.replacen(&own_declaration, "", 1);
    format!(
        "<ds:Signature xmlns:ds=\"{DSIG_NS}\">{signed_info}\
         <ds:SignatureValue>{}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate>\
         </ds:X509Data></ds:KeyInfo></ds:Signature>",
        b64.encode(signature_value),
        b64.encode(cert_der),
    )
}

/// `<ds:{element} Algorithm="{uri}"></ds:{element}>`: canonical form writes
/// empty elements as start/end pairs.
fn push_method(out: &mut String, element: &str, uri: &str) {
    out.push_str(&format!(
        "<ds:{element} Algorithm=\"{uri}\"></ds:{element}>"
    ));
}

/// Canonical attribute-value escaping (`&`, `<`, `"`, TAB, LF, CR).
fn push_attr_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}
