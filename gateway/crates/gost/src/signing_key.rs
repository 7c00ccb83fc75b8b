//! The private half of a GOST R 34.10-2012 key and signing.

use crypto_bigint::U256;
use zeroize::Zeroizing;

use crate::curve::{dispatch, Curve};
use crate::error::GostError;
use crate::hash::streebog256;
use crate::param_set::ParamSet;
use crate::signature;
use crate::verifying_key::VerifyingKey;

/// A GOST R 34.10-2012 (256-bit) private key with its public key.
///
/// The secret scalar is wiped from memory when the key is dropped; `Debug`
/// shows only the public part.
#[derive(Clone)]
pub struct SigningKey {
    /// d as 32 little-endian bytes, the order OpenSSL's gost engine stores.
    d: Zeroizing<[u8; 32]>,
    verifying_key: VerifyingKey,
}

// === impl SigningKey ===

impl SigningKey {
    /// Generates a fresh key from the operating system's random source.
    ///
    /// # Panics
    ///
    /// If the operating system random number generator fails.
    pub fn generate(param_set: ParamSet) -> Self {
        Self::try_generate(param_set).expect("operating system random number generator failed")
    }

    /// Like [`SigningKey::generate`], reporting a random source failure.
    ///
    /// # Errors
    ///
    /// [`GostError::Rng`] if the operating system random source fails.
    pub fn try_generate(param_set: ParamSet) -> Result<Self, GostError> {
        let d = dispatch!(param_set.curve(), C => signature::random_scalar::<C>())?;
        Self::from_bytes_le(param_set, &d.to_le_bytes().into())
    }

    /// Builds a key from the secret scalar d as 32 little-endian bytes.
    ///
    /// # Errors
    ///
    /// [`GostError::ScalarOutOfRange`] unless 1 ≤ d < q.
    pub fn from_bytes_le(param_set: ParamSet, d_le: &[u8; 32]) -> Result<Self, GostError> {
        let d = Zeroizing::new(U256::from_le_slice(d_le));
        let (x, y) = dispatch!(param_set.curve(), C => public_coordinates::<C>(&d))?;
        Ok(Self {
            d: Zeroizing::new(*d_le),
            verifying_key: VerifyingKey::from_point(param_set, x, y),
        })
    }

    /// The secret scalar d as 32 little-endian bytes.
    pub fn to_bytes_le(&self) -> Zeroizing<[u8; 32]> {
        self.d.clone()
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying_key
    }

    /// The parameter set (curve) of this key.
    pub fn param_set(&self) -> ParamSet {
        self.verifying_key.param_set()
    }

    /// Signs a 32-byte Streebog-256 digest; returns s ‖ r big-endian.
    ///
    /// # Panics
    ///
    /// If the operating system random number generator fails.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 64] {
        self.try_sign_digest(digest)
            .expect("operating system random number generator failed")
    }

    /// Like [`SigningKey::sign_digest`], reporting a random source failure.
    ///
    /// # Errors
    ///
    /// [`GostError::Rng`] if the operating system random source fails.
    pub fn try_sign_digest(&self, digest: &[u8; 32]) -> Result<[u8; 64], GostError> {
        let d = Zeroizing::new(U256::from_le_slice(self.d.as_ref()));
        dispatch!(self.param_set().curve(), C => signature::sign_digest::<C>(&d, digest))
    }

    /// Hashes `message` with Streebog-256 and signs the digest.
    ///
    /// # Panics
    ///
    /// If the operating system random number generator fails.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.sign_digest(&streebog256(message))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("verifying_key", &self.verifying_key)
            .finish_non_exhaustive()
    }
}

/// Checks 1 ≤ d < q and returns the integer coordinates of d·G.
fn public_coordinates<C: Curve>(d: &U256) -> Result<(U256, U256), GostError> {
    if *d == U256::ZERO || *d >= C::Q {
        return Err(GostError::ScalarOutOfRange);
    }
    Ok(signature::public_point::<C>(d).coordinates())
}
