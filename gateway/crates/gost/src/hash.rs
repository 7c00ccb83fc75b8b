//! GOST R 34.11-2012 (Streebog) with a 256-bit output.
//!
//! The bytes come out in the order the hash function produces them. This is
//! the order SMEV puts in `DigestValue` and the order OpenSSL's gost engine
//! and CryptoPro use. RFC 6986 prints its examples as big-endian integers,
//! which is the same byte string reversed (protocol brief §2.4.1).

use streebog::Digest;

/// Streaming Streebog-256 hasher (`new`, `update`, `finalize` through the
/// re-exported [`Digest`] trait).
pub use streebog::Streebog256;

/// Hashes `data` with Streebog-256 in one call.
pub fn streebog256(data: &[u8]) -> [u8; 32] {
    let mut hasher = Streebog256::new();
    hasher.update(data);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6986 §10.1 M1: the 63 ASCII digits "0123456789" repeated.
    const M1: &[u8] = b"012345678901234567890123456789012345678901234567890123456789012";

    /// RFC 6986 §10.1 M1 hash as the RFC prints it (a big-endian integer).
    const M1_RFC: &str = "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d";

    /// RFC 6986 §10.2 M2 hash as printed.
    const M2_RFC: &str = "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d";

    /// RFC 6986 §10.2 M2 in byte-string order: the RFC prints it as a big-
    /// endian integer, so the message bytes are the printed bytes reversed.
    fn m2() -> Vec<u8> {
        let printed = concat!(
            "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f1",
            "20fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1",
        );
        let mut bytes = hex::decode(printed).expect("valid hex");
        bytes.reverse();
        bytes
    }

    fn reversed_hex(printed: &str) -> String {
        let mut bytes = hex::decode(printed).expect("valid hex");
        bytes.reverse();
        hex::encode(bytes)
    }

    #[test]
    fn streebog256_rfc6986_m1_matches_byte_reversed_vector() {
        assert_eq!(hex::encode(streebog256(M1)), reversed_hex(M1_RFC));
    }

    #[test]
    fn streebog256_rfc6986_m2_matches_byte_reversed_vector() {
        assert_eq!(hex::encode(streebog256(&m2())), reversed_hex(M2_RFC));
    }

    #[test]
    fn streebog256_streaming_in_pieces_matches_one_shot() {
        let mut hasher = Streebog256::new();
        for chunk in M1.chunks(7) {
            hasher.update(chunk);
        }
        let streamed: [u8; 32] = hasher.finalize().into();
        assert_eq!(streamed, streebog256(M1));
    }
}
