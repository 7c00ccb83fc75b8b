//! Cross-verification with OpenSSL and its GOST engine: the SignatureValue
//! of a real SMEV signature and of our own are checked by
//! `openssl dgst -md_gost12_256 -verify` over the exc-c14n bytes of
//! SignedInfo. This pins the byte orders of protocol brief §2.4 (digest in
//! Streebog output order, SignatureValue s ‖ r big-endian) against an
//! independent implementation.

use std::fs;
use std::path::Path;
use std::process::Command;

use dsig::{find_signatures, SignatureParts};

const GOST_ENGINE: &str = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// What OpenSSL says about `signature` over `data` with the key of `cert_der`.
fn openssl_verify(data: &[u8], signature: &[u8], cert_der: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("openssl.cnf");
    fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n\
             [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
             dynamic_path = {GOST_ENGINE}\ndefault_algorithms = ALL\n"
        ),
    )
    .expect("write config");
    let [data_path, sig_path, cert_path, pub_path] =
        ["data", "sig", "cert.der", "pub.pem"].map(|name| dir.path().join(name));
    fs::write(&data_path, data).expect("write data");
    fs::write(&sig_path, signature).expect("write signature");
    fs::write(&cert_path, cert_der).expect("write cert");

    let pubkey = run(
        &conf,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            p(&cert_path),
            "-pubkey",
            "-noout",
        ],
    );
    fs::write(&pub_path, pubkey).expect("write public key");
    let verify = [
        "dgst",
        "-md_gost12_256",
        "-verify",
        p(&pub_path),
        "-signature",
        p(&sig_path),
    ];
    let args: Vec<&str> = verify.into_iter().chain([p(&data_path)]).collect();
    run(&conf, &args).trim().to_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// Runs the `openssl` CLI with our engine config; returns stdout.
fn run(conf: &Path, args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .env("OPENSSL_CONF", conf)
        .output()
        .expect("the openssl CLI is installed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// exc-c14n(SignedInfo), SignatureValue and certificate of signature `n`.
fn signed_info_parts(bytes: &[u8], n: usize) -> (Vec<u8>, SignatureParts) {
    let doc = xml::Document::parse(bytes).expect("parse");
    let sig = find_signatures(bytes).expect("find").remove(n);
    let index = sig.signed_info_index.expect("signed info");
    let canonical = doc
        .exc_c14n(&xml::Target::nth(DS, "SignedInfo", index), &[])
        .expect("c14n");
    (canonical, sig.parts.expect("shape"))
}

#[test]
fn openssl_verifies_real_smev_signature_value() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real/SendRequestResponce.xml");
    let original = fs::read_to_string(path).expect("real vector");
    // Restore the compact SignedInfo SMEV signed (the author re-indented it).
    let start = original.find("<ds:SignedInfo>").expect("signed info");
    let end = original.find("</ds:SignedInfo>").expect("signed info end");
    let compact: String = original[start..end]
        .split('\n')
        .map(str::trim_start)
        .collect();
    let bytes = format!("{}{compact}{}", &original[..start], &original[end..]);

    let (signed_info, parts) = signed_info_parts(bytes.as_bytes(), 0);
    let cert = parts.certificate.as_deref().expect("certificate");
    assert_eq!(
        openssl_verify(&signed_info, &parts.signature_value, cert),
        "Verified OK"
    );

    let mut tampered = signed_info.clone();
    tampered[20] ^= 1;
    assert_eq!(
        openssl_verify(&tampered, &parts.signature_value, cert),
        "Verification failure"
    );
}

#[test]
fn openssl_verifies_our_signature_value() {
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = gost::self_signed(&key, "smevgate openssl cross-check", None, 30);
    let element = "<b:AckTargetMessage \
        xmlns:b=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.2\" \
        Id=\"SIGNED_BY_CALLER\" accepted=\"true\">77419000-d7b2-11ee-8aaa-0000000000a1\
        </b:AckTargetMessage>";
    let signature = dsig::sign_element(element, "SIGNED_BY_CALLER", &key, &cert).expect("sign");

    let (signed_info, parts) = signed_info_parts(signature.as_bytes(), 0);
    assert_eq!(parts.certificate.as_deref(), Some(cert.as_der()));
    assert_eq!(
        openssl_verify(&signed_info, &parts.signature_value, cert.as_der()),
        "Verified OK"
    );
}
