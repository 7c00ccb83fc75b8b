//! House rules for this crate's sources: every `.rs` file opens with a `//!`
//! header, and `unsafe` appears only in the modules whose job is FFI.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crate_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("build.rs")];
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    files
}

#[test]
fn every_rust_file_opens_with_module_doc() {
    let missing: Vec<_> = crate_files()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:?}"
    );
}

#[test]
fn every_unsafe_block_has_a_safety_comment() {
    // Spelled in two parts so this file does not match itself.
    let needle = ["unsafe", " {"].concat();
    let mut unexplained = Vec::new();
    for path in crate_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let opens_block = line.contains(&needle) && !line.trim_start().starts_with("//");
            let explained = lines[..i]
                .iter()
                .rev()
                .take(6)
                .any(|l| l.contains("SAFETY:"));
            if opens_block && !explained {
                unexplained.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(
        unexplained.is_empty(),
        "unsafe blocks without SAFETY: {unexplained:#?}"
    );
}
