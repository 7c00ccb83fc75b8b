//! Arithmetic in a curve's prime field: 4×64-bit limbs in Montgomery form.
//!
//! `crypto-bigint` supplies the integers and the Montgomery constants
//! (R² mod p, −p⁻¹ mod 2⁶⁴, R mod p) and the constant-time inversion; the
//! multiplication and the additions are written out here because they are
//! the inner loop of every scalar multiplication and a plain u128 CIOS loop
//! is several times faster than the generic `ConstMontyForm` path (measured:
//! about 98 ns against under 30 ns per multiplication on the CI machine).
//!
//! Secret-dependent code paths (signing) only use the branch-free functions
//! here: carries and the final subtraction are selected with masks.
//! FIXME(#2): the masks are plain integer operations without an optimisation
//! barrier; a compiler could in principle turn them into branches. Right
//! would be `ctutils`-style barriers (at some cost) or checking the assembly
//! in CI.

use std::marker::PhantomData;

use crypto_bigint::modular::{ConstMontyForm, ConstMontyParams};
use crypto_bigint::{Choice, CtAssign, CtEq, U256};

use crate::curve::{Curve, LIMBS};

/// An element of GF(p) for the curve `C`, as x·2²⁵⁶ mod p, fully reduced.
pub(crate) struct Fe<C: Curve> {
    limbs: [u64; 4],
    curve: PhantomData<C>,
}

/// a + b + carry, returning (sum, carry).
#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// a − b − borrow, returning (difference, borrow as 0 or 1).
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = u128::from(a).wrapping_sub(u128::from(b) + u128::from(borrow));
    (t as u64, (t >> 127) as u64)
}

/// a + b·c + carry, returning (low, high).
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) * u128::from(c) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

/// Picks `b` where mask is all ones, `a` where it is zero.
#[inline(always)]
fn select(a: [u64; 4], b: [u64; 4], mask: u64) -> [u64; 4] {
    std::array::from_fn(|i| a[i] ^ (mask & (a[i] ^ b[i])))
}

// === impl Fe ===

impl<C: Curve> Clone for Fe<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C: Curve> Copy for Fe<C> {}

impl<C: Curve> PartialEq for Fe<C> {
    fn eq(&self, other: &Self) -> bool {
        self.limbs == other.limbs
    }
}

impl<C: Curve> std::fmt::Debug for Fe<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fe({:?})", self.retrieve())
    }
}

impl<C: Curve> CtAssign for Fe<C> {
    fn ct_assign(&mut self, other: &Self, choice: Choice) {
        self.limbs = select(self.limbs, other.limbs, choice.to_u64_mask());
    }
}

impl<C: Curve> CtEq for Fe<C> {
    fn ct_eq(&self, other: &Self) -> Choice {
        let diff = (0..4).fold(0u64, |acc, i| acc | (self.limbs[i] ^ other.limbs[i]));
        Choice::from_u64_eq(diff, 0)
    }
}

impl<C: Curve> Fe<C> {
    /// Zero.
    pub(crate) const ZERO: Self = Self {
        limbs: [0; 4],
        curve: PhantomData,
    };

    /// One (R mod p in Montgomery form).
    pub(crate) const ONE: Self = Self::from_montgomery(C::Fp::PARAMS.one());

    const fn from_montgomery(value: &U256) -> Self {
        let words = value.as_words();
        Self {
            limbs: [words[0], words[1], words[2], words[3]],
            curve: PhantomData,
        }
    }

    fn modulus() -> [u64; 4] {
        *C::P.as_words()
    }

    /// The field element for an integer x < 2²⁵⁶ (reduced mod p).
    pub(crate) fn new(x: &U256) -> Self {
        let r2 = Self::from_montgomery(C::Fp::PARAMS.r2());
        Self {
            limbs: *x.as_words(),
            curve: PhantomData,
        }
        .mul(&r2)
    }

    /// The integer this element stands for, in 0..p.
    pub(crate) fn retrieve(&self) -> U256 {
        let one = Self {
            limbs: [1, 0, 0, 0],
            curve: PhantomData,
        };
        U256::from_words(self.mul(&one).limbs)
    }

    /// self·rhs by CIOS Montgomery multiplication.
    pub(crate) fn mul(&self, rhs: &Self) -> Self {
        let (a, b, p) = (&self.limbs, &rhs.limbs, Self::modulus());
        let n0 = C::Fp::PARAMS.mod_neg_inv().0;
        let mut t = [0u64; 6];
        for &bi in b {
            let mut carry = 0;
            for j in 0..4 {
                (t[j], carry) = mac(t[j], a[j], bi, carry);
            }
            (t[4], t[5]) = adc(t[4], carry, 0);

            let m = t[0].wrapping_mul(n0);
            let (_, mut carry) = mac(t[0], m, p[0], 0);
            for j in 1..4 {
                (t[j - 1], carry) = mac(t[j], m, p[j], carry);
            }
            (t[3], carry) = adc(t[4], carry, 0);
            t[4] = t[5] + carry;
        }
        Self::reduce_once([t[0], t[1], t[2], t[3]], t[4])
    }

    /// self².
    pub(crate) fn square(&self) -> Self {
        self.mul(self)
    }

    /// self + rhs.
    pub(crate) fn add(&self, rhs: &Self) -> Self {
        let mut sum = [0u64; 4];
        let mut carry = 0;
        for (i, out) in sum.iter_mut().enumerate() {
            (*out, carry) = adc(self.limbs[i], rhs.limbs[i], carry);
        }
        Self::reduce_once(sum, carry)
    }

    /// 2·self.
    pub(crate) fn double(&self) -> Self {
        self.add(self)
    }

    /// self − rhs.
    pub(crate) fn sub(&self, rhs: &Self) -> Self {
        let mut diff = [0u64; 4];
        let mut borrow = 0;
        for (i, out) in diff.iter_mut().enumerate() {
            (*out, borrow) = sbb(self.limbs[i], rhs.limbs[i], borrow);
        }
        // On borrow add p back.
        let p = Self::modulus();
        let mask = 0u64.wrapping_sub(borrow);
        let mut carry = 0;
        for (i, out) in diff.iter_mut().enumerate() {
            (*out, carry) = adc(*out, p[i] & mask, carry);
        }
        Self {
            limbs: diff,
            curve: PhantomData,
        }
    }

    /// −self.
    #[cfg(test)]
    pub(crate) fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// 1/self in constant time (safegcd from crypto-bigint); `None` for 0.
    pub(crate) fn invert(&self) -> Option<Self> {
        let monty = self.as_const_monty().invert().into_option()?;
        Some(Self::from_montgomery(monty.as_montgomery()))
    }

    /// 1/self in variable time, for public values; `None` for 0.
    pub(crate) fn invert_vartime(&self) -> Option<Self> {
        let monty = self.as_const_monty().invert_vartime().into_option()?;
        Some(Self::from_montgomery(monty.as_montgomery()))
    }

    /// The same Montgomery representation as crypto-bigint's type (both use
    /// R = 2²⁵⁶).
    fn as_const_monty(&self) -> ConstMontyForm<C::Fp, LIMBS> {
        ConstMontyForm::from_montgomery(U256::from_words(self.limbs))
    }

    /// value − p if value (with a carry limb) is at least p, else value.
    fn reduce_once(value: [u64; 4], carry: u64) -> Self {
        let p = Self::modulus();
        let mut reduced = [0u64; 4];
        let mut borrow = 0;
        for (i, out) in reduced.iter_mut().enumerate() {
            (*out, borrow) = sbb(value[i], p[i], borrow);
        }
        // Keep the subtraction unless it borrowed past the carry limb.
        let (_, underflow) = sbb(carry, 0, borrow);
        let keep_value = 0u64.wrapping_sub(underflow);
        Self {
            limbs: select(reduced, value, keep_value),
            curve: PhantomData,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::{CurveA, CurveB, CurveTc26A};

    type Reference<C> = ConstMontyForm<<C as Curve>::Fp, LIMBS>;

    fn samples<C: Curve>() -> Vec<U256> {
        vec![
            U256::ZERO,
            U256::ONE,
            C::P.wrapping_sub(&U256::ONE),
            C::P.wrapping_sub(&U256::from_u64(2)),
            U256::MAX,
            U256::from_be_hex("8000000000000000000000000000000000000000000000000000000000000000"),
            U256::from_be_hex("0123456789abcdef0fedcba987654321a5a5a5a55a5a5a5a0000000100000001"),
        ]
    }

    fn check_against_crypto_bigint<C: Curve>() {
        for a in samples::<C>() {
            for b in samples::<C>() {
                let (fa, fb) = (Fe::<C>::new(&a), Fe::<C>::new(&b));
                let (ra, rb) = (Reference::<C>::new(&a), Reference::<C>::new(&b));
                assert_eq!(
                    fa.mul(&fb).retrieve(),
                    ra.mul(&rb).retrieve(),
                    "mul {a} {b}"
                );
                assert_eq!(
                    fa.add(&fb).retrieve(),
                    ra.add(&rb).retrieve(),
                    "add {a} {b}"
                );
                assert_eq!(
                    fa.sub(&fb).retrieve(),
                    ra.sub(&rb).retrieve(),
                    "sub {a} {b}"
                );
            }
            let fa = Fe::<C>::new(&a);
            assert_eq!(
                fa.neg().retrieve(),
                Reference::<C>::new(&a).neg().retrieve()
            );
            if let Some(inv) = fa.invert() {
                assert_eq!(inv.mul(&fa), Fe::<C>::ONE);
                assert_eq!(fa.invert_vartime(), Some(inv));
            } else {
                assert_eq!(fa, Fe::<C>::ZERO);
            }
        }
    }

    #[test]
    fn field_ops_match_crypto_bigint_on_curve_a() {
        check_against_crypto_bigint::<CurveA>();
    }

    #[test]
    fn field_ops_match_crypto_bigint_on_curve_b() {
        check_against_crypto_bigint::<CurveB>();
    }

    #[test]
    fn field_ops_match_crypto_bigint_on_tc26a() {
        check_against_crypto_bigint::<CurveTc26A>();
    }

    #[test]
    fn field_one_and_zero_retrieve_to_integers() {
        assert_eq!(Fe::<CurveA>::ONE.retrieve(), U256::ONE);
        assert_eq!(Fe::<CurveA>::ZERO.retrieve(), U256::ZERO);
        assert_eq!(Fe::<CurveA>::new(&CurveA::P), Fe::<CurveA>::ZERO);
    }
}
