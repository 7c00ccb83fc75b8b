//! Golden-file helper shared by the test suites: compares an actual
//! rendering with `tests/data/<dir>/<case>.<ext>`, and rewrites the file
//! instead when `UPDATE_EXPECT=1` is set.
//!
//! Each test binary includes this module and uses a subset of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The folder holding test data.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Every file in `tests/data/<dir>` whose name ends with `.<ext>`, sorted.
pub fn cases(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(data_dir().join(dir))
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .{ext} cases in {dir}");
    paths
}

/// Compares `actual` with the golden file `expected`.
pub fn check(expected: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected, actual).expect("writable golden file");
        return;
    }
    let want = std::fs::read_to_string(expected)
        .unwrap_or_else(|e| panic!("missing golden {}: {e}", expected.display()));
    assert_eq!(want, actual, "golden mismatch for {}", expected.display());
}
