//! Build script: generates `$OUT_DIR/names.rs` from the project's XSDs with
//! `smevgate-schemas-gen`, so Rust names and limits follow `xsd/` exactly.

#![forbid(unsafe_code)]

use std::env;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(manifest_dir) = env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        eprintln!("CARGO_MANIFEST_DIR is not set");
        return ExitCode::FAILURE;
    };
    let Some(out_dir) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        eprintln!("OUT_DIR is not set");
        return ExitCode::FAILURE;
    };
    let xsd_dir = manifest_dir.join("../../../xsd");
    // A directory here makes cargo rescan every file below it.
    println!("cargo:rerun-if-changed={}", xsd_dir.display());
    println!("cargo:rerun-if-changed=build.rs");

    let source = match schemas_gen::generate(&xsd_dir) {
        Ok(source) => source,
        Err(err) => {
            eprintln!("cannot generate names from {}: {err}", xsd_dir.display());
            let mut cause = std::error::Error::source(&err);
            while let Some(inner) = cause {
                eprintln!("  caused by: {inner}");
                cause = inner.source();
            }
            return ExitCode::FAILURE;
        }
    };
    let target = out_dir.join("names.rs");
    if let Err(err) = std::fs::write(&target, source) {
        eprintln!("cannot write {}: {err}", target.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
