//! The two hashes of an SMEV 3 signature: the reference digest
//! `streebog256(smev_transform(exc_c14n(element)))` and the SignedInfo hash
//! `streebog256(exc_c14n(SignedInfo))` that the SignatureValue signs.

use crate::profile::DSIG_NS;
use crate::transform::{smev_transform, TransformError};

/// Why a digest could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The element could not be canonicalized (missing or duplicate `Id`,
    /// libxml2 failure).
    #[error(transparent)]
    Canonicalize(#[from] xml::C14nError),
    /// The canonical form could not be run through the SMEV transform.
    #[error("smev transform: {0}")]
    Transform(#[from] TransformError),
}

/// The DigestValue bytes for the element with `Id="id"`:
/// Streebog-256 of the SMEV transform of its exclusive canonical form.
///
/// # Errors
///
/// [`DigestError`] when the `Id` does not name exactly one element, or the
/// canonical form is rejected by the transform.
pub fn reference_digest(
    doc: &xml::Document,
    id: &str,
    inclusive_prefixes: &[&str],
) -> Result<[u8; 32], DigestError> {
    let canonical = doc.exc_c14n(&xml::Target::by_id(id), inclusive_prefixes)?;
    let transformed = smev_transform(&canonical)?;
    Ok(gost::streebog256(&transformed))
}

/// The hash a SignatureValue signs: Streebog-256 of the exclusive canonical
/// form of the `n`-th `ds:SignedInfo` of the document, as it stands.
///
/// # Errors
///
/// [`DigestError::Canonicalize`] when there is no such SignedInfo.
pub fn signed_info_hash(
    doc: &xml::Document,
    n: usize,
    inclusive_prefixes: &[&str],
) -> Result<[u8; 32], DigestError> {
    let target = xml::Target::nth(DSIG_NS, "SignedInfo", n);
    let canonical = doc.exc_c14n(&target, inclusive_prefixes)?;
    Ok(gost::streebog256(&canonical))
}
