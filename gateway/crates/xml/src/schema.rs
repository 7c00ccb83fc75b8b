//! XSD validation: a compiled, shareable [`SchemaSet`] and the
//! [`Violation`]s it reports for one element subtree.
//!
//! Compilation reads the entry XSD and everything it imports or includes
//! through our entity loader (see `resolver`), from memory or from below one
//! folder, never from elsewhere.
//!
//! Thread safety. libxml2 documents that a compiled `xmlSchema` is read-only
//! and may be shared by several validation contexts, each used by one thread
//! at a time. Validation reads the schema's component tables and compiled
//! automata; all mutable state (the element stack, automaton executions,
//! its own dictionary, the error handler) lives in the `xmlSchemaValidCtxt`,
//! of which every [`SchemaSet::validate`] call creates a fresh one. The only
//! tree write validation makes (registering `xs:ID` values) goes to the
//! validated [`Document`], which is not `Sync`.

use std::collections::HashMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::ptr::{self, NonNull};

use crate::diagnostics::{Capture, Diagnostic};
use crate::document::Document;
use crate::resolver::{self, Activation, Source};
use crate::target::{Lookup, Target};
use crate::{ffi, tree::Node};

/// A compiled XSD with its imports and includes, ready to validate from any
/// number of threads at once.
pub struct SchemaSet {
    raw: NonNull<ffi::xmlSchema>,
    entry: String,
}

/// One way a document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// 1-based source line of the offending node, 0 when not known.
    pub line: u32,
    /// libxml2's description, trimmed.
    pub message: String,
}

/// Why a schema set could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The entry schema is not among the resources or files.
    #[error("schema entry '{0}' not found")]
    EntryNotFound(String),
    /// Two resources have the same file name, so lookups would be ambiguous.
    #[error("two schema resources share the file name '{0}'")]
    DuplicateResource(String),
    /// The schema folder cannot be opened.
    #[error("schema folder '{path}' cannot be opened")]
    Dir {
        /// The folder given.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// libxml2 refused the schema; every message it gave, in order.
    #[error("schema '{entry}' does not compile: {}", messages.join("; "))]
    Compile {
        /// The entry schema's name.
        entry: String,
        /// Each libxml2 message (and each refused load), as `file:line: text`.
        messages: Vec<String>,
    },
}

// === impl SchemaSet ===

// SAFETY: after compilation the schema is only read (see the module doc);
// it is freed once, in `Drop`, when no validation can be running.
unsafe impl Send for SchemaSet {}
// SAFETY: as above; concurrent validations each use their own context.
unsafe impl Sync for SchemaSet {}

impl SchemaSet {
    /// Compiles the XSD named `entry` from in-memory `resources` given as
    /// `(name, bytes)`. Every `schemaLocation` is looked up by its file name
    /// (`../1.1/x.xsd` finds the resource named `x.xsd`, with or without a
    /// folder in its name).
    ///
    /// # Errors
    ///
    /// [`SchemaError::EntryNotFound`], [`SchemaError::DuplicateResource`], or
    /// [`SchemaError::Compile`] naming each missing resource and each libxml2
    /// error.
    pub fn compile(entry: &str, resources: &[(String, Vec<u8>)]) -> Result<SchemaSet, SchemaError> {
        let mut by_name = HashMap::with_capacity(resources.len());
        for (name, bytes) in resources {
            let key = resolver::base_name(name);
            if by_name.insert(key.clone(), bytes.clone()).is_some() {
                return Err(SchemaError::DuplicateResource(key));
            }
        }
        let entry_name = resolver::base_name(entry);
        if !by_name.contains_key(&entry_name) {
            return Err(SchemaError::EntryNotFound(entry.to_owned()));
        }
        // FIXME(#2): libxml2 deduplicates imports by resolved URL, so one file
        // reached through two different relative paths ("b.xsd" and
        // "../x/b.xsd") is loaded twice; an included file loaded twice yields
        // duplicate-definition errors. Right: serve every resource under one
        // canonical URL per file name so libxml2 sees a single document.
        compile_from(Source::Memory(by_name), &entry_name, entry)
    }

    /// Compiles `entry_file` (relative to `dir`) and what it imports or
    /// includes, reading only files below `dir`.
    ///
    /// # Errors
    ///
    /// [`SchemaError::Dir`] when `dir` cannot be opened,
    /// [`SchemaError::EntryNotFound`] when the entry is missing or outside
    /// `dir`, [`SchemaError::Compile`] as for [`SchemaSet::compile`].
    pub fn compile_dir(dir: &Path, entry_file: &str) -> Result<SchemaSet, SchemaError> {
        let root = dir.canonicalize().map_err(|source| SchemaError::Dir {
            path: dir.to_owned(),
            source,
        })?;
        let entry = root
            .join(entry_file)
            .canonicalize()
            .ok()
            .filter(|path| path.starts_with(&root))
            .ok_or_else(|| SchemaError::EntryNotFound(entry_file.to_owned()))?;
        let url = entry
            .to_str()
            .ok_or_else(|| SchemaError::EntryNotFound(entry_file.to_owned()))?;
        compile_from(Source::Dir(root.clone()), url, entry_file)
    }

    /// The entry schema this set was compiled from.
    pub fn entry(&self) -> &str {
        &self.entry
    }

    /// Validates the `target` subtree of `doc` and returns every violation;
    /// an empty vector means valid. A target that names no element (or an
    /// ambiguous `Id`) is reported as a violation on line 0.
    pub fn validate(&self, doc: &Document, target: &Target) -> Vec<Violation> {
        crate::init();
        let element = match doc.find(target) {
            Lookup::Found(node) => node,
            Lookup::Missing => {
                return vec![Violation::new(0, format!("no element matches {target}"))]
            }
            Lookup::Ambiguous(count) => {
                let message = format!("{target} is not unique ({count} elements carry it)");
                return vec![Violation::new(0, message)];
            }
        };
        let capture = Capture::install();
        let status = self.validate_element(element, &capture);
        let mut violations: Vec<Violation> = capture
            .take()
            .iter()
            .filter(|d| d.is_error())
            .map(Violation::from)
            .collect();
        if status != 0 && violations.is_empty() {
            let message = format!("validation failed without a message (libxml2 status {status})");
            violations.push(Violation::new(element.line(), message));
        }
        violations
    }

    /// Runs one validation with a fresh context; returns libxml2's status
    /// (0 valid, > 0 invalid, < 0 internal error).
    fn validate_element(&self, element: Node<'_>, capture: &Capture) -> i32 {
        // SAFETY: the schema is live and only read; the context is created,
        // used and freed here on one thread; the element belongs to a
        // document borrowed for the call; the error context outlives the
        // validation context.
        unsafe {
            let ctxt = ffi::xmlSchemaNewValidCtxt(self.raw.as_ptr());
            if ctxt.is_null() {
                return -1;
            }
            ffi::xmlSchemaSetValidStructuredErrors(ctxt, Capture::callback(), capture.context());
            let status = ffi::xmlSchemaValidateOneElement(ctxt, element.as_ptr());
            ffi::xmlSchemaFreeValidCtxt(ctxt);
            status
        }
    }
}

impl Drop for SchemaSet {
    fn drop(&mut self) {
        // SAFETY: we own the schema; `&mut self` means no validation runs.
        unsafe { ffi::xmlSchemaFree(self.raw.as_ptr()) };
    }
}

impl std::fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaSet")
            .field("entry", &self.entry)
            .finish()
    }
}

/// Compiles the schema at `url` with the loader opened to `source`.
fn compile_from(source: Source, url: &str, entry: &str) -> Result<SchemaSet, SchemaError> {
    crate::init();
    let url = CString::new(url).map_err(|_| SchemaError::EntryNotFound(entry.to_owned()))?;
    let activation = Activation::start(source);
    let capture = Capture::install();
    let raw = parse_schema(&url, &capture);
    let refused = activation.finish();
    let diagnostics = capture.take();
    drop(capture);

    let failed = raw.is_null() || !refused.is_empty() || diagnostics.iter().any(|d| d.is_error());
    if !failed {
        if let Some(raw) = NonNull::new(raw) {
            return Ok(SchemaSet {
                raw,
                entry: entry.to_owned(),
            });
        }
    }
    if !raw.is_null() {
        // SAFETY: a schema we compiled and nobody else has seen.
        unsafe { ffi::xmlSchemaFree(raw) };
    }
    let mut messages = refused;
    messages.extend(diagnostics.iter().map(Diagnostic::describe));
    if messages.is_empty() {
        messages.push("libxml2 gave no reason".to_owned());
    }
    Err(SchemaError::Compile {
        entry: entry.to_owned(),
        messages,
    })
}

/// `xmlSchemaParse` over the entry at `url`, errors into `capture`.
fn parse_schema(url: &CString, capture: &Capture) -> *mut ffi::xmlSchema {
    // SAFETY: `url` is NUL-terminated and outlives the parser context, which
    // is created and freed here; the error context outlives it too.
    unsafe {
        let ctxt = ffi::xmlSchemaNewParserCtxt(url.as_ptr());
        if ctxt.is_null() {
            return ptr::null_mut();
        }
        ffi::xmlSchemaSetParserStructuredErrors(ctxt, Capture::callback(), capture.context());
        let schema = ffi::xmlSchemaParse(ctxt);
        ffi::xmlSchemaFreeParserCtxt(ctxt);
        schema
    }
}

// === impl Violation ===

impl Violation {
    fn new(line: u32, message: String) -> Self {
        Violation { line, message }
    }
}

impl From<&Diagnostic> for Violation {
    fn from(diagnostic: &Diagnostic) -> Self {
        Violation::new(diagnostic.line, diagnostic.message.clone())
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}
