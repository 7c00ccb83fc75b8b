//! The cabinet domain's error type.
//!
//! Bad input is not an error here: forms answer with [`crate::FieldErrors`]
//! and checks with verdicts. [`CabinetError`] means the work could not be
//! done at all (no randomness, a hasher that refused).

/// Why a cabinet operation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum CabinetError {
    /// The operating system gave no random bytes.
    #[error("no randomness available")]
    Randomness(#[source] getrandom::Error),

    /// The argon2id hasher refused its input or parameters.
    #[error("password hashing failed: {reason}")]
    PasswordHashing {
        /// What the hasher said.
        reason: String,
    },
}
