//! `smevgate verify` on the real SMEV captures in `fixtures/real/smev3sharp/`.
//!
//! As the files stand every SignatureValue fails, because their author
//! re-indented `ds:SignedInfo` (see `fixtures/real/README.md`); the digests
//! match except in `GetResponseResponse_ValidResponse.xml`, whose payload was
//! edited. Copies with the whitespace-only text inside `ds:SignedInfo`
//! removed (made here, never by the product) restore the signed form.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Certificate periods printed by `verify`, per signer.
const SMEV_TEST_CERT: &str = "2020-09-02T07:57:34Z .. 2021-09-02T08:07:34Z";
const ESIA_CERT: &str = "2021-02-18T09:53:00Z .. 2022-02-18T10:03:00Z";
const SMEV_PROD_CERT: &str = "2020-09-02T07:44:38Z .. 2021-09-02T07:54:38Z";

/// What `verify` must print for one signature.
struct Expected {
    wrapper: &'static str,
    target: &'static str,
    valid: &'static str,
    digest: &'static str,
    value: &'static str,
}

/// One run of the binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// One `signature in …` block of the output, as `(key, value)` lines.
#[derive(Debug)]
struct Block {
    wrapper: String,
    fields: Vec<(String, String)>,
}

// === impl Run ===

impl Run {
    fn blocks(&self) -> Vec<Block> {
        let mut blocks: Vec<Block> = Vec::new();
        for line in self.stdout.lines() {
            if let Some(wrapper) = line.strip_prefix("signature in ") {
                blocks.push(Block {
                    wrapper: wrapper.to_owned(),
                    fields: Vec::new(),
                });
            } else if let (Some(block), Some((key, value))) =
                (blocks.last_mut(), line.trim().split_once(':'))
            {
                block.fields.push((key.to_owned(), value.trim().to_owned()));
            }
        }
        blocks
    }
}

// === impl Block ===

impl Block {
    fn get(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no `{key}` line in {self:?}"))
    }
}

fn real_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/smev3sharp")
}

fn verify(file: &Path, at: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smevgate"));
    command.arg("verify").arg(file);
    if let Some(at) = at {
        command.args(["--at", at]);
    }
    let output = command.output().expect("smevgate runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Per-signature verdicts of the signed captures, as the files stand.
fn signed_captures() -> Vec<(&'static str, Vec<Expected>)> {
    let sig = |wrapper, target, valid, digest, value| Expected {
        wrapper,
        target,
        valid,
        digest,
        value,
    };
    vec![
        (
            "SendRequestResponce.xml",
            vec![sig(
                "SMEVSignature",
                "#SIGNED_BY_SMEV",
                SMEV_TEST_CERT,
                "ok",
                "FAILED",
            )],
        ),
        (
            "GetResponseResponce_InvalidContent.xml",
            vec![
                sig(
                    "SenderInformationSystemSignature",
                    "#SIGNED_ASYNC_BY_SMEV",
                    SMEV_TEST_CERT,
                    "ok",
                    "FAILED",
                ),
                sig(
                    "SMEVSignature",
                    "#SIGNED_BY_SMEV",
                    SMEV_TEST_CERT,
                    "ok",
                    "FAILED",
                ),
            ],
        ),
        (
            "GetResponseResponse_ValidResponse.xml",
            vec![
                sig(
                    "SenderInformationSystemSignature",
                    "#SIGNED_BY_CALLER",
                    ESIA_CERT,
                    "FAILED",
                    "FAILED",
                ),
                sig(
                    "SMEVSignature",
                    "#SIGNED_BY_SMEV",
                    SMEV_PROD_CERT,
                    "FAILED",
                    "FAILED",
                ),
            ],
        ),
    ]
}

/// Captures that carry no signature at all.
const UNSIGNED_CAPTURES: [&str; 3] = [
    "GetResponseResponce_EmptyQueue.xml",
    "SoapFaultResponse.xml",
    "SoapFaultResponse_SignatureVerificationFault.xml",
];

/// The MTOM multipart capture, which is not an XML document.
const MULTIPART_CAPTURE: &str = "GetResponseResponce_MultipartEmptyQueue.xml";

fn assert_blocks(file: &str, run: &Run, expected: &[Expected]) {
    let blocks = run.blocks();
    assert_eq!(blocks.len(), expected.len(), "{file}: {}", run.stdout);
    for (block, want) in blocks.iter().zip(expected) {
        assert_eq!(block.wrapper, want.wrapper, "{file}");
        assert_eq!(block.get("target"), want.target, "{file}");
        assert_eq!(block.get("valid"), want.valid, "{file} {}", want.target);
        assert_eq!(block.get("digest"), want.digest, "{file} {}", want.target);
        assert_eq!(block.get("value"), want.value, "{file} {}", want.target);
        assert_eq!(
            block.get("signature"),
            "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
        );
        assert_eq!(
            block.get("digest alg"),
            "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
        );
    }
}

/// Drops whitespace-only text inside every `ds:SignedInfo` of `text`.
fn compact_signed_info(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<ds:SignedInfo") {
        let end = start + rest[start..].find("</ds:SignedInfo>").expect("closed");
        out.push_str(&rest[..start]);
        out.push_str(&drop_whitespace_text(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn drop_whitespace_text(fragment: &str) -> String {
    let mut out = String::with_capacity(fragment.len());
    for (i, piece) in fragment.split('<').enumerate() {
        if i > 0 {
            out.push('<');
        }
        match piece.split_once('>') {
            Some((tag, text)) if text.trim().is_empty() => {
                out.push_str(tag);
                out.push('>');
            }
            _ => out.push_str(piece),
        }
    }
    out
}

/// Writes the compacted copy of a capture into `dir`.
fn compact_copy(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(real_dir().join(name)).expect("capture reads");
    let compact = compact_signed_info(&text);
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    assert_ne!(compact, text, "{name}: nothing to compact");
    assert_eq!(
        squeeze(&compact),
        squeeze(&text),
        "{name}: only whitespace may go"
    );
    let path = dir.join(name);
    std::fs::write(&path, compact).expect("copy writes");
    path
}

#[test]
fn real_captures_as_they_stand_fail_every_signature_value() {
    for (file, expected) in signed_captures() {
        let run = verify(&real_dir().join(file), None);

        assert_eq!(run.code, Some(1), "{file}: {}{}", run.stdout, run.stderr);
        assert_blocks(file, &run, &expected);
        assert!(run.stdout.ends_with("result: INVALID\n"), "{file}");
    }
}

#[test]
fn real_captures_folder_has_a_pinned_verdict_for_every_file() {
    let mut known: Vec<&str> = signed_captures().iter().map(|(f, _)| *f).collect();
    known.extend(UNSIGNED_CAPTURES);
    known.push(MULTIPART_CAPTURE);
    let mut present: Vec<String> = std::fs::read_dir(real_dir())
        .expect("folder lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    known.sort_unstable();

    assert_eq!(present, known);
}

#[test]
fn unsigned_captures_report_no_signature_and_exit_non_zero() {
    for file in UNSIGNED_CAPTURES {
        let path = real_dir().join(file);
        let run = verify(&path, None);

        assert_eq!(run.code, Some(1), "{file}");
        assert_eq!(
            run.stdout,
            format!("{}: no signature found\n", path.display())
        );
    }
}

#[test]
fn multipart_capture_is_not_a_document_and_exits_non_zero() {
    let run = verify(&real_dir().join(MULTIPART_CAPTURE), None);

    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("cannot read the document"),
        "{}",
        run.stderr
    );
}

#[test]
fn compacted_smev_signatures_verify_and_exit_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [
        "SendRequestResponce.xml",
        "GetResponseResponce_InvalidContent.xml",
    ] {
        let run = verify(&compact_copy(dir.path(), file), None);

        assert_eq!(run.code, Some(0), "{file}: {}", run.stdout);
        for block in run.blocks() {
            assert_eq!(block.get("digest"), "ok", "{file}");
            assert_eq!(block.get("value"), "ok", "{file}");
            assert_eq!(block.get("verdict"), "valid", "{file}");
        }
        assert!(run.stdout.ends_with("result: valid\n"), "{file}");
    }
}

#[test]
fn compacted_valid_response_keeps_failing_on_digests_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = compact_copy(dir.path(), "GetResponseResponse_ValidResponse.xml");

    let run = verify(&path, None);

    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let blocks = run.blocks();
    assert_eq!(blocks.len(), 2);
    for block in &blocks {
        assert_eq!(block.get("digest"), "FAILED");
        assert_eq!(block.get("value"), "ok");
        assert_eq!(
            block.get("verdict"),
            "SignatureIsInvalid: digest value does not match the referenced element"
        );
    }
}

#[test]
fn compacted_captures_at_mid_2021_pass_certificate_validity() {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [
        "SendRequestResponce.xml",
        "GetResponseResponce_InvalidContent.xml",
    ] {
        let path = compact_copy(dir.path(), file);

        let run = verify(&path, Some("2021-06-01T00:00:00Z"));

        assert_eq!(run.code, Some(0), "{file}: {}", run.stdout);
        assert!(run.blocks().iter().all(|b| b.get("verdict") == "valid"));
    }
}

#[test]
fn compacted_captures_at_end_2026_are_certificate_is_expired() {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in [
        "SendRequestResponce.xml",
        "GetResponseResponce_InvalidContent.xml",
    ] {
        let path = compact_copy(dir.path(), file);

        let run = verify(&path, Some("2026-12-04T00:00:00Z"));

        assert_eq!(run.code, Some(1), "{file}: {}", run.stdout);
        let blocks = run.blocks();
        assert!(!blocks.is_empty());
        for block in &blocks {
            assert_eq!(block.get("digest"), "ok", "{file}");
            assert_eq!(block.get("value"), "ok", "{file}");
            assert_eq!(block.get("verdict"), "CertificateIsExpired", "{file}");
        }
    }
}

#[test]
fn malformed_at_instant_exits_non_zero_naming_the_flag() {
    let run = verify(
        &real_dir().join("SendRequestResponce.xml"),
        Some("yesterday"),
    );

    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("--at \"yesterday\""), "{}", run.stderr);
}

#[test]
fn unresolvable_reference_fails_without_checking_digest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compact = compact_copy(dir.path(), "SendRequestResponce.xml");
    let text = std::fs::read_to_string(&compact).expect("reads");
    let broken = text.replacen("URI=\"#SIGNED_BY_SMEV\"", "URI=\"#NO_SUCH_ID\"", 1);
    assert_ne!(broken, text);
    let path = dir.path().join("unresolved.xml");
    std::fs::write(&path, broken).expect("writes");

    let run = verify(&path, None);

    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let blocks = run.blocks();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].get("target"), "#NO_SUCH_ID");
    assert_eq!(blocks[0].get("digest"), "not checked");
    let verdict = blocks[0].get("verdict");
    assert!(verdict.starts_with("SignatureIsInvalid"), "{verdict}");
    assert!(verdict.contains("NO_SUCH_ID"), "{verdict}");
}

#[test]
fn compacted_capture_with_edited_metadata_fails_its_digest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let compact = compact_copy(dir.path(), "SendRequestResponce.xml");
    let text = std::fs::read_to_string(&compact).expect("reads");
    let edited = text.replacen("requestIsQueued", "messageIsDelivered", 1);
    assert_ne!(edited, text);
    let path = dir.path().join("edited.xml");
    std::fs::write(&path, edited).expect("writes");

    let run = verify(&path, None);

    assert_eq!(run.code, Some(1), "{}", run.stdout);
    let blocks = run.blocks();
    assert_eq!(blocks[0].get("digest"), "FAILED");
    assert_eq!(blocks[0].get("value"), "ok");
}
