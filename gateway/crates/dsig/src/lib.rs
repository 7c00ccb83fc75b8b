//! The SMEV transform and the SMEV 3 XMLDSig profile.
//!
//! - [`transform`]: the `urn://smev-gov-ru/xmldsig/transform` algorithm, the
//!   second transform of every SMEV 3 reference.
//! - [`profile`]: namespace and algorithm identifiers, and the rule that one
//!   signature uses one GOST generation.
//! - [`signature`]: finding `ds:Signature` elements and reading their parts.
//! - [`digest`]: the reference digest and the SignedInfo hash.
//! - [`mod@verify`]: checking one signature into a [`Verdict`].
//! - [`sign`]: producing a compact `ds:Signature`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod digest;
pub mod profile;
pub mod sign;
pub mod signature;
pub mod transform;
pub mod verify;

pub use digest::{reference_digest, signed_info_hash, DigestError};
pub use profile::{Algorithm, AlgorithmError};
pub use sign::{sign_element, sign_in_document, SignError};
pub use signature::{
    find_signatures, FindError, ShapeError, SignatureParts, SignatureRef, Wrapper,
};
pub use transform::{smev_transform, TransformError, SMEV_TRANSFORM_URI};
pub use verify::{
    verify, verify_document, CertificateInfo, Check, Outcome, SignatureReport, Verdict, VerifyError,
};
