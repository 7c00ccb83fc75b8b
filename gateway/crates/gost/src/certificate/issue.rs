//! Issuing self-signed GOST certificates.

use time::{Duration, OffsetDateTime};

use super::Certificate;
use crate::der;
use crate::hash::streebog256;
use crate::name;
use crate::signing_key::SigningKey;
use crate::spki::SIGN_WITH_STREEBOG_256;

/// Issues a self-signed X.509 v3 certificate for `key`, valid from now for
/// `valid_days` days, signed with GOST R 34.10-2012 / Streebog-256
/// (1.2.643.7.1.1.3.2).
///
/// The subject and issuer are `CN=common_name` and, when given,
/// `O=organization`, both as UTF8String. The certificate is marked as a CA
/// (basicConstraints, keyUsage with keyCertSign) so that it can act as its
/// own trust anchor, e.g. in `openssl verify -CAfile cert.pem cert.pem`.
///
/// # Panics
///
/// If the operating system random number generator fails.
pub fn self_signed(
    key: &SigningKey,
    common_name: &str,
    organization: Option<&str>,
    valid_days: u32,
) -> Certificate {
    let mut attributes = vec![("2.5.4.3", common_name)];
    if let Some(org) = organization {
        attributes.push(("2.5.4.10", org));
    }
    let name = name::encode(&attributes);
    let not_before = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .expect("zero is valid");
    let not_after = not_before + Duration::days(i64::from(valid_days));

    let algorithm = der::sequence(&[&der::oid(SIGN_WITH_STREEBOG_256)]);
    let spki = key.verifying_key().to_spki_der();
    let tbs = der::sequence(&[
        &der::tlv(0xa0, &der::tlv(der::INTEGER, &[2])),
        &der::unsigned_integer(&random_serial()),
        &algorithm,
        &name,
        &der::sequence(&[&der::time(not_before), &der::time(not_after)]),
        &name,
        &spki,
        &der::tlv(0xa3, &extensions(&spki)),
    ]);

    let signature = key.sign(&tbs);
    let cert = der::sequence(&[&tbs, &algorithm, &der::bit_string(&signature)]);
    Certificate::from_der(&cert).expect("a certificate we just encoded parses")
}

/// 16 random bytes with the top bit clear, so the INTEGER stays positive
/// and 16 bytes long at most.
fn random_serial() -> [u8; 16] {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).expect("operating system random number generator failed");
    serial[0] = (serial[0] & 0x7f) | 0x01;
    serial
}

/// basicConstraints (CA), keyUsage and subjectKeyIdentifier.
fn extensions(spki: &[u8]) -> Vec<u8> {
    let critical = der::tlv(der::BOOLEAN, &[0xff]);
    let basic = der::sequence(&[
        &der::oid("2.5.29.19"),
        &critical,
        &der::tlv(der::OCTET_STRING, &der::sequence(&[&critical])),
    ]);
    // digitalSignature, nonRepudiation, keyCertSign, cRLSign: bits 0, 1, 5, 6.
    let usage_bits = der::tlv(der::BIT_STRING, &[0x01, 0xc6]);
    let usage = der::sequence(&[
        &der::oid("2.5.29.15"),
        &critical,
        &der::tlv(der::OCTET_STRING, &usage_bits),
    ]);
    let key_id = &streebog256(spki)[..20];
    let ski = der::sequence(&[
        &der::oid("2.5.29.14"),
        &der::tlv(der::OCTET_STRING, &der::tlv(der::OCTET_STRING, key_id)),
    ]);
    der::sequence(&[&basic, &usage, &ski])
}
