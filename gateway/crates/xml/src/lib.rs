//! The libxml2 edge: hardened parsing, exclusive c14n and XSD validation.
//!
//! This crate is the workspace's only door to libxml2 and the only place
//! `unsafe` code is allowed; all of it sits behind the safe API below.
//!
//! # Layout
//!
//! - [`Document`] (`document.rs`, `prolog.rs`): parse with XXE, DOCTYPE,
//!   non-UTF-8, size and depth refused.
//! - [`Target`] (`target.rs`): which element an operation works on.
//! - [`Document::exc_c14n`] (`c14n.rs`): exclusive c14n of a subtree.
//! - [`SchemaSet`] (`schema.rs`): XSD compile (imports served from memory
//!   or one folder) and validation of a subtree into [`Violation`]s.
//! - `diagnostics.rs`: libxml2 errors captured per call, never on stderr.
//! - `resolver.rs`: the global entity loader that fetches nothing.
//! - `tree.rs`: read-only walking of a parsed tree.
//! - `ffi.rs`: the hand-written libxml2 declarations.
//!
//! # Example
//!
//! ```
//! use xml::{Document, Target};
//!
//! let doc = Document::parse(
//!     br#"<s:Body xmlns:s="urn:soap" xmlns:t="urn:t"><t:Data Id="A"> x </t:Data></s:Body>"#,
//! )?;
//! let canonical = doc.exc_c14n(&Target::by_id("A"), &[])?;
//! assert_eq!(canonical, br#"<t:Data xmlns:t="urn:t" Id="A"> x </t:Data>"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits
//!
//! - Nesting deeper than [`LIBXML2_MAX_DEPTH`] (256) is always refused:
//!   raising it needs `XML_PARSE_HUGE`, which also lifts libxml2's other
//!   hostile-input limits.
//! - Inputs must be UTF-8 (a BOM is fine); DOCTYPEs are refused outright.
//! - Namespace errors (an undeclared prefix) make a document malformed.
//!
//! # Threads
//!
//! `xmlInitParser` runs once, before any other call (see [`init`]). Error
//! handlers are per-thread or per-context, so concurrent calls on different
//! threads neither share nor leak messages.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod c14n;
mod diagnostics;
mod document;
mod ffi;
mod prolog;
mod resolver;
mod schema;
mod target;
mod tree;

use std::sync::Once;

pub use c14n::{exc_c14n_bytes, C14nError};
pub use document::{Document, ParseError, ParseErrorKind, ParseOptions, LIBXML2_MAX_DEPTH};
pub use schema::{SchemaError, SchemaSet, Violation};
pub use target::Target;

/// Sets libxml2 up once per process: its global state (`xmlInitParser`,
/// which must run before threads use the library) and our entity loader.
fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: both calls only set process globals and run exactly once,
        // before any other libxml2 call made through this crate.
        unsafe {
            ffi::xmlInitParser();
            ffi::xmlSetExternalEntityLoader(Some(resolver::load_entity));
        }
    });
}
