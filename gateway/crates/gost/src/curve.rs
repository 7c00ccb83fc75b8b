//! The curve constants, as types the arithmetic is generic over.
//!
//! Each distinct curve is a zero-sized type implementing [`Curve`]; its prime
//! field and its group order are compile-time Montgomery moduli, so field
//! elements carry no run-time parameters and multiply at full speed. The
//! public API picks the curve type from a [`crate::ParamSet`] with one
//! `match` (see `dispatch!`).

use std::sync::OnceLock;

use crypto_bigint::modular::{ConstMontyForm, ConstMontyParams};
use crypto_bigint::{const_monty_params, U256};

use crate::point::BaseTable;

/// Limbs of a 256-bit number on this target.
pub(crate) const LIMBS: usize = U256::LIMBS;

pub(crate) use crate::field::Fe;

/// An integer modulo the curve's group order q, in Montgomery form.
pub(crate) type Scalar<C> = ConstMontyForm<<C as Curve>::Fq, LIMBS>;

/// A short Weierstrass curve y² = x³ + ax + b over GF(p) with a base point G
/// of prime order q.
pub(crate) trait Curve: Sized + 'static {
    /// The field modulus p.
    type Fp: ConstMontyParams<LIMBS>;
    /// The group order q.
    type Fq: ConstMontyParams<LIMBS>;

    /// p as an integer.
    const P: U256;
    /// q as an integer.
    const Q: U256;
    /// The coefficient a.
    const A: U256;
    /// The coefficient b.
    const B: U256;
    /// x of the base point.
    const GX: U256;
    /// y of the base point.
    const GY: U256;
    /// Whether a = p - 3, which allows a cheaper doubling.
    const A_IS_MINUS_3: bool;

    /// The precomputed multiples of G, built on first use.
    fn base_table() -> &'static BaseTable<Self>;

    /// a as a field element.
    fn a() -> Fe<Self> {
        Fe::<Self>::new(&Self::A)
    }

    /// b as a field element.
    fn b() -> Fe<Self> {
        Fe::<Self>::new(&Self::B)
    }
}

/// Declares one curve type with its moduli and its lazily built G table.
macro_rules! curve {
    (
        $(#[$meta:meta])*
        $name:ident, $fp:ident, $fq:ident,
        p: $p:literal, q: $q:literal, a: $a:literal, b: $b:literal,
        x: $x:literal, y: $y:literal, a_is_minus_3: $m3:literal
    ) => {
        const_monty_params!($fp, U256, $p, "Field modulus of a GOST curve");
        const_monty_params!($fq, U256, $q, "Group order of a GOST curve");

        $(#[$meta])*
        pub(crate) struct $name;

        impl Curve for $name {
            type Fp = $fp;
            type Fq = $fq;
            const P: U256 = U256::from_be_hex($p);
            const Q: U256 = U256::from_be_hex($q);
            const A: U256 = U256::from_be_hex($a);
            const B: U256 = U256::from_be_hex($b);
            const GX: U256 = U256::from_be_hex($x);
            const GY: U256 = U256::from_be_hex($y);
            const A_IS_MINUS_3: bool = $m3;

            fn base_table() -> &'static BaseTable<Self> {
                static TABLE: OnceLock<BaseTable<$name>> = OnceLock::new();
                TABLE.get_or_init(BaseTable::new)
            }
        }
    };
}

curve!(
    /// CryptoPro-A (= CryptoPro-XchA), RFC 4357 §11.4.
    CurveA, FpA, FqA,
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97",
    q: "ffffffffffffffffffffffffffffffff6c611070995ad10045841b09b761b893",
    a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd94",
    b: "00000000000000000000000000000000000000000000000000000000000000a6",
    x: "0000000000000000000000000000000000000000000000000000000000000001",
    y: "8d91e471e0989cda27df505a453f2b7635294f2ddf23e3b122acc99c9e9f1e14",
    a_is_minus_3: true
);

curve!(
    /// CryptoPro-B, RFC 4357 §11.4.
    CurveB, FpB, FqB,
    p: "8000000000000000000000000000000000000000000000000000000000000c99",
    q: "800000000000000000000000000000015f700cfff1a624e5e497161bcc8a198f",
    a: "8000000000000000000000000000000000000000000000000000000000000c96",
    b: "3e1af419a269a5f866a7d3c25c3df80ae979259373ff2b182f49d4ce7e1bbc8b",
    x: "0000000000000000000000000000000000000000000000000000000000000001",
    y: "3fa8124359f96680b83d1c3eb2c070e5c545c9858d03ecfb744bf8d717717efc",
    a_is_minus_3: true
);

curve!(
    /// CryptoPro-C (= CryptoPro-XchB), RFC 4357 §11.4.
    CurveC, FpC, FqC,
    p: "9b9f605f5a858107ab1ec85e6b41c8aacf846e86789051d37998f7b9022d759b",
    q: "9b9f605f5a858107ab1ec85e6b41c8aa582ca3511eddfb74f02f3a6598980bb9",
    a: "9b9f605f5a858107ab1ec85e6b41c8aacf846e86789051d37998f7b9022d7598",
    b: "000000000000000000000000000000000000000000000000000000000000805a",
    x: "0000000000000000000000000000000000000000000000000000000000000000",
    y: "41ece55743711a8c3cbf3783cd08c0ee4d4dc440d4641a8f366e550dfdb3bb67",
    a_is_minus_3: true
);

curve!(
    /// TC26 256-bit paramSetA in Weierstrass form, RFC 7836 §A.2 (q is the
    /// prime subgroup order; the cofactor is 4).
    CurveTc26A, FpTc26A, FqTc26A,
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd97",
    q: "400000000000000000000000000000000fd8cddfc87b6635c115af556c360c67",
    a: "c2173f1513981673af4892c23035a27ce25e2013bf95aa33b22c656f277e7335",
    b: "295f9bae7428ed9ccc20e7c359a9d41a22fccd9108e17bf7ba9337a6f8ae9513",
    x: "91e38443a5e82c0d880923425712b2bb658b9196932e02c78b2582fe742daa28",
    y: "32879423ab1a0375895786c4bb46e9565fde0b5344766740af268adb32322e5c",
    a_is_minus_3: false
);

#[cfg(test)]
curve!(
    /// The GOST R 34.10-2012 example curve (RFC 7091 §A.1), tests only.
    CurveTest, FpTest, FqTest,
    p: "8000000000000000000000000000000000000000000000000000000000000431",
    q: "8000000000000000000000000000000150fe8a1892976154c59cfc193accf5b3",
    a: "0000000000000000000000000000000000000000000000000000000000000007",
    b: "5fbff498aa938ce739b8e022fbafef40563f6e6a3472fc2a514c0ce9dae23b7e",
    x: "0000000000000000000000000000000000000000000000000000000000000002",
    y: "08e2a8a0e65147d4bd6316030e16d19c85c97f0a9ca267122b96abbcea7e8fc8",
    a_is_minus_3: false
);

/// Runs `$body` with `$c` bound to the curve type of `$curve_id`.
macro_rules! dispatch {
    ($curve_id:expr, $c:ident => $body:expr) => {{
        use $crate::curve::*;
        match $curve_id {
            $crate::param_set::CurveId::A => {
                type $c = CurveA;
                $body
            }
            $crate::param_set::CurveId::B => {
                type $c = CurveB;
                $body
            }
            $crate::param_set::CurveId::C => {
                type $c = CurveC;
                $body
            }
            $crate::param_set::CurveId::Tc26A => {
                type $c = CurveTc26A;
                $body
            }
        }
    }};
}
pub(crate) use dispatch;
