//! Tests for signing and verification: the GOST R 34.10-2012 example
//! (RFC 7091 §A.1) and tamper cases.

use crypto_bigint::U256;

use super::*;
use crate::curve::{CurveA, CurveTest};

const D: &str = "7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28";
const QX: &str = "7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80b";
const QY: &str = "26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77da";
const E: &str = "2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5";
const K: &str = "77105c9b20bcd3122823c8cf6fcc7b956de33814e95b7fe64fed924594dceab3";
const R: &str = "41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493";
const S: &str = "01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40";

/// The example's e as a digest: e is the digest read little-endian, so the
/// digest bytes are e's big-endian bytes reversed.
fn example_digest() -> [u8; 32] {
    let mut digest: [u8; 32] = hex::decode(E).expect("hex").try_into().expect("32 bytes");
    digest.reverse();
    digest
}

fn example_signature() -> Vec<u8> {
    hex::decode(format!("{S}{R}")).expect("hex")
}

#[test]
fn example_public_key_matches_rfc7091() {
    let q = public_point::<CurveTest>(&U256::from_be_hex(D));
    let (x, y) = q.coordinates();
    assert_eq!(x, U256::from_be_hex(QX));
    assert_eq!(y, U256::from_be_hex(QY));
}

#[test]
fn example_signature_with_fixed_k_matches_rfc7091() {
    let d = U256::from_be_hex(D);
    let k = U256::from_be_hex(K);
    let signature = sign_digest_with_k::<CurveTest>(&d, &example_digest(), &k).expect("valid");
    assert_eq!(hex::encode(signature), format!("{S}{R}"));
}

#[test]
fn example_signature_verifies_under_rfc7091_key() {
    let q = public_point::<CurveTest>(&U256::from_be_hex(D));
    assert!(verify_digest::<CurveTest>(
        &q,
        &example_digest(),
        &example_signature()
    ));
}

#[test]
fn example_signature_with_flipped_bit_fails() {
    let q = public_point::<CurveTest>(&U256::from_be_hex(D));
    for byte in [0, 31, 32, 63] {
        let mut signature = example_signature();
        signature[byte] ^= 0x01;
        assert!(!verify_digest::<CurveTest>(
            &q,
            &example_digest(),
            &signature
        ));
    }
}

#[test]
fn example_signature_over_other_digest_fails() {
    let q = public_point::<CurveTest>(&U256::from_be_hex(D));
    let mut digest = example_digest();
    digest[0] ^= 0x80;
    assert!(!verify_digest::<CurveTest>(
        &q,
        &digest,
        &example_signature()
    ));
}

#[test]
fn signature_with_wrong_length_or_zero_half_fails() {
    let q = public_point::<CurveTest>(&U256::from_be_hex(D));
    let signature = example_signature();
    assert!(!verify_digest::<CurveTest>(
        &q,
        &example_digest(),
        &signature[..63]
    ));
    let mut zero_r = signature.clone();
    zero_r[32..].fill(0);
    assert!(!verify_digest::<CurveTest>(&q, &example_digest(), &zero_r));
}

#[test]
fn random_signature_round_trips_on_curve_a() {
    let d = random_scalar::<CurveA>().expect("rng");
    let q = public_point::<CurveA>(&d);
    let digest = [0x5au8; 32];
    let signature = sign_digest::<CurveA>(&d, &digest).expect("rng");
    assert!(verify_digest::<CurveA>(&q, &digest, &signature));
    let other = sign_digest::<CurveA>(&d, &digest).expect("rng");
    assert_ne!(signature, other, "k must be fresh for every signature");
}

#[test]
fn zero_digest_uses_e_equal_one() {
    // e = 0 mod q must be treated as e = 1: a signature over the all-zero
    // digest verifies against the digest whose little-endian value is 1.
    let d = U256::from_be_hex(D);
    let q = public_point::<CurveTest>(&d);
    let signature = sign_digest::<CurveTest>(&d, &[0u8; 32]).expect("rng");
    let mut one = [0u8; 32];
    one[0] = 1;
    assert!(verify_digest::<CurveTest>(&q, &one, &signature));
}
