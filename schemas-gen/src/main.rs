//! `schemas-gen [XSD_DIR]`: prints the generated Rust names to stdout.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let xsd_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../xsd")));
    match smevgate_schemas_gen::generate(&xsd_dir) {
        Ok(source) => {
            print!("{source}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("schemas-gen: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
