//! The public half of a GOST R 34.10-2012 key and signature verification.

use crypto_bigint::U256;

use crate::curve::{dispatch, Curve};
use crate::error::GostError;
use crate::hash::streebog256;
use crate::param_set::ParamSet;
use crate::point::Affine;
use crate::signature;

/// A GOST R 34.10-2012 (256-bit) public key: a curve point and the
/// parameter set it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    param_set: ParamSet,
    x: U256,
    y: U256,
}

// === impl VerifyingKey ===

impl VerifyingKey {
    /// Decodes the 64-byte form used inside certificates: X then Y, each
    /// 32 bytes little-endian (protocol brief §2.4.4).
    ///
    /// # Errors
    ///
    /// [`GostError::BadLength`] unless `bytes` is 64 bytes long;
    /// [`GostError::PointNotOnCurve`] when the point is not a valid point of
    /// the curve's prime-order group.
    pub fn from_sec1_le_xy(param_set: ParamSet, bytes: &[u8]) -> Result<Self, GostError> {
        if bytes.len() != 64 {
            return Err(GostError::BadLength {
                what: "public key",
                expected: 64,
                actual: bytes.len(),
            });
        }
        let x = U256::from_le_slice(&bytes[..32]);
        let y = U256::from_le_slice(&bytes[32..]);
        let valid = dispatch!(param_set.curve(), C => is_valid_public_point::<C>(&x, &y));
        if !valid {
            return Err(GostError::PointNotOnCurve);
        }
        Ok(Self { param_set, x, y })
    }

    /// The 64-byte little-endian X ‖ Y form.
    pub fn to_le_xy(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.x.to_le_bytes());
        out[32..].copy_from_slice(&self.y.to_le_bytes());
        out
    }

    /// The parameter set (curve) of this key.
    pub fn param_set(&self) -> ParamSet {
        self.param_set
    }

    /// Verifies a 64-byte s ‖ r signature over a 32-byte Streebog-256 digest.
    /// Any mismatch or malformed signature gives `false`.
    pub fn verify_digest(&self, digest: &[u8; 32], signature: &[u8]) -> bool {
        dispatch!(self.param_set.curve(), C => {
            match Affine::<C>::from_coordinates(&self.x, &self.y) {
                Some(q) => signature::verify_digest::<C>(&q, digest, signature),
                None => false,
            }
        })
    }

    /// Verifies a signature over `message`, hashing it with Streebog-256.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verify_digest(&streebog256(message), signature)
    }

    pub(crate) fn from_point(param_set: ParamSet, x: U256, y: U256) -> Self {
        Self { param_set, x, y }
    }
}

/// On the curve, and (for curves with a cofactor) in the subgroup of order q.
fn is_valid_public_point<C: Curve>(x: &U256, y: &U256) -> bool {
    let Some(point) = Affine::<C>::from_coordinates(x, y) else {
        return false;
    };
    let cofactor_one = C::P.bit_width_vartime() == C::Q.bit_width_vartime();
    cofactor_one
        || crate::point::mul_vartime(&point, &C::Q)
            .is_identity()
            .to_bool()
}
