//! Public API round trips on every parameter set, tamper rejection, and the
//! errors key constructors give for malformed input.

use gost::{GostError, ParamSet, SigningKey, VerifyingKey};

const MESSAGE: &[u8] = b"<SenderProvidedRequestData Id=\"SIGNED_BY_CALLER\"/>";

#[test]
fn sign_then_verify_round_trips_on_every_param_set() {
    for set in ParamSet::ALL {
        let key = SigningKey::generate(set);
        let signature = key.sign(MESSAGE);
        assert!(key.verifying_key().verify(MESSAGE, &signature), "{set:?}");
        let public = VerifyingKey::from_sec1_le_xy(set, &key.verifying_key().to_le_xy())
            .expect("own public key decodes");
        assert!(public.verify(MESSAGE, &signature), "{set:?}");
    }
}

#[test]
fn tampered_message_or_signature_fails_on_every_param_set() {
    for set in ParamSet::ALL {
        let key = SigningKey::generate(set);
        let signature = key.sign(MESSAGE);
        let public = key.verifying_key();
        let mut message = MESSAGE.to_vec();
        message[5] ^= 0x20;
        assert!(!public.verify(&message, &signature), "{set:?} message");
        for byte in [0, 31, 32, 63] {
            let mut bad = signature;
            bad[byte] ^= 0x80;
            assert!(!public.verify(MESSAGE, &bad), "{set:?} byte {byte}");
        }
        let mut swapped = [0u8; 64];
        swapped[..32].copy_from_slice(&signature[32..]);
        swapped[32..].copy_from_slice(&signature[..32]);
        assert!(!public.verify(MESSAGE, &swapped), "{set:?} r and s swapped");
    }
}

#[test]
fn signature_from_other_key_fails() {
    let signer = SigningKey::generate(ParamSet::CryptoProXchA);
    let other = SigningKey::generate(ParamSet::CryptoProXchA);
    assert!(!other.verifying_key().verify(MESSAGE, &signer.sign(MESSAGE)));
}

#[test]
fn signature_of_wrong_length_is_false_not_error() {
    let key = SigningKey::generate(ParamSet::CryptoProA);
    let signature = key.sign(MESSAGE);
    assert!(!key.verifying_key().verify(MESSAGE, &signature[..63]));
    assert!(!key
        .verifying_key()
        .verify(MESSAGE, &[signature.as_slice(), &[0]].concat()));
    assert!(!key.verifying_key().verify(MESSAGE, &[]));
}

#[test]
fn public_key_of_wrong_length_is_rejected() {
    let err = VerifyingKey::from_sec1_le_xy(ParamSet::CryptoProA, &[1u8; 63]).unwrap_err();
    assert_eq!(
        err,
        GostError::BadLength {
            what: "public key",
            expected: 64,
            actual: 63
        }
    );
}

#[test]
fn public_key_off_curve_is_rejected() {
    let key = SigningKey::generate(ParamSet::CryptoProA);
    let mut xy = key.verifying_key().to_le_xy();
    xy[40] ^= 0x01;
    let err = VerifyingKey::from_sec1_le_xy(ParamSet::CryptoProA, &xy).unwrap_err();
    assert_eq!(err, GostError::PointNotOnCurve);
}

#[test]
fn public_key_from_other_curve_is_rejected() {
    let key = SigningKey::generate(ParamSet::CryptoProB);
    let xy = key.verifying_key().to_le_xy();
    let err = VerifyingKey::from_sec1_le_xy(ParamSet::CryptoProC, &xy).unwrap_err();
    assert_eq!(err, GostError::PointNotOnCurve);
}

#[test]
fn private_scalar_zero_or_above_order_is_rejected() {
    let zero = SigningKey::from_bytes_le(ParamSet::CryptoProA, &[0u8; 32]).unwrap_err();
    assert_eq!(zero, GostError::ScalarOutOfRange);
    let all_ones = SigningKey::from_bytes_le(ParamSet::CryptoProA, &[0xff; 32]).unwrap_err();
    assert_eq!(all_ones, GostError::ScalarOutOfRange);
}

#[test]
fn signing_key_debug_hides_the_secret() {
    let key = SigningKey::generate(ParamSet::CryptoProA);
    let d_hex = hex::encode(key.to_bytes_le().as_ref());
    let shown = format!("{key:?}");
    assert!(!shown.contains(&d_hex));
    assert!(shown.contains("verifying_key"));
}

#[test]
fn spki_with_foreign_algorithm_is_rejected() {
    // An RSA SubjectPublicKeyInfo header (rsaEncryption, NULL params).
    let rsa = hex::decode("3014300d06092a864886f70d01010105000303003000").expect("hex");
    let err = VerifyingKey::from_spki_der(&rsa).unwrap_err();
    assert_eq!(
        err,
        GostError::UnsupportedAlgorithm("1.2.840.113549.1.1.1".into())
    );
}

#[test]
fn pkcs8_garbage_is_a_der_error() {
    let err = SigningKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01]).unwrap_err();
    assert!(matches!(err, GostError::Der(_)), "{err:?}");
    let err = SigningKey::from_pkcs8_pem("not pem").unwrap_err();
    assert_eq!(err, GostError::Pem("begin line not found"));
}
