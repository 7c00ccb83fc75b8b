//! Golden vectors of the SMEV transform: every `tests/data/transform/<case>.xml`
//! is transformed and compared byte for byte with `<case>.expected`. An
//! expected file starting with `!error: ` holds the error message instead.

use std::fs;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transform")
}

/// Runs one case; returns a description of the mismatch, if any.
fn check(input_path: &Path) -> Option<String> {
    let input = fs::read(input_path).expect("read input");
    let expected = fs::read(input_path.with_extension("expected")).expect("read expected");
    let actual = match dsig::smev_transform(&input) {
        Ok(bytes) => bytes,
        Err(err) => format!("!error: {err}").into_bytes(),
    };
    (actual != expected).then(|| {
        format!(
            "{}\n  expected: {}\n  actual:   {}",
            input_path.display(),
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(&actual)
        )
    })
}

#[test]
fn golden_vectors_match_reference_bytes() {
    let mut inputs: Vec<PathBuf> = fs::read_dir(data_dir())
        .expect("data dir")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 20,
        "golden vectors missing: {}",
        inputs.len()
    );

    let failures: Vec<String> = inputs.iter().filter_map(|path| check(path)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}

#[test]
fn mismatched_end_tag_is_rejected() {
    let err = dsig::smev_transform(b"<p:a xmlns:p=\"urn:x\"><p:b></p:c></p:a>").unwrap_err();
    assert_eq!(
        err.to_string(),
        "end tag `p:c` does not match open element `p:b`"
    );
}

#[test]
fn unbound_prefix_is_rejected() {
    let err = dsig::smev_transform(b"<p:a/>").unwrap_err();
    assert!(
        matches!(err, dsig::TransformError::UnboundPrefix(ref p) if p == "p"),
        "{err}"
    );
}

#[test]
fn truncated_input_is_rejected() {
    let err = dsig::smev_transform(b"<p:a xmlns:p=\"urn:x\"><p:b>").unwrap_err();
    assert!(matches!(err, dsig::TransformError::Truncated), "{err}");
}

#[test]
fn empty_input_is_rejected() {
    assert!(dsig::smev_transform(b"  ").is_err());
}

#[test]
fn undeclared_default_namespace_makes_element_unqualified() {
    let err = dsig::smev_transform(b"<a xmlns=\"urn:a\"><b xmlns=\"\"/></a>").unwrap_err();
    assert!(
        matches!(err, dsig::TransformError::UnqualifiedElement(ref l) if l == "b"),
        "{err}"
    );
}

#[test]
fn utf8_bom_is_skipped() {
    let out = dsig::smev_transform(b"\xEF\xBB\xBF<a xmlns=\"urn:a\">x</a>").unwrap();
    assert_eq!(out, b"<ns1:a xmlns:ns1=\"urn:a\">x</ns1:a>");
}

#[test]
fn same_attribute_through_two_prefixes_is_rejected() {
    let input = b"<a xmlns=\"urn:a\" xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:x=\"1\" q:x=\"2\"/>";
    let err = dsig::smev_transform(input).unwrap_err();
    assert!(
        matches!(err, dsig::TransformError::DuplicateAttribute(ref l) if l == "x"),
        "{err}"
    );
}
