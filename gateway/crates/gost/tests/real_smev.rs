//! Certificates and signatures taken from real SMEV 3 envelopes (see
//! `tests/data/README.md`): parsing, key extraction, and verification of
//! signatures the SMEV test environment made.

use std::path::PathBuf;

use gost::{Certificate, KeyAlgorithm, ParamSet, VerifyingKey};
use time::macros::datetime;

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn certificate(name: &str) -> Certificate {
    Certificate::from_base64(&data(&format!("{name}.b64"))).expect("real certificate parses")
}

fn decode_b64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .expect("base64")
}

#[test]
fn smev_signer_certificate_has_expected_fields() {
    let cert = certificate("smev-test-signer-2020");
    assert_eq!(cert.not_before(), datetime!(2020-09-02 07:57:34 UTC));
    assert_eq!(cert.not_after(), datetime!(2021-09-02 08:07:34 UTC));
    assert_eq!(cert.serial_hex(), "03ea85002aac41a8452b232f1c5f1db6");
    assert_eq!(
        cert.subject_common_name(),
        Some("Министерство цифрового развития, связи и массовых коммуникаций Российской Федерации")
    );
    assert!(cert
        .subject()
        .contains("unstructuredName=ТСМЭВ 3\\, СР СМЭВ 3. Транспорт"));
    assert!(cert
        .subject()
        .contains("INN=007710474375, OGRN=1047702026701"));
    assert!(cert
        .issuer()
        .ends_with("O=ПАО \\\"Ростелеком\\\", CN=Тестовый УЦ РТК"));
    assert_eq!(cert.signature_algorithm(), "1.2.643.7.1.1.3.2");
}

#[test]
fn smev_signer_certificate_key_is_2012_256_on_xcha() {
    let cert = certificate("smev-test-signer-2020");
    let expected = KeyAlgorithm::Gost2012_256 {
        param_set: ParamSet::CryptoProXchA,
    };
    assert_eq!(cert.key_algorithm(), &expected);
    let key = cert.verifying_key().expect("key extracts");
    assert_eq!(key.param_set(), ParamSet::CryptoProXchA);
    let back = VerifyingKey::from_spki_der(&key.to_spki_der()).expect("re-decodes");
    assert_eq!(back, key);
}

#[test]
fn smev_signer_certificate_validity_window_is_checked() {
    let cert = certificate("smev-test-signer-2020");
    assert!(cert.is_valid_at(datetime!(2021-03-23 07:03:07 UTC)));
    assert!(!cert.is_valid_at(datetime!(2020-09-02 07:57:33 UTC)));
    assert!(!cert.is_valid_at(datetime!(2021-09-02 08:07:35 UTC)));
}

#[test]
fn real_certificate_fingerprints_match_openssl_gost_digest() {
    // Values from `base64 -d X.b64 | openssl dgst -md_gost12_256` with the
    // gost engine.
    let expected = [
        (
            "smev-test-signer-2020",
            "95a15b9c6668f30d8a13eb13c8cfb6af7bf58af2e56918a65390ede82f3c0a75",
        ),
        (
            "esia-provider-2021",
            "75a3df5b845d01f009ff5038d83f9a774f2eaa3de0a542943313ec4a2c46c967",
        ),
        (
            "smev-transport-2020",
            "084be5acf4b2610708e30a970c4231a35036b6930949d595887dd6a715f2000e",
        ),
    ];
    for (name, fingerprint) in expected {
        assert_eq!(certificate(name).fingerprint(), fingerprint, "{name}");
    }
}

#[test]
fn real_certificates_re_encode_to_the_same_der_and_pem() {
    for name in [
        "smev-test-signer-2020",
        "esia-provider-2021",
        "smev-transport-2020",
    ] {
        let cert = certificate(name);
        assert_eq!(cert.to_der(), decode_b64(&data(&format!("{name}.b64"))));
        assert_eq!(Certificate::from_pem(&cert.to_pem()).expect("pem"), cert);
    }
}

#[test]
fn provider_certificate_has_serial_and_dates() {
    let cert = certificate("esia-provider-2021");
    assert_eq!(cert.serial_hex(), "01f89da500d3ac5c8f46070516b002530f");
    assert_eq!(cert.not_before(), datetime!(2021-02-18 09:53:00 UTC));
    assert_eq!(cert.not_after(), datetime!(2022-02-18 10:03:00 UTC));
    assert!(cert.issuer().starts_with("E=ca@rt.ru, OGRN=1027700198767"));
    assert!(cert.verifying_key().is_ok());
}

/// The SMEV test environment's own signatures over (canonical) SignedInfo.
#[test]
fn real_smev_signatures_verify_with_certificate_key() {
    let key = certificate("smev-test-signer-2020")
        .verifying_key()
        .expect("key");
    for case in [
        "send-request-response-smev",
        "invalid-content-sender",
        "invalid-content-smev",
    ] {
        let signed_info = data(&format!("{case}.signedinfo.xml"));
        let signature = decode_b64(&data(&format!("{case}.sig.b64")));
        assert!(
            key.verify(signed_info.as_bytes(), &signature),
            "{case} must verify"
        );
    }
}

#[test]
fn real_smev_signature_fails_on_changed_signed_info() {
    let key = certificate("smev-test-signer-2020")
        .verifying_key()
        .expect("key");
    let signed_info = data("send-request-response-smev.signedinfo.xml");
    let signature = decode_b64(&data("send-request-response-smev.sig.b64"));
    let changed = signed_info.replace("SIGNED_BY_SMEV", "SIGNED_BY_SMEW");
    assert!(!key.verify(changed.as_bytes(), &signature));
    let other = decode_b64(&data("invalid-content-smev.sig.b64"));
    assert!(!key.verify(signed_info.as_bytes(), &other));
}
