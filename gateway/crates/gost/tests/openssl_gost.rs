//! Cross-checks with OpenSSL's gost engine through the `openssl` command:
//! keys, signatures and certificates must pass in both directions.
//!
//! Findings pinned here: the engine's `dgst -sign` / `pkeyutl -sign` output is
//! exactly our s ‖ r big-endian form, its digest-to-e rule is ours
//! (little-endian), its public key is X ‖ Y little-endian inside an OCTET
//! STRING, and its PKCS#8 private key is d little-endian straight in the
//! privateKey OCTET STRING. No byte reversal is needed anywhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gost::{self_signed, streebog256, Certificate, ParamSet, SigningKey, VerifyingKey};

const ENGINE: &str = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";

/// A temp dir with an OPENSSL_CONF that loads the gost engine.
struct OpenSsl {
    dir: tempfile::TempDir,
}

impl OpenSsl {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = format!(
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engines\n\
             [engines]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
             dynamic_path = {ENGINE}\ndefault_algorithms = ALL\n"
        );
        std::fs::write(dir.path().join("openssl.cnf"), conf).expect("write conf");
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write file");
        path
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read file")
    }

    /// Runs openssl in the temp dir; returns the output whatever the status.
    fn run(&self, args: &[&str]) -> Output {
        Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .env("OPENSSL_CONF", self.path("openssl.cnf"))
            .output()
            .expect("openssl runs")
    }

    /// Runs openssl and requires success.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn genpkey(&self, set: ParamSet, name: &str) -> SigningKey {
        let paramset = format!("paramset:{}", set.openssl_name());
        self.ok(&[
            "genpkey",
            "-algorithm",
            "gost2012_256",
            "-pkeyopt",
            &paramset,
            "-out",
            name,
        ]);
        let pem = std::fs::read_to_string(self.path(name)).expect("key pem");
        SigningKey::from_pkcs8_pem(&pem).expect("our parser loads the engine key")
    }
}

fn str_path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

const MESSAGE: &[u8] = b"<ds:SignedInfo>smev</ds:SignedInfo>";

#[test]
fn engine_keys_load_and_match_engine_public_keys_on_every_param_set() {
    let ossl = OpenSsl::new();
    for set in ParamSet::ALL {
        let key = ossl.genpkey(set, "key.pem");
        assert_eq!(key.param_set(), set);
        ossl.ok(&[
            "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
        ]);
        let engine_public = VerifyingKey::from_spki_der(&ossl.read("pub.der")).expect("spki");
        assert_eq!(&engine_public, key.verifying_key(), "{set:?}");
        assert_eq!(
            key.verifying_key().to_spki_der(),
            ossl.read("pub.der"),
            "{set:?}"
        );
        let engine_pem = String::from_utf8(ossl.read("key.pem")).expect("ascii");
        assert_eq!(key.to_pkcs8_pem().as_str(), engine_pem, "{set:?}");
    }
}

#[test]
fn our_keys_load_in_engine_with_same_public_key() {
    let ossl = OpenSsl::new();
    for set in ParamSet::ALL {
        let key = SigningKey::generate(set);
        ossl.write("ours.pem", key.to_pkcs8_pem().as_bytes());
        ossl.ok(&[
            "pkey", "-in", "ours.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
        ]);
        assert_eq!(
            ossl.read("pub.der"),
            key.verifying_key().to_spki_der(),
            "{set:?}"
        );
    }
}

#[test]
fn engine_signatures_verify_with_our_code() {
    let ossl = OpenSsl::new();
    ossl.write("msg", MESSAGE);
    for set in ParamSet::ALL {
        let key = ossl.genpkey(set, "key.pem");
        ossl.ok(&[
            "dgst",
            "-md_gost12_256",
            "-sign",
            "key.pem",
            "-out",
            "sig",
            "msg",
        ]);
        let signature = ossl.read("sig");
        assert_eq!(signature.len(), 64);
        assert!(key.verifying_key().verify(MESSAGE, &signature), "{set:?}");

        let mut tampered = signature.clone();
        tampered[10] ^= 0x04;
        assert!(!key.verifying_key().verify(MESSAGE, &tampered), "{set:?}");
        assert!(!key.verifying_key().verify(b"other", &signature), "{set:?}");
    }
}

#[test]
fn engine_raw_digest_signature_verifies_with_verify_digest() {
    let ossl = OpenSsl::new();
    let key = ossl.genpkey(ParamSet::CryptoProXchA, "key.pem");
    let digest = streebog256(MESSAGE);
    ossl.write("digest", digest);
    ossl.ok(&[
        "pkeyutl", "-sign", "-inkey", "key.pem", "-in", "digest", "-out", "sig",
    ]);
    assert!(key
        .verifying_key()
        .verify_digest(&digest, &ossl.read("sig")));
}

#[test]
fn our_signatures_verify_in_engine() {
    let ossl = OpenSsl::new();
    let msg = ossl.write("msg", MESSAGE);
    for set in ParamSet::ALL {
        let key = SigningKey::generate(set);
        ossl.write("pub.pem", key.verifying_key().to_spki_pem());
        ossl.write("sig", key.sign(MESSAGE));
        let verify = [
            "dgst",
            "-md_gost12_256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
        ];
        let out = ossl.ok(&[&verify[..], &[str_path(&msg)]].concat());
        assert!(out.contains("Verified OK"), "{set:?}: {out}");

        ossl.write("digest", streebog256(MESSAGE));
        let pkeyutl = [
            "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest",
        ];
        ossl.ok(&[&pkeyutl[..], &["-sigfile", "sig"]].concat());
    }
}

#[test]
fn our_tampered_signature_is_rejected_by_engine() {
    let ossl = OpenSsl::new();
    ossl.write("msg", MESSAGE);
    let key = SigningKey::generate(ParamSet::CryptoProA);
    ossl.write("pub.pem", key.verifying_key().to_spki_pem());
    let mut signature = key.sign(MESSAGE);
    signature[40] ^= 0x01;
    ossl.write("sig", signature);
    let out = ossl.run(&[
        "dgst",
        "-md_gost12_256",
        "-verify",
        "pub.pem",
        "-signature",
        "sig",
        "msg",
    ]);
    assert!(!out.status.success());
}

#[test]
fn our_self_signed_certificate_passes_openssl_text_and_verify() {
    let ossl = OpenSsl::new();
    let key = SigningKey::generate(ParamSet::CryptoProXchA);
    let cert = self_signed(&key, "Шлюз СМЭВ тест", Some("ООО \"Тест\""), 30);
    ossl.write("cert.pem", cert.to_pem());

    let text = ossl.ok(&[
        "x509", "-in", "cert.pem", "-noout", "-text", "-nameopt", "utf8",
    ]);
    assert!(
        text.contains("GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)"),
        "{text}"
    );
    assert!(
        text.contains("CN=Шлюз СМЭВ тест") || text.contains("CN = Шлюз СМЭВ тест"),
        "{text}"
    );
    let verify = ossl.ok(&["verify", "-CAfile", "cert.pem", "cert.pem"]);
    assert_eq!(verify.trim(), "cert.pem: OK");
    assert!(cert.is_signed_by(key.verifying_key()));
}

#[test]
fn engine_issued_certificate_parses_and_its_signature_checks() {
    let ossl = OpenSsl::new();
    let key = ossl.genpkey(ParamSet::CryptoProA, "key.pem");
    let subj = "/CN=Тестовый узел/O=Организация/C=RU";
    let args = [
        "req",
        "-x509",
        "-new",
        "-key",
        "key.pem",
        "-md_gost12_256",
        "-utf8",
        "-days",
        "10",
    ];
    ossl.ok(&[&args[..], &["-subj", subj, "-out", "cert.pem"]].concat());

    let pem = String::from_utf8(ossl.read("cert.pem")).expect("ascii");
    let cert = Certificate::from_pem(&pem).expect("engine certificate parses");
    assert_eq!(cert.subject(), "CN=Тестовый узел, O=Организация, C=RU");
    assert_eq!(cert.issuer(), cert.subject());
    assert_eq!(&cert.verifying_key().expect("key"), key.verifying_key());
    assert!(cert.is_signed_by(key.verifying_key()));
    assert!(!cert.is_signed_by(SigningKey::generate(ParamSet::CryptoProA).verifying_key()));

    let serial = ossl.ok(&["x509", "-in", "cert.pem", "-noout", "-serial"]);
    assert_eq!(
        serial.trim().to_lowercase(),
        format!("serial={}", cert.serial_hex())
    );
}
