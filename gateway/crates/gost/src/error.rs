//! The crate's one error type.

/// Everything that can go wrong while decoding keys, certificates or
/// signatures. A signature that simply does not verify is not an error: the
/// verify functions return `false` for it.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum GostError {
    /// A byte string had the wrong length for what it encodes.
    #[error("{what} must be {expected} bytes, got {actual}")]
    BadLength {
        /// What was being decoded.
        what: &'static str,
        /// The required length.
        expected: usize,
        /// The length we got.
        actual: usize,
    },
    /// A public key point does not satisfy the curve equation.
    #[error("public key point is not on the curve")]
    PointNotOnCurve,
    /// A scalar (private key) is zero or not below the group order.
    #[error("private key is out of range")]
    ScalarOutOfRange,
    /// The parameter set OID is not one we implement.
    #[error("unsupported parameter set {0}")]
    UnsupportedParamSet(String),
    /// The key or certificate uses an algorithm other than GOST R 34.10-2012
    /// with a 256-bit key.
    #[error("unsupported key algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// DER input could not be decoded.
    #[error("malformed der: {0}")]
    Der(&'static str),
    /// PEM input could not be decoded.
    #[error("malformed pem: {0}")]
    Pem(&'static str),
    /// A time field of a certificate could not be decoded or encoded.
    #[error("bad certificate time: {0}")]
    Time(&'static str),
    /// The operating system random number generator failed.
    #[error("random number generator failed")]
    Rng,
}
