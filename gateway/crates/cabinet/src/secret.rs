//! Secrets of sessions and API tokens: 32 random bytes, handed to their
//! owner once as base64url text, and kept by the node only as a
//! Streebog-256 hash ([`SecretHash`]).
//!
//! The secret carries 256 bits of randomness, so an unsalted fast hash is
//! enough: a stolen table of hashes cannot be reversed or guessed.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::CabinetError;

/// Bytes of randomness in a secret.
pub const SECRET_BYTES: usize = 32;

/// A fresh secret, to be shown once to its owner and then forgotten.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// The Streebog-256 hash of a secret's bytes: what the store keeps and
/// looks up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretHash([u8; 32]);

/// 32 random bytes for a key the node keeps (the access-token signing key).
///
/// # Errors
/// [`CabinetError::Randomness`].
pub fn random_key() -> Result<[u8; 32], CabinetError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(CabinetError::Randomness)?;
    Ok(bytes)
}

// === impl Secret ===

impl Secret {
    /// A new secret from the operating system's randomness, with its hash.
    ///
    /// # Errors
    /// [`CabinetError::Randomness`].
    pub fn generate() -> Result<(Secret, SecretHash), CabinetError> {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(CabinetError::Randomness)?;
        let secret = Secret(URL_SAFE_NO_PAD.encode(bytes));
        Ok((secret, SecretHash(gost::streebog256(&bytes))))
    }

    /// The base64url text (43 characters, no padding) to give the owner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

// === impl SecretHash ===

impl SecretHash {
    /// The hash of a secret presented as base64url text; `None` when the
    /// text cannot be a secret (so no lookup is needed).
    pub fn of_presented(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let bytes: [u8; SECRET_BYTES] = bytes.try_into().ok()?;
        Some(SecretHash(gost::streebog256(&bytes)))
    }

    /// Lowercase hex, as stored.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A stored hex hash.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text).ok()?;
        bytes.try_into().ok().map(SecretHash)
    }

    /// The 32 hash bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_presented_back_has_the_same_hash() {
        let (secret, hash) = Secret::generate().unwrap();

        assert_eq!(secret.expose().len(), 43);
        assert_eq!(SecretHash::of_presented(secret.expose()), Some(hash));
    }

    #[test]
    fn secret_generated_twice_differs() {
        let (first, first_hash) = Secret::generate().unwrap();
        let (second, second_hash) = Secret::generate().unwrap();

        assert_ne!(first.expose(), second.expose());
        assert_ne!(first_hash, second_hash);
    }

    #[test]
    fn secret_hash_is_streebog_of_the_bytes() {
        let text = URL_SAFE_NO_PAD.encode([7u8; 32]);

        let hash = SecretHash::of_presented(&text).unwrap();

        assert_eq!(hash.as_bytes(), &gost::streebog256(&[7u8; 32]));
        assert_eq!(SecretHash::from_hex(&hash.to_hex()), Some(hash));
    }

    #[test]
    fn secret_malformed_presentation_has_no_hash() {
        let short = URL_SAFE_NO_PAD.encode([7u8; 31]);
        for text in ["", "not base64!", short.as_str()] {
            assert_eq!(SecretHash::of_presented(text), None, "{text:?}");
        }
    }

    #[test]
    fn secret_debug_hides_the_value() {
        let (secret, _) = Secret::generate().unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }
}
