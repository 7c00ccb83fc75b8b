//! House rules for every Rust file of the workspace (STYLE.md): each opens
//! with a `//!` header saying what it is; a shortcoming is a `FIXME(#N)`
//! naming its issue, never a bare to-do note or an ignored test; every crate but
//! `xml` (the one door to libxml2) forbids `unsafe`.

use std::path::{Path, PathBuf};

/// The workspace root (this crate sits in `tests/`).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() && name != "target" && !name.starts_with('.') {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.rs` file of the product, its tools and its tests.
fn workspace_files() -> Vec<PathBuf> {
    let root = workspace();
    let mut files = Vec::new();
    for dir in ["gateway", "schemas-gen", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} files", files.len());
    files
}

/// `path:line` of every line of `files` for which `bad` holds.
fn offending(files: &[PathBuf], bad: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, line) in text.lines().enumerate() {
            if bad(line) {
                found.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    found
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let missing: Vec<_> = workspace_files()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:#?}"
    );
}

#[test]
fn shortcomings_name_their_issue_and_no_test_is_ignored() {
    // Spelled in parts so that this file does not match itself.
    let todo = ["TO", "DO"].concat();
    let fixme = ["FIX", "ME"].concat();
    let ignore = ["#[", "ignore"].concat();
    let files = workspace_files();
    let bare_fixme = |line: &str| {
        line.match_indices(&fixme)
            .any(|(at, _)| !line[at + fixme.len()..].starts_with("(#"))
    };
    let found = offending(&files, |line| {
        line.contains(&todo) || line.contains(&ignore) || bare_fixme(line)
    });
    assert!(found.is_empty(), "bare notes or ignored tests: {found:#?}");
}

#[test]
fn every_crate_but_xml_forbids_unsafe_code() {
    let root = workspace();
    let mut roots = Vec::new();
    for dir in ["gateway/crates", "gateway", "."] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let krate = entry.unwrap().path();
            for file in ["src/lib.rs", "src/main.rs"] {
                if krate.join("Cargo.toml").exists() && krate.join(file).exists() {
                    roots.push(krate.join(file));
                }
            }
        }
    }
    assert!(roots.len() >= 12, "crate roots found: {roots:#?}");
    let unguarded: Vec<_> = roots
        .into_iter()
        .filter(|path| !path.starts_with(root.join("gateway/crates/xml")))
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text.contains("#![forbid(unsafe_code)]")
        })
        .collect();
    assert!(
        unguarded.is_empty(),
        "crates without forbid(unsafe_code): {unguarded:#?}"
    );
}
