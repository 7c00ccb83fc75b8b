//! `smevgate keys generate`, `sign` and `transform` cross-checked with
//! tools that share no code with ours: OpenSSL with the gost engine for the
//! keys, digests and signature values, and `xmllint --exc-c14n` for the
//! canonical SignedInfo.
//!
//! Finding pinned here: the engine's `dgst -verify` takes the SignatureValue
//! bytes exactly as XMLDSig carries them (s ‖ r, big-endian); no reversal.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;

const ENGINE: &str = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";

/// The id our hand-made envelope gives SenderProvidedRequestData.
const SIGNED_ID: &str = "SIGNED_BY_CALLER";

/// An unsigned 1.3 SendRequest envelope, with whitespace in the payload.
const UNSIGNED_SEND_REQUEST: &str = concat!(
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
    r#"<soap:Header/><soap:Body>"#,
    r#"<t:SendRequestRequest "#,
    r#"xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3">"#,
    r#"<t:SenderProvidedRequestData Id="SIGNED_BY_CALLER">"#,
    r#"<t:MessageID>77419000-d7b2-11ee-8aaa-000000000001</t:MessageID>"#,
    r#"<MessagePrimaryContent "#,
    r#"xmlns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3">"#,
    "\n  ",
    r#"<q:EchoRequest xmlns:q="urn://smevgate.test/echo/1.0.0">"#,
    r#"<q:Snils>12345678901</q:Snils></q:EchoRequest>"#,
    "\n</MessagePrimaryContent></t:SenderProvidedRequestData>",
    "</t:SendRequestRequest></soap:Body></soap:Envelope>"
);

/// CASES.md B04: the input fragment.
const B04_INPUT: &str = concat!(
    r#"<t:SenderProvidedRequestData "#,
    r#"xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" "#,
    r#"Id="SIGNED_BY_CALLER">"#,
    "\n  ",
    r#"<t:MessageID>77419000-d7b2-11ee-8aaa-000000000001</t:MessageID>"#,
    "\n  ",
    r#"<MessagePrimaryContent "#,
    r#"xmlns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">"#,
    "\n    ",
    r#"<q:Query xmlns:q="urn://example.invalid/fake-service/1.0.0">"#,
    r#"<q:Code>X-000</q:Code></q:Query>"#,
    "\n  </MessagePrimaryContent>\n</t:SenderProvidedRequestData>\n"
);

/// CASES.md B04: the expected digest-input octets.
const B04_EXPECTED: &str = concat!(
    r#"<ns1:SenderProvidedRequestData "#,
    r#"xmlns:ns1="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" "#,
    r#"Id="SIGNED_BY_CALLER">"#,
    r#"<ns1:MessageID>77419000-d7b2-11ee-8aaa-000000000001</ns1:MessageID>"#,
    r#"<ns2:MessagePrimaryContent "#,
    r#"xmlns:ns2="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">"#,
    r#"<ns3:Query xmlns:ns3="urn://example.invalid/fake-service/1.0.0">"#,
    r#"<ns3:Code>X-000</ns3:Code></ns3:Query></ns2:MessagePrimaryContent>"#,
    r#"</ns1:SenderProvidedRequestData>"#
);

/// A temp dir with an OPENSSL_CONF that loads the gost engine; every
/// command runs inside it.
struct Workdir {
    dir: tempfile::TempDir,
}

// === impl Workdir ===

impl Workdir {
    fn new() -> Workdir {
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = format!(
            "openssl_conf = openssl_init\n[openssl_init]\nengines = engine_list\n\
             [engine_list]\ngost = gost_engine\n[gost_engine]\nengine_id = gost\n\
             dynamic_path = {ENGINE}\ndefault_algorithms = ALL\n"
        );
        std::fs::write(dir.path().join("openssl.cnf"), conf).expect("conf writes");
        Workdir { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("file writes");
        path
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("file reads")
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .env("OPENSSL_CONF", self.path("openssl.cnf"))
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"))
    }

    /// Runs a program and requires exit 0; returns stdout.
    fn ok(&self, program: &str, args: &[&str]) -> Vec<u8> {
        let out = self.run(program, args);
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    fn smevgate(&self, args: &[&str]) -> Vec<u8> {
        self.ok(env!("CARGO_BIN_EXE_smevgate"), args)
    }

    fn openssl(&self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.ok("openssl", args)).into_owned()
    }

    /// Generates `dir/key.pem` and `dir/cert.pem` with `smevgate`.
    fn generate(&self, dir: &str, cn: &str, days: &str) {
        self.smevgate(&["keys", "generate", "--out", dir, "--cn", cn, "--days", days]);
    }

    /// Signs the unsigned SendRequest with `keys/`; returns the envelope.
    fn signed_send_request(&self) -> String {
        self.generate("keys", "Test IS", "30");
        self.write("unsigned.xml", UNSIGNED_SEND_REQUEST);
        let signed = self.smevgate(&[
            "sign",
            "unsigned.xml",
            "--key",
            "keys/key.pem",
            "--cert",
            "keys/cert.pem",
        ]);
        self.write("signed.xml", &signed);
        String::from_utf8(signed).expect("utf-8 envelope")
    }
}

/// The text of the first `<ds:NAME>` element (no attributes on it).
fn element_text<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<ds:{name}>");
    let close = format!("</ds:{name}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = start + xml[start..].find(&close).expect("closed");
    &xml[start..end]
}

fn base64_decode(text: &str) -> Vec<u8> {
    let text: String = text.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

/// SignedInfo of `xml` as a standalone document declaring `ds`.
fn signed_info_document(xml: &str) -> String {
    format!(
        "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{}</ds:SignedInfo>",
        element_text(xml, "SignedInfo")
    )
}

/// Whitespace-only text removed inside SignedInfo (the capture's re-indent).
fn compact(fragment: &str) -> String {
    fragment
        .split('<')
        .map(|piece| match piece.split_once('>') {
            Some((tag, text)) if text.trim().is_empty() => format!("{tag}>"),
            _ => piece.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("<")
}

/// Verifies `signature` over exc-c14n(SignedInfo file) with OpenSSL.
fn openssl_verifies(work: &Workdir, signed_info: &str, pubkey: &str, signature: &[u8]) -> bool {
    work.write("signature.bin", signature);
    let canonical = work.ok("xmllint", &["--exc-c14n", signed_info]);
    work.write("signed-info.c14n", canonical);
    let out = work.run(
        "openssl",
        &[
            "dgst",
            "-engine",
            "gost",
            "-md_gost12_256",
            "-verify",
            pubkey,
            "-signature",
            "signature.bin",
            "signed-info.c14n",
        ],
    );
    out.status.success()
}

fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn keys_generate_writes_owner_only_key_and_reports_both_files() {
    let work = Workdir::new();

    let stdout = work.smevgate(&["keys", "generate", "--out", "keys"]);

    assert_eq!(
        String::from_utf8_lossy(&stdout),
        "wrote keys/key.pem and keys/cert.pem\n"
    );
    assert_eq!(file_mode(&work.path("keys/key.pem")), 0o600);
    let key = String::from_utf8(work.read("keys/key.pem")).expect("ascii");
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{key}");
}

#[test]
fn generated_key_and_certificate_load_in_openssl_gost_engine() {
    let work = Workdir::new();
    work.generate("keys", "Test IS", "30");

    let key_text = work.openssl(&["pkey", "-in", "keys/key.pem", "-noout", "-text"]);
    let cert_text = work.openssl(&["x509", "-in", "keys/cert.pem", "-noout", "-text"]);

    assert!(
        key_text.contains("Parameter set: id-GostR3410-2001-CryptoPro-A-ParamSet"),
        "{key_text}"
    );
    assert!(
        cert_text
            .contains("Signature Algorithm: GOST R 34.10-2012 with GOST R 34.11-2012 (256 bit)"),
        "{cert_text}"
    );
    assert!(
        cert_text.contains("Subject: CN = Test IS, O = smevgate"),
        "{cert_text}"
    );
    assert!(
        cert_text.contains("Issuer: CN = Test IS, O = smevgate"),
        "{cert_text}"
    );
}

#[test]
fn generated_certificate_holds_the_key_and_its_self_signature_verifies() {
    let work = Workdir::new();
    work.generate("keys", "Test IS", "30");

    let from_key = work.openssl(&["pkey", "-in", "keys/key.pem", "-pubout"]);
    let from_cert = work.openssl(&["x509", "-in", "keys/cert.pem", "-pubkey", "-noout"]);
    let verified = work.openssl(&["verify", "-CAfile", "keys/cert.pem", "keys/cert.pem"]);

    assert_eq!(from_key, from_cert);
    assert_eq!(verified, "keys/cert.pem: OK\n");
}

#[test]
fn generated_certificate_validity_follows_days() {
    let work = Workdir::new();
    work.generate("keys", "Short", "1");

    let within_hour = work.run(
        "openssl",
        &["x509", "-in", "keys/cert.pem", "-checkend", "3600"],
    );
    let within_two_days = work.run(
        "openssl",
        &["x509", "-in", "keys/cert.pem", "-checkend", "172800"],
    );

    assert!(within_hour.status.success());
    assert_eq!(within_two_days.status.code(), Some(1));
}

#[test]
fn signed_send_request_passes_smevgate_verify() {
    let work = Workdir::new();
    work.signed_send_request();

    let report = String::from_utf8(work.smevgate(&["verify", "signed.xml"])).expect("utf-8");

    assert!(
        report.starts_with("signature in CallerInformationSystemSignature\n"),
        "{report}"
    );
    assert!(
        report.contains("  target:     #SIGNED_BY_CALLER\n"),
        "{report}"
    );
    assert!(
        report.contains("  subject:    CN=Test IS, O=smevgate\n"),
        "{report}"
    );
    assert!(
        report.ends_with("  verdict:    valid\nresult: valid\n"),
        "{report}"
    );
}

#[test]
fn signed_send_request_digest_matches_openssl_streebog_of_transform_output() {
    let work = Workdir::new();
    let signed = work.signed_send_request();

    let octets = work.smevgate(&["transform", "signed.xml", "--id", SIGNED_ID]);
    work.write("digest-input.bin", &octets);
    let digest = work.ok(
        "openssl",
        &[
            "dgst",
            "-engine",
            "gost",
            "-md_gost12_256",
            "-binary",
            "digest-input.bin",
        ],
    );

    assert!(
        octets.starts_with(b"<ns1:SenderProvidedRequestData xmlns:ns1="),
        "{}",
        String::from_utf8_lossy(&octets)
    );
    assert_eq!(digest.len(), 32);
    assert_eq!(digest, base64_decode(element_text(&signed, "DigestValue")));
}

#[test]
fn signed_send_request_signature_value_verifies_in_openssl_as_carried() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    work.write("signed-info.xml", signed_info_document(&signed));
    work.openssl(&["pkey", "-in", "keys/key.pem", "-pubout", "-out", "pub.pem"]);
    let signature = base64_decode(element_text(&signed, "SignatureValue"));
    let reversed: Vec<u8> = signature.iter().rev().copied().collect();

    let as_carried = openssl_verifies(&work, "signed-info.xml", "pub.pem", &signature);
    let byte_reversed = openssl_verifies(&work, "signed-info.xml", "pub.pem", &reversed);

    assert_eq!(signature.len(), 64);
    assert!(as_carried, "the engine rejects s ‖ r as XMLDSig carries it");
    assert!(
        !byte_reversed,
        "the engine accepts the reversed (CryptoAPI) order"
    );
}

#[test]
fn real_smev_signature_verifies_in_openssl_after_compacting_signed_info() {
    let work = Workdir::new();
    let capture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/real/smev3sharp/SendRequestResponce.xml");
    let text = std::fs::read_to_string(capture).expect("capture reads");
    let certificate = base64_decode(element_text(&text, "X509Certificate"));
    work.write("smev.der", certificate);
    work.openssl(&[
        "x509", "-inform", "DER", "-in", "smev.der", "-pubkey", "-noout", "-out", "smev.pem",
    ]);
    let signature = base64_decode(element_text(&text, "SignatureValue"));
    work.write("as-is.xml", signed_info_document(&text));
    work.write("compact.xml", compact(&signed_info_document(&text)));

    let as_is = openssl_verifies(&work, "as-is.xml", "smev.pem", &signature);
    let compacted = openssl_verifies(&work, "compact.xml", "smev.pem", &signature);

    assert!(!as_is, "the re-indented SignedInfo must not verify");
    assert!(compacted, "SMEV's compact SignedInfo must verify");
}

#[test]
fn transform_of_b04_input_prints_the_expected_octets() {
    let work = Workdir::new();
    work.write("b04.xml", B04_INPUT);

    let by_root = work.smevgate(&["transform", "b04.xml"]);
    let by_id = work.smevgate(&["transform", "b04.xml", "--id", SIGNED_ID]);

    assert_eq!(String::from_utf8_lossy(&by_root), B04_EXPECTED);
    assert_eq!(by_id, by_root);
}

#[test]
fn sign_without_key_file_exits_non_zero_naming_it() {
    let work = Workdir::new();
    work.generate("keys", "Test IS", "30");
    work.write("unsigned.xml", UNSIGNED_SEND_REQUEST);

    let out = work.run(
        env!("CARGO_BIN_EXE_smevgate"),
        &[
            "sign",
            "unsigned.xml",
            "--key",
            "nope.pem",
            "--cert",
            "keys/cert.pem",
        ],
    );

    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot read nope.pem"), "{stderr}");
}

/// A 1.1 Ack whose CallerInformationSystemSignature is there but empty.
const UNSIGNED_ACK_1_1: &str = concat!(
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">"#,
    r#"<soap:Header/><soap:Body><t:AckRequest "#,
    r#"xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" "#,
    r#"xmlns:b="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">"#,
    "\n  ",
    r#"<b:AckTargetMessage Id="SIGNED_BY_CALLER" accepted="true">"#,
    "77419000-d7b2-11ee-8aaa-0000000000a1</b:AckTargetMessage>\n  ",
    "<t:CallerInformationSystemSignature></t:CallerInformationSystemSignature>\n",
    "</t:AckRequest></soap:Body></soap:Envelope>"
);

/// A 1.2 GetRequest whose selector carries `ID_ATTRIBUTE` (empty or an Id).
fn get_request_1_2(id_attribute: &str) -> String {
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <soap:Header/><soap:Body><t:GetRequestRequest \
         xmlns:t=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2\" \
         xmlns:b=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.2\">\
         <b:MessageTypeSelector{id_attribute}>\
         <b:Timestamp>2026-12-04T10:00:00.000Z</b:Timestamp></b:MessageTypeSelector>\
         </t:GetRequestRequest></soap:Body></soap:Envelope>"
    )
}

/// `smevgate sign FILE` with `keys/`; the output whatever the status.
fn sign_file(work: &Workdir, file: &str) -> Output {
    work.run(
        env!("CARGO_BIN_EXE_smevgate"),
        &[
            "sign",
            file,
            "--key",
            "keys/key.pem",
            "--cert",
            "keys/cert.pem",
        ],
    )
}

fn verify_result(work: &Workdir, file: &str) -> (Option<i32>, String) {
    let out = work.run(env!("CARGO_BIN_EXE_smevgate"), &["verify", file]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn sign_fills_an_empty_caller_signature_and_resigning_keeps_one() {
    let work = Workdir::new();
    work.generate("keys", "Test IS", "30");
    work.write("ack.xml", UNSIGNED_ACK_1_1);

    let signed = sign_file(&work, "ack.xml");
    work.write("ack.signed.xml", &signed.stdout);
    let resigned = sign_file(&work, "ack.signed.xml");
    work.write("ack.resigned.xml", &resigned.stdout);

    let signed = String::from_utf8(signed.stdout).expect("utf-8");
    let resigned = String::from_utf8(resigned.stdout).expect("utf-8");
    for text in [&signed, &resigned] {
        assert_eq!(text.matches("<ds:Signature ").count(), 1, "{text}");
        assert_eq!(
            text.matches("CallerInformationSystemSignature").count(),
            2,
            "{text}"
        );
    }
    assert!(signed.starts_with(&UNSIGNED_ACK_1_1[..UNSIGNED_ACK_1_1.find("<t:Caller").unwrap()]));
    for file in ["ack.signed.xml", "ack.resigned.xml"] {
        let (code, report) = verify_result(&work, file);
        assert_eq!(code, Some(0), "{file}: {report}");
        assert!(
            report.contains("  target:     #SIGNED_BY_CALLER\n"),
            "{report}"
        );
    }
}

#[test]
fn sign_get_request_selector_digest_matches_openssl() {
    let work = Workdir::new();
    work.generate("keys", "Test IS", "30");
    work.write("get.xml", get_request_1_2(" Id=\"SIGNED_BY_CALLER\""));

    let signed = sign_file(&work, "get.xml");
    work.write("get.signed.xml", &signed.stdout);
    let signed = String::from_utf8(signed.stdout).expect("utf-8");
    let octets = work.smevgate(&["transform", "get.signed.xml", "--id", SIGNED_ID]);
    work.write("digest-input.bin", &octets);
    let digest = work.ok(
        "openssl",
        &[
            "dgst",
            "-engine",
            "gost",
            "-md_gost12_256",
            "-binary",
            "digest-input.bin",
        ],
    );

    assert_eq!(verify_result(&work, "get.signed.xml").0, Some(0));
    assert!(octets.starts_with(b"<ns1:MessageTypeSelector xmlns:ns1="));
    assert_eq!(digest, base64_decode(element_text(&signed, "DigestValue")));
}

#[test]
fn sign_target_without_id_exits_1_and_prints_nothing() {
    let work = Workdir::new();
    work.generate("keys", "Test IS", "30");
    work.write("get.xml", get_request_1_2(""));

    let out = sign_file(&work, "get.xml");

    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has no Id attribute"), "{stderr}");
}

#[test]
fn signed_envelope_reindented_in_the_payload_still_verifies() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    let reindented = signed.replace("<q:Snils>", "\n      <q:Snils>");
    assert_ne!(reindented, signed);
    work.write("reindented.xml", reindented);
    let tampered = signed.replace("12345678901", "12345678902");
    work.write("tampered.xml", tampered);

    let (reindented_code, _) = verify_result(&work, "reindented.xml");
    let (tampered_code, report) = verify_result(&work, "tampered.xml");

    assert_eq!(reindented_code, Some(0));
    assert_eq!(tampered_code, Some(1));
    assert!(report.contains("  digest:     FAILED\n"), "{report}");
    assert!(report.contains("  value:      ok\n"), "{report}");
}

/// `signed` with its ds:Signature rewritten to the default xmldsig
/// namespace (no prefix) and its SignatureValue made by OpenSSL with `key`.
fn openssl_resigned_without_prefix(work: &Workdir, signed: &str, key: &str) -> String {
    let start = signed.find("<ds:Signature ").expect("signature");
    let end = signed.find("</ds:Signature>").expect("closed") + "</ds:Signature>".len();
    let signature = signed[start..end]
        .replace("<ds:", "<")
        .replace("</ds:", "</")
        .replace("xmlns:ds=", "xmlns=");
    let rewritten = format!("{}{signature}{}", &signed[..start], &signed[end..]);
    openssl_resigned(work, &rewritten, "", key)
}

/// `envelope` with the SignatureValue replaced by OpenSSL's signature with
/// `key` over exc-c14n of its SignedInfo (xmldsig prefix `prefix`, "" for
/// the default namespace), so that only the digest decides.
fn openssl_resigned(work: &Workdir, envelope: &str, prefix: &str, key: &str) -> String {
    let (open, close) = (
        format!("<{prefix}SignedInfo>"),
        format!("</{prefix}SignedInfo>"),
    );
    let start = envelope.find(&open).expect("SignedInfo") + open.len();
    let end = envelope.find(&close).expect("closed");
    let declaration = match prefix.strip_suffix(':') {
        Some(name) => format!("xmlns:{name}"),
        None => "xmlns".to_owned(),
    };
    let standalone = format!(
        "<{prefix}SignedInfo {declaration}=\"http://www.w3.org/2000/09/xmldsig#\">{}{close}",
        &envelope[start..end]
    );
    work.write("resigned-info.xml", standalone);
    let canonical = work.ok("xmllint", &["--exc-c14n", "resigned-info.xml"]);
    work.write("resigned-info.c14n", canonical);
    let sign = [
        "dgst",
        "-md_gost12_256",
        "-sign",
        key,
        "-out",
        "resigned.sig",
    ];
    work.openssl(&[&sign[..], &["resigned-info.c14n"]].concat());
    let value = base64::engine::general_purpose::STANDARD.encode(work.read("resigned.sig"));
    let (open, close) = (
        format!("<{prefix}SignatureValue>"),
        format!("</{prefix}SignatureValue>"),
    );
    let start = envelope.find(&open).expect("SignatureValue") + open.len();
    let end = envelope.find(&close).expect("closed");
    format!("{}{value}{}", &envelope[..start], &envelope[end..])
}

#[test]
fn openssl_made_signature_without_prefix_verifies_with_smevgate() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    work.generate("other", "Other IS", "30");
    let by_owner = openssl_resigned_without_prefix(&work, &signed, "keys/key.pem");
    work.write("by-owner.xml", &by_owner);
    let by_other = openssl_resigned_without_prefix(&work, &signed, "other/key.pem");
    work.write("by-other.xml", &by_other);

    let (owner_code, owner_report) = verify_result(&work, "by-owner.xml");
    let (other_code, other_report) = verify_result(&work, "by-other.xml");

    assert!(by_owner.contains("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">"));
    assert_eq!(owner_code, Some(0), "{owner_report}");
    assert_eq!(other_code, Some(1), "{other_report}");
    assert!(
        other_report.contains("  digest:     ok\n"),
        "{other_report}"
    );
    assert!(
        other_report.contains("  value:      FAILED\n"),
        "{other_report}"
    );
}

/// `smevgate transform FILE` of `input`; the output whatever the status.
fn transform(work: &Workdir, input: &str) -> Output {
    work.write("fragment.xml", input);
    work.run(
        env!("CARGO_BIN_EXE_smevgate"),
        &["transform", "fragment.xml"],
    )
}

#[test]
fn transform_of_b01_vectors_prints_the_expected_octets() {
    let work = Workdir::new();
    let element_prefixes = (
        concat!(
            r#"<a:Root xmlns:a="urn://fake/A" xmlns:b="urn://fake/B" xmlns:unused="urn://fake/U">"#,
            "\n  <b:Left>\n    ",
            r#"<Inner xmlns="urn://fake/C">x</Inner>"#,
            "\n    ",
            r#"<c:Again xmlns:c="urn://fake/B">y</c:Again>"#,
            "\n  </b:Left>\n  ",
            r#"<b:Right><z:Deep xmlns:z="urn://fake/C"/></b:Right>"#,
            "\n</a:Root>\n"
        ),
        concat!(
            r#"<ns1:Root xmlns:ns1="urn://fake/A"><ns2:Left xmlns:ns2="urn://fake/B">"#,
            r#"<ns3:Inner xmlns:ns3="urn://fake/C">x</ns3:Inner><ns2:Again>y</ns2:Again>"#,
            r#"</ns2:Left><ns4:Right xmlns:ns4="urn://fake/B">"#,
            r#"<ns5:Deep xmlns:ns5="urn://fake/C"></ns5:Deep></ns4:Right></ns1:Root>"#
        ),
    );
    let attributes = (
        concat!(
            r#"<r xmlns="urn://fake/R" xmlns:p="urn://fake/P" xmlns:k="urn://fake/0" "#,
            r#"b="2" p:z="3" a="1" k:y="4"/>"#
        ),
        concat!(
            r#"<ns1:r xmlns:ns1="urn://fake/R" xmlns:ns2="urn://fake/0" "#,
            r#"xmlns:ns3="urn://fake/P" ns2:y="4" ns3:z="3" a="1" b="2"></ns1:r>"#
        ),
    );

    for (input, expected) in [element_prefixes, attributes] {
        let out = transform(&work, input);

        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
}

#[test]
fn transform_refuses_unqualified_element_and_xml_attribute() {
    let work = Workdir::new();
    let cases = [
        (
            r#"<a:R xmlns:a="urn://fake/A"><u>1</u></a:R>"#,
            "element `u` has no namespace",
        ),
        (
            r#"<a:R xmlns:a="urn://fake/A" xml:lang="ru"/>"#,
            "attribute `xml:lang` cannot be given a generated prefix",
        ),
    ];

    for (input, message) in cases {
        let out = transform(&work, input);

        assert_eq!(out.status.code(), Some(1), "{input}");
        assert!(out.stdout.is_empty(), "{input}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

#[test]
fn digest_over_plain_exc_c14n_fails_even_with_a_valid_signature_value() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    let target = &UNSIGNED_SEND_REQUEST[UNSIGNED_SEND_REQUEST
        .find("<t:SenderProvidedRequestData")
        .expect("target")
        ..UNSIGNED_SEND_REQUEST
            .find("</t:SendRequestRequest>")
            .expect("end")];
    let types = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3";
    let standalone = target.replacen(
        "<t:SenderProvidedRequestData ",
        &format!("<t:SenderProvidedRequestData xmlns:t=\"{types}\" "),
        1,
    );
    work.write("target.xml", standalone);
    let plain = work.ok("xmllint", &["--exc-c14n", "target.xml"]);
    work.write("plain.c14n", &plain);
    let digest = work.ok(
        "openssl",
        &["dgst", "-md_gost12_256", "-binary", "plain.c14n"],
    );
    let digest = base64::engine::general_purpose::STANDARD.encode(digest);
    let swapped = signed.replace(element_text(&signed, "DigestValue"), &digest);
    work.write(
        "plain-digest.xml",
        openssl_resigned(&work, &swapped, "ds:", "keys/key.pem"),
    );

    let (code, report) = verify_result(&work, "plain-digest.xml");

    assert!(
        String::from_utf8_lossy(&plain).contains("xmlns:t="),
        "plain c14n keeps prefixes"
    );
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("  digest:     FAILED\n"), "{report}");
    assert!(report.contains("  value:      ok\n"), "{report}");
    assert!(
        report.contains("  verdict:    SignatureIsInvalid"),
        "{report}"
    );
}

#[test]
fn reversed_transform_order_is_rejected_even_with_a_valid_signature_value() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    let c14n =
        r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform>"#;
    let smev = r#"<ds:Transform Algorithm="urn://smev-gov-ru/xmldsig/transform"></ds:Transform>"#;
    let in_order = format!("{c14n}{smev}");
    assert!(signed.contains(&in_order), "{signed}");
    let reversed = signed.replace(&in_order, &format!("{smev}{c14n}"));
    work.write(
        "reversed.xml",
        openssl_resigned(&work, &reversed, "ds:", "keys/key.pem"),
    );

    let (code, report) = verify_result(&work, "reversed.xml");

    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("  digest:     not checked\n"), "{report}");
    let verdict = "verdict:    SignatureIsInvalid: transforms must be [exc-c14n, smev transform]";
    assert!(report.contains(verdict), "{report}");
}

#[test]
fn algorithm_uri_mismatches_are_rejected_before_any_crypto() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    let prefix = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:";
    let cases = [
        (
            "gostr34102012-gostr34112012-256\"",
            "gostr34102001-gostr3411\"",
            "signature method `urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102001-gostr3411` \
             is not part of the smev 3 profile",
        ),
        (
            "gostr34112012-256\"",
            "gostr34112012-512\"",
            "algorithms mix gost generations",
        ),
    ];

    for (from, to, message) in cases {
        let (from, to) = (format!("{prefix}{from}"), format!("{prefix}{to}"));
        assert!(signed.contains(&from), "{from}");
        let mixed = signed.replace(&from, &to);
        work.write(
            "mixed.xml",
            openssl_resigned(&work, &mixed, "ds:", "keys/key.pem"),
        );

        let (code, report) = verify_result(&work, "mixed.xml");

        assert_eq!(code, Some(1), "{report}");
        assert!(report.contains("  value:      not checked\n"), "{report}");
        assert!(report.contains(message), "{report}");
    }
}

#[test]
fn signature_without_key_info_is_certificate_is_not_found() {
    let work = Workdir::new();
    let signed = work.signed_send_request();
    let start = signed.find("<ds:KeyInfo>").expect("KeyInfo");
    let end = signed.find("</ds:KeyInfo>").expect("closed") + "</ds:KeyInfo>".len();
    work.write(
        "bare.xml",
        format!("{}{}", &signed[..start], &signed[end..]),
    );

    let (code, report) = verify_result(&work, "bare.xml");

    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("  subject:    (no certificate)\n"),
        "{report}"
    );
    assert!(
        report.contains("  verdict:    CertificateIsNotFound\n"),
        "{report}"
    );
}

// `OpenOptions::mode` applies only when a file is created, so an existing
// `key.pem` (here 0644) must be narrowed to 0600 before the key goes in; and
// an existing key is replaced only with `--force`.
#[test]
fn keys_generate_over_a_readable_key_file_leaves_it_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let work = Workdir::new();
    std::fs::create_dir(work.path("keys")).expect("mkdir");
    let key = work.write("keys/key.pem", "placeholder\n");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let refused = work.run(
        env!("CARGO_BIN_EXE_smevgate"),
        &["keys", "generate", "--out", "keys", "--days", "30"],
    );
    assert!(
        !refused.status.success(),
        "an existing key must not be overwritten silently"
    );
    assert_eq!(work.read("keys/key.pem"), b"placeholder\n");

    work.ok(
        env!("CARGO_BIN_EXE_smevgate"),
        &[
            "keys", "generate", "--out", "keys", "--days", "30", "--force",
        ],
    );

    let pem = String::from_utf8(work.read("keys/key.pem")).expect("ascii");
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    assert_eq!(format!("{:o}", file_mode(&key)), "600");
}

#[test]
fn verify_at_outside_the_signer_certificate_period_is_certificate_is_expired() {
    use time::format_description::well_known::Rfc3339;
    let work = Workdir::new();
    work.signed_send_request();
    let now = time::OffsetDateTime::now_utc();
    let instant = |at: time::OffsetDateTime| at.format(&Rfc3339).expect("formats");
    let cases = [
        (instant(now), Some(0), "valid"),
        (
            instant(now + time::Duration::days(31)),
            Some(1),
            "CertificateIsExpired",
        ),
        (
            "2020-01-01T00:00:00Z".to_owned(),
            Some(1),
            "CertificateIsExpired",
        ),
    ];

    for (at, code, verdict) in cases {
        let out = work.run(
            env!("CARGO_BIN_EXE_smevgate"),
            &["verify", "signed.xml", "--at", &at],
        );

        let report = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), code, "{at}: {report}");
        assert!(
            report.contains(&format!("  verdict:    {verdict}\n")),
            "{at}: {report}"
        );
    }
}
