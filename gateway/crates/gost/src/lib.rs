//! GOST R 34.11-2012 (Streebog) and GOST R 34.10-2012 signatures, keys and certificates.
//!
//! Everything here follows the byte conventions SMEV 3 uses on the wire
//! (protocol brief §2.4): Streebog bytes in output order, e read
//! little-endian, signatures s ‖ r big-endian, public keys X ‖ Y
//! little-endian. The arithmetic is pure Rust on `crypto-bigint`.
//!
//! OpenSSL's gost engine uses the same conventions (checked both ways in
//! `tests/openssl_gost.rs`): `openssl dgst -sign` output is s ‖ r, its SPKI and
//! PKCS#8 encodings are byte-identical to ours, so keys, signatures and
//! certificates move between the two unchanged.
//!
//! # Limits
//!
//! Only GOST R 34.10-2012 with 256-bit keys on the CryptoPro A/B/C/XchA/XchB
//! and TC26 paramSetA curves. No 512-bit keys, no GOST R 34.10-2001
//! signatures, no encrypted PKCS#8 and no CryptoPro key containers; a
//! certificate with such a key still parses, and
//! [`Certificate::verifying_key`] reports the algorithm as unsupported.
//!
//! # Layout
//!
//! - `hash`: Streebog-256.
//! - `param_set`, `curve`: named curves and their constants.
//! - `field`: prime-field arithmetic.
//! - `point`: curve arithmetic and scalar multiplication.
//! - `signature`: the GOST R 34.10-2012 sign and verify steps.
//! - `signing_key`, `verifying_key`: the public key types.
//! - `der`, `pem`: encodings; `spki`, `pkcs8`: key formats.
//! - `name`, `certificate`: X.509 certificates and self-signed issuance.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod certificate;
mod curve;
mod der;
mod error;
mod field;
mod hash;
mod name;
mod param_set;
mod pem;
mod pkcs8;
mod point;
mod signature;
mod signing_key;
mod spki;
mod verifying_key;

pub use certificate::{self_signed, Certificate};
pub use error::GostError;
pub use hash::{streebog256, Streebog256};
pub use name::NameAttribute;
pub use param_set::ParamSet;
pub use signing_key::SigningKey;
pub use spki::KeyAlgorithm;
pub use verifying_key::VerifyingKey;

/// The `Digest` trait, needed to drive [`Streebog256`] incrementally.
pub use ::streebog::Digest;
