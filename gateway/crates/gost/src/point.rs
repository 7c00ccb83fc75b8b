//! Points on a GOST curve: affine and Jacobian forms, addition, doubling and
//! the two scalar multiplications the signature scheme needs.
//!
//! - `BaseTable::mul_ct` multiplies the fixed base point G by a secret scalar
//!   in constant time: 64 four-bit windows, each a masked scan over a
//!   precomputed table of 15 affine points and one masked mixed addition.
//! - `BaseTable::mul_vartime` is the same walk without masking (public
//!   scalars only, used by verification).
//! - `mul_vartime` multiplies an arbitrary public point with a sliding
//!   window of width 5.
//!
//! Formulas: Jacobian coordinates (x = X/Z², y = Y/Z³), doubling
//! "dbl-2001-b" (a = -3) or its general-a form, addition "add-2007-bl" and
//! mixed addition "madd-2007-bl" from the Explicit-Formulas Database.

use crypto_bigint::{Choice, CtAssign, CtEq, U256};

use crate::curve::{Curve, Fe};

/// Number of 4-bit windows in a 256-bit scalar.
const WINDOWS: usize = 64;

/// Width of the sliding window for variable-base multiplication.
const SLIDE: u32 = 5;

/// A finite point in affine coordinates.
pub(crate) struct Affine<C: Curve> {
    pub(crate) x: Fe<C>,
    pub(crate) y: Fe<C>,
}

/// A point in Jacobian coordinates; Z = 0 is the point at infinity.
pub(crate) struct Jacobian<C: Curve> {
    x: Fe<C>,
    y: Fe<C>,
    z: Fe<C>,
}

/// Multiples j·16ⁱ·G for every window i and digit j in 1..=15.
pub(crate) struct BaseTable<C: Curve> {
    windows: Vec<[Affine<C>; 15]>,
}

// === impl Affine ===

impl<C: Curve> Clone for Affine<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C: Curve> Copy for Affine<C> {}

impl<C: Curve> Affine<C> {
    /// The base point G.
    pub(crate) fn generator() -> Self {
        Self {
            x: Fe::<C>::new(&C::GX),
            y: Fe::<C>::new(&C::GY),
        }
    }

    /// Builds a point from integer coordinates, checking the curve equation.
    /// Returns `None` for coordinates not below p or off the curve.
    pub(crate) fn from_coordinates(x: &U256, y: &U256) -> Option<Self> {
        let below_p = x < &C::P && y < &C::P;
        if !below_p {
            return None;
        }
        let point = Self {
            x: Fe::<C>::new(x),
            y: Fe::<C>::new(y),
        };
        point.is_on_curve().then_some(point)
    }

    /// Whether y² = x³ + ax + b.
    pub(crate) fn is_on_curve(&self) -> bool {
        let lhs = self.y.square();
        let rhs = self
            .x
            .square()
            .mul(&self.x)
            .add(&C::a().mul(&self.x))
            .add(&C::b());
        lhs == rhs
    }

    /// The integer coordinates (x, y).
    pub(crate) fn coordinates(&self) -> (U256, U256) {
        (self.x.retrieve(), self.y.retrieve())
    }
}

impl<C: Curve> CtAssign for Affine<C> {
    fn ct_assign(&mut self, other: &Self, choice: Choice) {
        self.x.ct_assign(&other.x, choice);
        self.y.ct_assign(&other.y, choice);
    }
}

// === impl Jacobian ===

impl<C: Curve> Clone for Jacobian<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C: Curve> Copy for Jacobian<C> {}

impl<C: Curve> From<Affine<C>> for Jacobian<C> {
    fn from(p: Affine<C>) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: Fe::<C>::ONE,
        }
    }
}

impl<C: Curve> CtAssign for Jacobian<C> {
    fn ct_assign(&mut self, other: &Self, choice: Choice) {
        self.x.ct_assign(&other.x, choice);
        self.y.ct_assign(&other.y, choice);
        self.z.ct_assign(&other.z, choice);
    }
}

impl<C: Curve> Jacobian<C> {
    /// The point at infinity.
    pub(crate) fn identity() -> Self {
        Self {
            x: Fe::<C>::ONE,
            y: Fe::<C>::ONE,
            z: Fe::<C>::ZERO,
        }
    }

    /// Whether this is the point at infinity, in constant time.
    pub(crate) fn is_identity(&self) -> Choice {
        self.z.ct_eq(&Fe::<C>::ZERO)
    }

    /// 2·self. Correct for every input, including infinity and points of
    /// order two (both give infinity through Z₃ = 2·Y·Z).
    pub(crate) fn double(&self) -> Self {
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let alpha = if C::A_IS_MINUS_3 {
            let t = self.x.sub(&delta).mul(&self.x.add(&delta));
            t.double().add(&t)
        } else {
            let xx = self.x.square();
            xx.double().add(&xx).add(&C::a().mul(&delta.square()))
        };
        let beta4 = beta.double().double();
        let x3 = alpha.square().sub(&beta4.double());
        let z3 = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let gamma_sq8 = gamma.square().double().double().double();
        let y3 = alpha.mul(&beta4.sub(&x3)).sub(&gamma_sq8);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + other for public points (branches on the inputs).
    pub(crate) fn add_vartime(&self, other: &Self) -> Self {
        if self.is_identity().to_bool() {
            return *other;
        }
        if other.is_identity().to_bool() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = other.x.mul(&z1z1);
        let s1 = self.y.mul(&other.z).mul(&z2z2);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        let r = s2.sub(&s1).double();
        if h == Fe::<C>::ZERO {
            // Same x: either the same point (double) or opposite points.
            return if r == Fe::<C>::ZERO {
                self.double()
            } else {
                Self::identity()
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let v = u1.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&s1.mul(&j).double());
        let z3 = self.z.add(&other.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + other by the mixed-addition formula alone. Wrong when self is
    /// infinity or when self = ±other; callers rule those out or mask them.
    fn add_mixed_unchecked(&self, other: &Affine<C>) -> Self {
        let z1z1 = self.z.square();
        let u2 = other.x.mul(&z1z1);
        let s2 = other.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let r = s2.sub(&self.y).double();
        let v = self.x.mul(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let y3 = r.mul(&v.sub(&x3)).sub(&self.y.mul(&j).double());
        let z3 = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Self {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// self + other for public points.
    pub(crate) fn add_mixed_vartime(&self, other: &Affine<C>) -> Self {
        if self.is_identity().to_bool() {
            return Self::from(*other);
        }
        let sum = self.add_mixed_unchecked(other);
        let degenerate = sum.z == Fe::<C>::ZERO;
        if degenerate {
            // h = 0: fall back to the general formula, which sorts out
            // doubling and cancellation.
            return self.add_vartime(&Self::from(*other));
        }
        sum
    }

    /// The affine form, or `None` for infinity. Constant time in the
    /// coordinates (the inversion is the constant-time safegcd).
    pub(crate) fn to_affine(self) -> Option<Affine<C>> {
        let z_inv = self.z.invert()?;
        let z_inv2 = z_inv.square();
        let x = self.x.mul(&z_inv2);
        let y = self.y.mul(&z_inv2).mul(&z_inv);
        Some(Affine { x, y })
    }

    /// The X and Z² values, for comparing x against candidates without an
    /// inversion (x = X / Z²).
    pub(crate) fn x_and_z2(&self) -> (Fe<C>, Fe<C>) {
        (self.x, self.z.square())
    }
}

/// k·point for a public point and a public scalar, sliding window of width 5.
pub(crate) fn mul_vartime<C: Curve>(point: &Affine<C>, k: &U256) -> Jacobian<C> {
    let odd = odd_multiples(point);
    let mut acc = Jacobian::<C>::identity();
    let mut bit = k.bit_width_vartime() as i64 - 1;
    while bit >= 0 {
        if !k.bit_vartime(bit as u32) {
            acc = acc.double();
            bit -= 1;
            continue;
        }
        // The longest window of at most SLIDE bits that ends in a one.
        let low = (bit - SLIDE as i64 + 1).max(0);
        let mut end = low;
        while !k.bit_vartime(end as u32) {
            end += 1;
        }
        let mut digit = 0usize;
        for b in (end..=bit).rev() {
            acc = acc.double();
            digit = (digit << 1) | usize::from(k.bit_vartime(b as u32));
        }
        acc = acc.add_vartime(&odd[digit >> 1]);
        bit = end - 1;
    }
    acc
}

/// P, 3P, 5P, …, 31P.
fn odd_multiples<C: Curve>(point: &Affine<C>) -> Vec<Jacobian<C>> {
    let base = Jacobian::from(*point);
    let twice = base.double();
    let mut out = Vec::with_capacity(1 << (SLIDE - 1));
    out.push(base);
    for i in 1..(1 << (SLIDE - 1)) {
        let next = out[i - 1].add_vartime(&twice);
        out.push(next);
    }
    out
}

/// Converts many finite points with one field inversion (Montgomery's
/// trick). Only for public points: the inversion is variable-time.
fn batch_to_affine<C: Curve>(points: &[Jacobian<C>]) -> Vec<Affine<C>> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::<C>::ONE;
    for p in points {
        prefix.push(acc);
        acc = acc.mul(&p.z);
    }
    let mut inv = acc.invert_vartime().expect("table points are finite");
    let mut out = vec![
        Affine {
            x: Fe::<C>::ZERO,
            y: Fe::<C>::ZERO
        };
        points.len()
    ];
    for (i, p) in points.iter().enumerate().rev() {
        let z_inv = inv.mul(&prefix[i]);
        inv = inv.mul(&p.z);
        let z_inv2 = z_inv.square();
        out[i] = Affine {
            x: p.x.mul(&z_inv2),
            y: p.y.mul(&z_inv2).mul(&z_inv),
        };
    }
    out
}

/// The 4-bit digit `index` of k (digit 0 is the least significant).
fn nibble(k: &U256, index: usize) -> u8 {
    let limb_bits = 64;
    let word = k.as_words()[index * 4 / limb_bits];
    ((word >> ((index * 4) % limb_bits)) & 0xf) as u8
}

// === impl BaseTable ===

impl<C: Curve> BaseTable<C> {
    /// Builds the table: 960 points, one batched inversion.
    pub(crate) fn new() -> Self {
        let mut jacobian = Vec::with_capacity(WINDOWS * 15);
        let mut window_base = Jacobian::from(Affine::<C>::generator());
        for _ in 0..WINDOWS {
            let mut multiple = window_base;
            for _ in 0..15 {
                jacobian.push(multiple);
                multiple = multiple.add_vartime(&window_base);
            }
            // `multiple` is now 16·window_base.
            window_base = multiple;
        }
        let affine = batch_to_affine(&jacobian);
        let windows = affine
            .chunks_exact(15)
            .map(|chunk| std::array::from_fn(|j| chunk[j]))
            .collect();
        Self { windows }
    }

    /// k·G in constant time for a secret k with 1 ≤ k < q.
    ///
    /// Every window scans all 15 entries and the addition result is
    /// selected with masks. For k < q the partial sum m·G (m < 16ⁱ) can never
    /// equal ±j·16ⁱ·G, so the only special cases, an infinite accumulator and
    /// a zero digit, are the ones masked here.
    pub(crate) fn mul_ct(&self, k: &U256) -> Jacobian<C> {
        let mut acc = Jacobian::<C>::identity();
        for (i, entries) in self.windows.iter().enumerate() {
            let digit = nibble(k, i);
            let mut entry = entries[0];
            for (j, candidate) in entries.iter().enumerate().skip(1) {
                entry.ct_assign(candidate, Choice::from_u8_eq(digit, j as u8 + 1));
            }
            let mut sum = acc.add_mixed_unchecked(&entry);
            sum.ct_assign(&Jacobian::from(entry), acc.is_identity());
            acc.ct_assign(&sum, Choice::from_u8_nz(digit));
        }
        acc
    }

    /// k·G for a public k.
    pub(crate) fn mul_vartime(&self, k: &U256) -> Jacobian<C> {
        let mut acc = Jacobian::<C>::identity();
        for (i, entries) in self.windows.iter().enumerate() {
            let digit = nibble(k, i);
            if digit != 0 {
                acc = acc.add_mixed_vartime(&entries[usize::from(digit) - 1]);
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests;
