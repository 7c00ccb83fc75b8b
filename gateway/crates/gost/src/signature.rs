//! GOST R 34.10-2012 signing and verification over one curve type.
//!
//! Byte conventions (protocol brief §2.4, the CryptoPro/OpenSSL convention):
//! the digest is the 32 raw Streebog bytes and e is those bytes read
//! little-endian, reduced mod q (e = 1 if that is zero); a signature is s ‖ r,
//! each 32 bytes big-endian.

use crypto_bigint::U256;

use crate::curve::{Curve, Scalar};
use crate::error::GostError;
use crate::point::{mul_vartime, Affine};

/// Length of a 256-bit signature, s ‖ r.
pub(crate) const SIGNATURE_LEN: usize = 64;

/// d·G for a secret d (constant time).
pub(crate) fn public_point<C: Curve>(d: &U256) -> Affine<C> {
    C::base_table()
        .mul_ct(d)
        .to_affine()
        .expect("d is in 1..q so d·G is finite")
}

/// Signs with a fresh random k from the operating system.
pub(crate) fn sign_digest<C: Curve>(d: &U256, digest: &[u8; 32]) -> Result<[u8; 64], GostError> {
    loop {
        let k = random_scalar::<C>()?;
        if let Some(signature) = sign_digest_with_k::<C>(d, digest, &k) {
            return Ok(signature);
        }
    }
}

/// Signs with a given k; `None` when r or s comes out zero (pick another k).
pub(crate) fn sign_digest_with_k<C: Curve>(
    d: &U256,
    digest: &[u8; 32],
    k: &U256,
) -> Option<[u8; 64]> {
    let e = digest_to_e::<C>(digest);
    let point = C::base_table().mul_ct(k).to_affine()?;
    let r = reduce_mod_q::<C>(point.x.retrieve());
    if r == U256::ZERO {
        return None;
    }

    // s = (r·d + k·e) mod q, in constant-time Montgomery arithmetic.
    let r_scalar = Scalar::<C>::new(&r);
    let s = r_scalar
        .mul(&Scalar::<C>::new(d))
        .add(&Scalar::<C>::new(k).mul(&e));
    let s = s.retrieve();
    if s == U256::ZERO {
        return None;
    }
    Some(encode_signature(&s, &r))
}

/// Checks `signature` (s ‖ r) over `digest` against the public point `q`.
/// Anything malformed is simply `false`.
pub(crate) fn verify_digest<C: Curve>(q: &Affine<C>, digest: &[u8; 32], signature: &[u8]) -> bool {
    let Some((s, r)) = decode_signature::<C>(signature) else {
        return false;
    };
    let e = digest_to_e::<C>(digest);
    let Some(v) = e.invert_vartime().into_option() else {
        return false;
    };
    let z1 = Scalar::<C>::new(&s).mul(&v).retrieve();
    let z2 = Scalar::<C>::new(&r).mul(&v).neg().retrieve();

    let sum = C::base_table()
        .mul_vartime(&z1)
        .add_vartime(&mul_vartime(q, &z2));
    if sum.is_identity().to_bool() {
        return false;
    }
    x_mod_q_equals::<C>(&sum, &r)
}

/// Whether the affine x of `point`, reduced mod q, equals r. Tries each
/// x = r + i·q below p against X = x·Z² so that no inversion is needed.
fn x_mod_q_equals<C: Curve>(point: &crate::point::Jacobian<C>, r: &U256) -> bool {
    let (x, z2) = point.x_and_z2();
    let mut candidate = *r;
    while candidate < C::P {
        if crate::curve::Fe::<C>::new(&candidate).mul(&z2) == x {
            return true;
        }
        let (next, carry) = candidate.carrying_add(&C::Q, crypto_bigint::Limb::ZERO);
        if carry != crypto_bigint::Limb::ZERO {
            return false;
        }
        candidate = next;
    }
    false
}

/// e = digest read little-endian, mod q; 1 if zero.
fn digest_to_e<C: Curve>(digest: &[u8; 32]) -> Scalar<C> {
    let e = reduce_mod_q::<C>(U256::from_le_slice(digest));
    if e == U256::ZERO {
        Scalar::<C>::ONE
    } else {
        Scalar::<C>::new(&e)
    }
}

/// x mod q for x < 2²⁵⁶. Every curve here has q > 2²⁵³, so at most a few
/// subtractions; the value is public (a hash or a point's x).
fn reduce_mod_q<C: Curve>(mut x: U256) -> U256 {
    while x >= C::Q {
        x = x.wrapping_sub(&C::Q);
    }
    x
}

/// A uniformly random scalar in 1..q from the operating system.
pub(crate) fn random_scalar<C: Curve>() -> Result<U256, GostError> {
    let q_bits = C::Q.bit_width_vartime();
    loop {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| GostError::Rng)?;
        let candidate = U256::from_be_slice(bytes.as_ref()).shr_vartime(256 - q_bits);
        if candidate != U256::ZERO && candidate < C::Q {
            return Ok(candidate);
        }
    }
}

fn encode_signature(s: &U256, r: &U256) -> [u8; 64] {
    let mut out = [0u8; SIGNATURE_LEN];
    out[..32].copy_from_slice(&s.to_be_bytes());
    out[32..].copy_from_slice(&r.to_be_bytes());
    out
}

/// (s, r) when the signature is 64 bytes and both halves are in 1..q.
fn decode_signature<C: Curve>(signature: &[u8]) -> Option<(U256, U256)> {
    if signature.len() != SIGNATURE_LEN {
        return None;
    }
    let s = U256::from_be_slice(&signature[..32]);
    let r = U256::from_be_slice(&signature[32..]);
    let in_range = |v: &U256| *v != U256::ZERO && *v < C::Q;
    (in_range(&s) && in_range(&r)).then_some((s, r))
}

#[cfg(test)]
mod tests;
