//! Reads the project's XSDs and generates Rust names, namespaces and limits.
//!
//! [`generate`] walks `xsd/<version>/`, reads every schema and the WSDL, and
//! returns Rust source with one module per version (`v1_1`, `v1_2`, ...). The
//! wire crate's build script writes it to `$OUT_DIR/names.rs`, so element names
//! and limits in Rust can never drift from the schemas we validate against.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod emit;
mod naming;
mod schema;
mod version;
mod wsdl;

use std::path::{Path, PathBuf};

pub use naming::screaming;

/// Why the generator could not produce code.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// A file or folder could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A schema or WSDL is not well-formed XML.
    #[error("{file} is not well-formed XML")]
    Xml {
        /// File name inside its version folder.
        file: String,
        /// The parser's error.
        #[source]
        source: roxmltree::Error,
    },
    /// Well-formed, but something the generator needs is missing, such as an
    /// unresolved type reference or a WSDL operation without a SOAPAction.
    #[error("schema content not understood: {0}")]
    Schema(String),
    /// Two different values want the same constant name in one module.
    #[error("two values for constant {name} in module {module}")]
    NameClash {
        /// Version module, e.g. `v1_2`.
        module: String,
        /// The contested constant.
        name: String,
    },
    /// `xsd_dir` holds no folder named like `1.2`.
    #[error("no schema version folders under {0}")]
    NoVersions(PathBuf),
}

/// Reads every version folder under `xsd_dir` and returns the Rust source.
///
/// # Errors
/// Any [`GenError`]: unreadable files, malformed XML, unresolved type
/// references, or two different values wanting the same constant name.
pub fn generate(xsd_dir: &Path) -> Result<String, GenError> {
    let versions = version::discover(xsd_dir)?;
    if versions.is_empty() {
        return Err(GenError::NoVersions(xsd_dir.to_path_buf()));
    }
    let models = versions
        .iter()
        .map(|v| version::read_version(xsd_dir, v))
        .collect::<Result<Vec<_>, _>>()?;
    emit::emit(&models)
}

// === impl GenError ===

impl GenError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests;
