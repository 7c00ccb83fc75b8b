//! Passwords: the strength rule, and argon2id hashes in PHC string form
//! with a random 16-byte salt per hash.
//!
//! Only the hash is ever stored. Verification recomputes the hash and
//! compares in constant time (the `password-hash` output comparison), and
//! [`PasswordHash::verify_nothing`] spends the same effort when there is no
//! user, so that timing does not tell which logins exist.

use std::fmt;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::CabinetError;
use crate::field_errors::FieldErrors;

/// Fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Most bytes a password may have; more only costs hashing time.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// An argon2id hash of a password, as a PHC string (`$argon2id$v=19$...`).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// Checks `password` against the strength rule.
///
/// # Errors
/// One error for `field` saying what the rule wants.
pub fn check_strength(field: &str, password: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        let message = format!("Пароль должен содержать не менее {MIN_PASSWORD_CHARS} символов");
        errors.push(field, message);
    } else if password.len() > MAX_PASSWORD_BYTES {
        errors.push(field, "Пароль слишком длинный");
    } else if password.trim() != password || password.chars().any(char::is_control) {
        let message = "Пароль не должен начинаться или заканчиваться пробелом \
                       и содержать управляющие символы";
        errors.push(field, message);
    }
    errors.into_result(|| ())
}

// === impl PasswordHash ===

impl PasswordHash {
    /// Hashes `password` with argon2id (the crate's default cost: 19 MiB,
    /// two passes, one lane) and a fresh random salt.
    ///
    /// # Errors
    /// [`CabinetError::Randomness`] or [`CabinetError::PasswordHashing`].
    pub fn new(password: &str) -> Result<Self, CabinetError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(CabinetError::Randomness)?;
        let salt = SaltString::encode_b64(&salt).map_err(hashing_error)?;

        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(hashing_error)?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// A stored PHC string, if it is an argon2id hash this type can verify.
    pub fn from_phc(text: &str) -> Option<Self> {
        let parsed = argon2::password_hash::PasswordHash::new(text).ok()?;
        let argon2id = parsed.algorithm.as_str() == "argon2id" && parsed.hash.is_some();
        argon2id.then(|| PasswordHash(text.to_owned()))
    }

    /// The PHC string to store.
    pub fn as_phc(&self) -> &str {
        &self.0
    }

    /// Whether `password` is the one hashed, compared in constant time.
    pub fn verify(&self, password: &str) -> bool {
        let Ok(parsed) = argon2::password_hash::PasswordHash::new(&self.0) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }

    /// Spends the effort of one verification and says no; for logins that
    /// name no user.
    pub fn verify_nothing(password: &str) -> bool {
        static DECOY: OnceLock<Option<PasswordHash>> = OnceLock::new();
        let decoy = DECOY.get_or_init(|| PasswordHash::new("decoy password, never matches").ok());
        if let Some(decoy) = decoy {
            let _ = decoy.verify(password);
        }
        false
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

fn hashing_error(error: argon2::password_hash::Error) -> CabinetError {
    CabinetError::PasswordHashing {
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_verifies_the_same_password_only() {
        let hash = PasswordHash::new("correct horse battery").unwrap();

        assert!(hash.as_phc().starts_with("$argon2id$v=19$"));
        assert!(hash.verify("correct horse battery"));
        assert!(!hash.verify("correct horse batterY"));
        assert!(!hash.verify(""));
    }

    #[test]
    fn password_hash_salt_differs_per_hash() {
        let first = PasswordHash::new("correct horse battery").unwrap();
        let second = PasswordHash::new("correct horse battery").unwrap();

        assert_ne!(first.as_phc(), second.as_phc());
        assert!(second.verify("correct horse battery"));
    }

    #[test]
    fn password_hash_stored_text_round_trips() {
        let hash = PasswordHash::new("correct horse battery").unwrap();

        let restored = PasswordHash::from_phc(hash.as_phc()).unwrap();

        assert!(restored.verify("correct horse battery"));
    }

    #[test]
    fn password_hash_foreign_or_broken_text_is_refused() {
        assert_eq!(PasswordHash::from_phc("plain text"), None);
        let argon2i = "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        assert_eq!(PasswordHash::from_phc(argon2i), None);
    }

    #[test]
    fn password_hash_debug_hides_the_hash() {
        let hash = PasswordHash::new("correct horse battery").unwrap();
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
    }

    #[test]
    fn password_verify_nothing_says_no() {
        assert!(!PasswordHash::verify_nothing(
            "decoy password, never matches"
        ));
    }

    #[test]
    fn password_strength_rule_names_the_field() {
        assert!(check_strength("password", "twelve chars").is_ok());

        let short = check_strength("password", "short").unwrap_err();
        assert_eq!(
            short.message("password"),
            Some("Пароль должен содержать не менее 12 символов")
        );
        assert_eq!(
            check_strength("password", " twelve chars")
                .unwrap_err()
                .fields(),
            ["password"]
        );
    }
}
