//! Signing identities the fixtures do not have: fresh keys, and self-signed
//! certificates whose validity dates the test chooses (in the past, or
//! around a pinned node clock).
//!
//! `gost::self_signed` always starts validity now; a chosen window is made
//! by rewriting the two fixed-length UTCTime values of its validity and
//! signing the TBS part again with the same key.

use smevgate_tests::Ims;
use time::OffsetDateTime;

/// DER of a validity SEQUENCE of two UTCTimes: tag, length 30, then UTCTime.
const VALIDITY_OF_UTC_TIMES: [u8; 4] = [0x30, 0x1e, 0x17, 0x0d];

/// Length of a UTCTime TLV (tag, length, `YYMMDDHHMMSSZ`).
const UTC_TIME_TLV: usize = 15;

/// A fresh key with a certificate valid for 30 days from now.
pub fn fresh_ims(mnemonic: &'static str) -> Ims {
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = gost::self_signed(&key, mnemonic, Some("smevgate tests"), 30);
    Ims {
        mnemonic,
        key,
        cert,
    }
}

/// A fresh key with a certificate valid from `not_before` to `not_after`
/// (both within 1950–2049, whole seconds).
pub fn dated_ims(
    mnemonic: &'static str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Ims {
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = dated_certificate(&key, mnemonic, not_before, not_after);
    Ims {
        mnemonic,
        key,
        cert,
    }
}

/// A certificate of `key` valid from `not_before` to `not_after`.
///
/// # Panics
/// When the rewritten certificate does not read back with those dates.
pub fn dated_certificate(
    key: &gost::SigningKey,
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> gost::Certificate {
    let issued = gost::self_signed(key, common_name, None, 1);
    let mut der = issued.to_der();
    let at = der
        .windows(VALIDITY_OF_UTC_TIMES.len())
        .position(|w| w == VALIDITY_OF_UTC_TIMES)
        .expect("a validity of two UTCTimes")
        + 2;
    der[at..at + UTC_TIME_TLV].copy_from_slice(&utc_time(not_before));
    let after = at + UTC_TIME_TLV;
    der[after..after + UTC_TIME_TLV].copy_from_slice(&utc_time(not_after));

    let (tbs_start, tbs_len) = tbs_bounds(&der);
    let signature = key.sign(&der[tbs_start..tbs_start + tbs_len]);
    let signature_at = der.len() - signature.len();
    der[signature_at..].copy_from_slice(&signature);

    let cert = gost::Certificate::from_der(&der).expect("rewritten certificate reads");
    assert_eq!(cert.not_before(), not_before);
    assert_eq!(cert.not_after(), not_after);
    assert!(
        cert.is_signed_by(key.verifying_key()),
        "re-signed certificate verifies"
    );
    cert
}

/// A UTCTime TLV of `at`.
fn utc_time(at: OffsetDateTime) -> [u8; UTC_TIME_TLV] {
    assert!(
        (1950..2050).contains(&at.year()),
        "UTCTime covers 1950–2049"
    );
    let text = format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        at.year() % 100,
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    let mut tlv = [0u8; UTC_TIME_TLV];
    tlv[0] = 0x17;
    tlv[1] = 0x0d;
    tlv[2..].copy_from_slice(text.as_bytes());
    tlv
}

/// Start and total length of the TBSCertificate TLV inside a certificate.
fn tbs_bounds(der: &[u8]) -> (usize, usize) {
    let (outer_header, _) = tlv_header(der, 0);
    let (tbs_header, tbs_content) = tlv_header(der, outer_header);
    (outer_header, tbs_header + tbs_content)
}

/// Header length and content length of the DER TLV at `at`.
fn tlv_header(der: &[u8], at: usize) -> (usize, usize) {
    let first = usize::from(der[at + 1]);
    if first < 0x80 {
        return (2, first);
    }
    let count = first & 0x7f;
    let length = der[at + 2..at + 2 + count]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    (2 + count, length)
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
