//! Tests for curve arithmetic: constants, group order, and agreement between
//! the different scalar multiplications.

use crypto_bigint::U256;

use super::*;
use crate::curve::{CurveA, CurveB, CurveC, CurveTc26A, CurveTest};

fn affine_of<C: Curve>(p: &Jacobian<C>) -> (U256, U256) {
    p.to_affine().expect("finite point").coordinates()
}

/// Some scalars with structure: small, large, sparse, dense.
fn sample_scalars<C: Curve>() -> Vec<U256> {
    vec![
        U256::ONE,
        U256::from_u64(2),
        U256::from_u64(0xdead_beef),
        C::Q.wrapping_sub(&U256::ONE),
        C::Q.shr_vartime(1),
        U256::from_be_hex("0123456789abcdef0fedcba987654321a5a5a5a55a5a5a5a0000000100000001"),
    ]
}

fn check_curve<C: Curve>() {
    let g = Affine::<C>::generator();
    assert!(g.is_on_curve(), "G must satisfy the curve equation");

    let q_times_g = C::base_table().mul_vartime(&C::Q);
    assert!(q_times_g.is_identity().to_bool(), "q·G must be infinity");
    let q_times_g = mul_vartime(&g, &C::Q);
    assert!(
        q_times_g.is_identity().to_bool(),
        "q·G must be infinity (sliding)"
    );

    for k in sample_scalars::<C>() {
        let k = if k >= C::Q { k.wrapping_sub(&C::Q) } else { k };
        let ct = affine_of(&C::base_table().mul_ct(&k));
        let table = affine_of(&C::base_table().mul_vartime(&k));
        let sliding = affine_of(&mul_vartime(&g, &k));
        assert_eq!(ct, table, "constant-time and table multiplications differ");
        assert_eq!(
            ct, sliding,
            "table and sliding-window multiplications differ"
        );
        let point = C::base_table().mul_ct(&k).to_affine().expect("finite");
        assert!(point.is_on_curve());
    }
}

#[test]
fn curve_a_generator_has_order_q_and_multiplications_agree() {
    check_curve::<CurveA>();
}

#[test]
fn curve_b_generator_has_order_q_and_multiplications_agree() {
    check_curve::<CurveB>();
}

#[test]
fn curve_c_generator_has_order_q_and_multiplications_agree() {
    check_curve::<CurveC>();
}

#[test]
fn curve_tc26a_generator_has_order_q_and_multiplications_agree() {
    check_curve::<CurveTc26A>();
}

#[test]
fn curve_test_generator_has_order_q_and_multiplications_agree() {
    check_curve::<CurveTest>();
}

#[test]
fn jacobian_add_same_point_equals_double() {
    let g = Jacobian::from(Affine::<CurveA>::generator());
    assert_eq!(affine_of(&g.add_vartime(&g)), affine_of(&g.double()));
    let g_affine = Affine::<CurveA>::generator();
    assert_eq!(
        affine_of(&g.add_mixed_vartime(&g_affine)),
        affine_of(&g.double())
    );
}

#[test]
fn jacobian_add_opposite_points_gives_identity() {
    let g = Affine::<CurveB>::generator();
    let minus_g = Affine::<CurveB> {
        x: g.x,
        y: g.y.neg(),
    };
    let sum = Jacobian::from(g).add_mixed_vartime(&minus_g);
    assert!(sum.is_identity().to_bool());
}

#[test]
fn affine_point_off_curve_is_rejected() {
    let bad = Affine::<CurveA>::from_coordinates(&U256::ONE, &U256::from_u64(2));
    assert!(bad.is_none());
    let too_big = Affine::<CurveA>::from_coordinates(&CurveA::P, &U256::ONE);
    assert!(too_big.is_none());
}

#[test]
fn constant_time_multiplication_handles_zero_digits() {
    // k = 16⁶³ has a single non-zero digit at the top; k = 1 at the bottom.
    let k = U256::ONE.shl_vartime(252);
    let ct = affine_of(&CurveA::base_table().mul_ct(&k));
    let sliding = affine_of(&mul_vartime(&Affine::<CurveA>::generator(), &k));
    assert_eq!(ct, sliding);
}
