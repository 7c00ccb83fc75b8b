//! The schemas against libxml2's validator (`xmllint`, package libxml2-utils):
//! every example under `xsd/examples/<v>/` is valid for its version, broken
//! copies of them are refused, and the Body children of the real SMEV 1.2
//! captures validate against our 1.2 schemas.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const VERSIONS: &[&str] = &["1.1", "1.2", "1.3"];

/// A validation verdict from `xmllint`.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Valid,
    Invalid(String),
}

fn xsd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../xsd")
}

fn types_xsd(version: &str) -> PathBuf {
    xsd_dir()
        .join(version)
        .join(format!("smev-message-exchange-types-{version}.xsd"))
}

/// Validates one document against the types schema of `version`.
fn validate(version: &str, document: &Path) -> Verdict {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(types_xsd(version))
        .arg(document)
        .output()
        .expect("xmllint runs (install libxml2-utils)");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    // A schema that fails to compile also exits non-zero; say so explicitly.
    assert!(
        !stderr.contains("failed to compile"),
        "{version} schema broken: {stderr}"
    );
    if output.status.success() {
        Verdict::Valid
    } else {
        Verdict::Invalid(stderr)
    }
}

/// A scratch folder for one test, removed when the guard drops.
struct Scratch(PathBuf);

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("smevgate-xmllint-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch dir");
    Scratch(dir)
}

// === impl Scratch ===

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn examples(version: &str) -> Vec<PathBuf> {
    let dir = xsd_dir().join("examples").join(version);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

fn example_text(version: &str, name: &str) -> String {
    let path = xsd_dir().join("examples").join(version).join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes `text` to the scratch folder and validates it.
fn validate_text(version: &str, dir: &Path, name: &str, text: &str) -> Verdict {
    let path = dir.join(name);
    fs::write(&path, text).expect("write scratch document");
    validate(version, &path)
}

#[test]
fn examples_every_version_all_valid() {
    for version in VERSIONS {
        let files = examples(version);
        assert!(
            files.len() >= 17,
            "{version}: only {} examples",
            files.len()
        );
        for file in files {
            assert_eq!(
                validate(version, &file),
                Verdict::Valid,
                "{}",
                file.display()
            );
        }
    }
}

#[test]
fn examples_cover_every_operation_of_the_wsdl() {
    for version in VERSIONS {
        let wsdl_path = xsd_dir()
            .join(version)
            .join(format!("smev-message-exchange-service-{version}.wsdl"));
        let wsdl = fs::read_to_string(wsdl_path).expect("wsdl");
        let operations = wsdl
            .match_indices("<soap:operation soapAction=\"urn:")
            .map(|(i, m)| &wsdl[i + m.len()..])
            .map(|rest| &rest[..rest.find('"').expect("closing quote")]);
        for operation in operations {
            for suffix in ["Request", "Response"] {
                let file = xsd_dir()
                    .join("examples")
                    .join(version)
                    .join(format!("{operation}{suffix}.xml"));
                assert!(file.is_file(), "{version}: no example {}", file.display());
            }
        }
    }
}

#[test]
fn uppercase_message_id_is_refused() {
    let dir = scratch("uppercase");
    for version in VERSIONS {
        let valid = example_text(version, "SendRequestRequest.xml");
        let broken = valid.replacen(
            "<ns2:MessageID>1b0e7c3e-5d7a-11ee-8c99-0242ac120002",
            "<ns2:MessageID>1B0E7C3E-5D7A-11EE-8C99-0242AC120002",
            1,
        );
        assert_ne!(broken, valid, "{version}: MessageID not found");
        let verdict = validate_text(version, &dir, "upper.xml", &broken);
        assert!(
            matches!(&verdict, Verdict::Invalid(e) if e.contains("MessageID")),
            "{verdict:?}"
        );
    }
}

#[test]
fn transaction_code_1501_chars_is_refused_1500_accepted() {
    let dir = scratch("txcode");
    for version in VERSIONS {
        let valid = example_text(version, "SendRequestRequest.xml");
        let with_len = |n: usize| valid.replacen(">TX-42<", &format!(">{}<", "x".repeat(n)), 1);
        assert_eq!(
            validate_text(version, &dir, "ok.xml", &with_len(1500)),
            Verdict::Valid
        );
        let verdict = validate_text(version, &dir, "long.xml", &with_len(1501));
        assert!(
            matches!(&verdict, Verdict::Invalid(e) if e.contains("TransactionCode")),
            "{verdict:?}"
        );
    }
}

#[test]
fn missing_message_id_is_refused() {
    let dir = scratch("missing");
    for version in VERSIONS {
        let valid = example_text(version, "SendRequestRequest.xml");
        let line = "    <ns2:MessageID>1b0e7c3e-5d7a-11ee-8c99-0242ac120002</ns2:MessageID>\n";
        let broken = valid.replacen(line, "", 1);
        assert_ne!(broken, valid, "{version}: MessageID line not found");
        let verdict = validate_text(version, &dir, "missing.xml", &broken);
        assert!(
            matches!(&verdict, Verdict::Invalid(e) if e.contains("MessageID")),
            "{verdict:?}"
        );
    }
}

#[test]
fn unknown_status_is_refused() {
    let dir = scratch("status");
    for version in VERSIONS {
        let valid = example_text(version, "SendRequestResponse.xml");
        let broken = valid.replacen(">requestIsQueued<", ">requestIsLost<", 1);
        assert_ne!(broken, valid, "{version}: Status not found");
        let verdict = validate_text(version, &dir, "status.xml", &broken);
        assert!(
            matches!(&verdict, Verdict::Invalid(e) if e.contains("requestIsLost")),
            "{verdict:?}"
        );
    }
}

#[test]
fn message_is_delivered_is_refused_in_1_1_only() {
    let dir = scratch("delivered");
    for version in VERSIONS {
        let valid = example_text(version, "SendRequestResponse.xml");
        let changed = valid.replacen(">requestIsQueued<", ">messageIsDelivered<", 1);
        let verdict = validate_text(version, &dir, "delivered.xml", &changed);
        assert_eq!(
            verdict == Verdict::Valid,
            *version != "1.1",
            "{version}: {verdict:?}"
        );
    }
}

#[test]
fn cancel_is_refused_in_1_3() {
    let dir = scratch("cancel");
    let cancel = example_text("1.2", "GetRequestResponse-cancel.xml").replace("/1.2\"", "/1.3\"");
    let verdict = validate_text("1.3", &dir, "cancel.xml", &cancel);
    assert!(
        matches!(&verdict, Verdict::Invalid(e) if e.contains("Cancel")),
        "{verdict:?}"
    );
}

/// Where the real SMEV captures are: `fixtures/real/smev3sharp` in the repo.
fn real_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/real/smev3sharp");
    assert!(
        dir.is_dir(),
        "real SMEV captures are missing: {}",
        dir.display()
    );
    dir
}

/// The text of the first element child of `soap:Body` (or of `detail`, for a
/// fault), cut from the source so the bytes stay as SMEV sent them.
fn body_child(envelope: &str) -> Option<String> {
    let text = envelope.trim_start_matches('\u{feff}');
    let doc = roxmltree::Document::parse(text).ok()?;
    let body = doc.descendants().find(|n| n.has_tag_name("Body"))?;
    let mut child = body.children().find(|n| n.is_element())?;
    if child.has_tag_name("Fault") {
        let detail = child.children().find(|n| n.has_tag_name("detail"))?;
        child = detail.children().find(|n| n.is_element())?;
    }
    Some(text[child.range()].to_string())
}

#[test]
fn real_smev_1_2_captures_validate_against_1_2() {
    let dir = scratch("real");
    let captures = [
        "SendRequestResponce.xml",
        "GetResponseResponce_InvalidContent.xml",
        "GetResponseResponse_ValidResponse.xml",
        "GetResponseResponce_EmptyQueue.xml",
        "SoapFaultResponse_SignatureVerificationFault.xml",
    ];
    for name in captures {
        let envelope = fs::read_to_string(real_dir().join(name)).expect("capture readable");
        let child = body_child(&envelope).unwrap_or_else(|| panic!("{name}: no Body child"));
        assert_eq!(
            validate_text("1.2", &dir, name, &child),
            Verdict::Valid,
            "{name}"
        );
    }
}

#[test]
fn real_multipart_empty_queue_root_part_validates_against_1_2() {
    let dir = scratch("multipart");
    let raw = fs::read_to_string(real_dir().join("GetResponseResponce_MultipartEmptyQueue.xml"))
        .expect("capture readable");
    // The XOP root part is the one envelope between the MIME headers and the
    // closing boundary.
    let start = raw.find("<soap:Envelope").expect("root part envelope");
    let end = raw.find("</soap:Envelope>").expect("envelope end") + "</soap:Envelope>".len();
    let child = body_child(&raw[start..end]).expect("Body child");
    assert!(child.contains("GetResponseResponse"), "{child}");
    assert_eq!(
        validate_text("1.2", &dir, "multipart.xml", &child),
        Verdict::Valid
    );
}

#[test]
fn archive_attachment_headers_are_refused_before_1_3() {
    let dir = scratch("archive");
    let archive = example_text("1.3", "SendRequestRequest-archive.xml");
    // Drop the 1.3-only routing block, then move the rest to the 1.2 namespaces.
    let start = archive.find("  <r:Routing").expect("routing block");
    let end = archive.find("</r:Routing>\n").expect("routing end") + "</r:Routing>\n".len();
    let without_routing = format!("{}{}", &archive[..start], &archive[end..]);
    assert_eq!(
        validate_text("1.3", &dir, "a13.xml", &without_routing),
        Verdict::Valid
    );
    let as_1_2 = without_routing.replace("/1.3\"", "/1.2\"");
    let verdict = validate_text("1.2", &dir, "a12.xml", &as_1_2);
    assert!(
        matches!(&verdict, Verdict::Invalid(e) if e.contains("NamespaceUri")),
        "{verdict:?}"
    );
}
