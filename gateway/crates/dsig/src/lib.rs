//! The SMEV transform and the SMEV 3 XMLDSig profile.
//!
//! - [`transform`]: the `urn://smev-gov-ru/xmldsig/transform` algorithm, the
//!   second transform of every SMEV 3 reference.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod transform;

pub use transform::{smev_transform, TransformError, SMEV_TRANSFORM_URI};
