//! One schema version folder (`xsd/<v>/`): its XSDs, its WSDL and their roles.

use std::fs;
use std::path::{Path, PathBuf};

use crate::schema::{self, SchemaSet};
use crate::wsdl::{self, OperationDecl};
use crate::GenError;

/// Everything the emitter needs about one version.
#[derive(Debug)]
pub struct VersionModel {
    /// `"1.2"`.
    pub version: String,
    /// Absolute path of the version folder.
    pub dir: PathBuf,
    pub schemas: SchemaSet,
    /// File name of the WSDL, when the folder has one.
    pub wsdl_file: Option<String>,
    pub operations: Vec<OperationDecl>,
}

/// The role of a schema file, from its name: `types`, `basic`, `faults`,
/// `routing` or `directive`.
pub fn role_of(file_name: &str) -> Option<&'static str> {
    ["types", "basic", "faults", "routing", "directive"]
        .into_iter()
        .find(|role| file_name.starts_with(&format!("smev-message-exchange-{role}-")))
}

/// Version folders under `xsd_dir` (names like `1.2`), oldest first.
///
/// # Errors
/// [`GenError::Io`] when the folder cannot be listed.
pub fn discover(xsd_dir: &Path) -> Result<Vec<String>, GenError> {
    let entries = fs::read_dir(xsd_dir).map_err(|e| GenError::io(xsd_dir, e))?;
    let mut versions: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_version(n))
        .collect();
    versions.sort_by_key(|v| {
        v.split('.')
            .map(|p| p.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    Ok(versions)
}

fn is_version(name: &str) -> bool {
    let mut parts = name.split('.');
    let numeric =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_none()
}

/// Reads `xsd_dir/<version>/`.
///
/// # Errors
/// [`GenError::Io`] on unreadable files, [`GenError::Xml`]/[`GenError::Schema`]
/// on schema content the generator cannot follow.
pub fn read_version(xsd_dir: &Path, version: &str) -> Result<VersionModel, GenError> {
    let dir = xsd_dir.join(version);
    let dir = dir.canonicalize().map_err(|e| GenError::io(&dir, e))?;
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map_err(|e| GenError::io(&dir, e))?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();

    let mut sources = Vec::new();
    for name in names
        .iter()
        .filter(|n| n.ends_with(".xsd") && role_of(n).is_some())
    {
        sources.push((name.clone(), read(&dir.join(name))?));
    }
    let schemas = schema::read_set(sources)?;

    let wsdl_file = names.iter().find(|n| n.ends_with(".wsdl")).cloned();
    let operations = match &wsdl_file {
        Some(name) => wsdl::read_operations(name, &read(&dir.join(name))?)?,
        None => Vec::new(),
    };
    Ok(VersionModel {
        version: version.to_string(),
        dir,
        schemas,
        wsdl_file,
        operations,
    })
}

fn read(path: &Path) -> Result<String, GenError> {
    fs::read_to_string(path).map_err(|e| GenError::io(path, e))
}

// === impl VersionModel ===

impl VersionModel {
    /// Rust module name: `v1_2`.
    pub fn module_name(&self) -> String {
        format!("v{}", self.version.replace('.', "_"))
    }
}
