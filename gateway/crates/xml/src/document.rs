//! A parsed XML document, and the hardened parse that makes one.
//!
//! Parsing refuses DOCTYPEs, non-UTF-8 input, oversized input and excessive
//! nesting, and never touches the network or the disk: entities are not
//! substituted, no DTD is loaded, `XML_PARSE_NONET` is set, and the global
//! entity loader (see `resolver`) refuses every URL anyway.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int};
use std::ptr::{self, NonNull};

use crate::diagnostics::{Capture, Diagnostic};
use crate::{ffi, prolog, tree::Node};

/// libxml2's own nesting ceiling when `XML_PARSE_HUGE` is off; a larger
/// [`ParseOptions::max_depth`] cannot raise it.
pub const LIBXML2_MAX_DEPTH: usize = 256;

/// A parsed document owned by this handle.
///
/// `Send` (it may move to another thread) but not `Sync`: libxml2 trees are
/// not safe to read from two threads while one of them validates (schema
/// validation registers `xs:ID` values in the document).
///
/// ```compile_fail
/// fn shared<T: Sync>() {}
/// shared::<xml::Document>();
/// ```
pub struct Document {
    raw: NonNull<ffi::xmlDoc>,
    _not_sync: PhantomData<Cell<()>>,
}

/// Limits applied by [`Document::parse_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Inputs longer than this many bytes are refused before parsing.
    pub max_bytes: usize,
    /// Elements nested deeper than this are refused; the document element is
    /// at depth 1. libxml2 itself stops at [`LIBXML2_MAX_DEPTH`].
    pub max_depth: usize,
}

/// Why an input could not be turned into a [`Document`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {line}, column {column}: {message}")]
pub struct ParseError {
    /// What kind of refusal this is.
    pub kind: ParseErrorKind,
    /// 1-based line, 0 when not known.
    pub line: u32,
    /// 1-based column, 0 when not known.
    pub column: u32,
    /// What went wrong, as libxml2 or the pre-checks put it.
    pub message: String,
}

/// The classes of [`ParseError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not well-formed XML.
    Malformed,
    /// A DOCTYPE was present.
    Doctype,
    /// Not UTF-8, or declared in another encoding.
    Encoding,
    /// Longer than [`ParseOptions::max_bytes`].
    TooLarge,
    /// Nested deeper than [`ParseOptions::max_depth`].
    TooDeep,
}

// === impl Document ===

// SAFETY: a document and everything it points to (nodes, its private
// dictionary) is owned by this handle alone; libxml2 keeps no thread
// affinity for trees, and `Document` is not `Sync`, so it is only ever used by
// one thread at a time.
unsafe impl Send for Document {}

impl Document {
    /// Parses `bytes` with the default [`ParseOptions`].
    ///
    /// # Errors
    ///
    /// See [`Document::parse_with`].
    pub fn parse(bytes: &[u8]) -> Result<Document, ParseError> {
        Self::parse_with(bytes, &ParseOptions::default())
    }

    /// Parses `bytes` as a standalone UTF-8 document.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when the input is malformed, has a DOCTYPE, is not
    /// UTF-8, or breaks a limit of `options`.
    pub fn parse_with(bytes: &[u8], options: &ParseOptions) -> Result<Document, ParseError> {
        crate::init();
        let max_bytes = options.max_bytes.min(c_int::MAX as usize);
        prolog::check(bytes, max_bytes)?;

        let document = read_memory(bytes)?;
        document.check_depth(options.max_depth)?;
        Ok(document)
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::xmlDoc {
        self.raw.as_ptr()
    }

    /// The document element.
    pub(crate) fn root(&self) -> Option<Node<'_>> {
        // SAFETY: `raw` is a live document.
        let raw = unsafe { ffi::xmlDocGetRootElement(self.raw.as_ptr()) };
        Node::element(self, raw)
    }

    /// The namespace URI (empty for none) and local name of the document
    /// element.
    pub fn root_name(&self) -> (String, String) {
        let Some(root) = self.root() else {
            return (String::new(), String::new());
        };
        let ns = String::from_utf8_lossy(root.namespace().unwrap_or_default()).into_owned();
        (ns, String::from_utf8_lossy(root.local_name()).into_owned())
    }

    fn check_depth(&self, max_depth: usize) -> Result<(), ParseError> {
        let Some(root) = self.root() else {
            return Ok(());
        };
        let too_deep = root.descendants().find(|(_, depth)| depth + 1 > max_depth);
        match too_deep {
            None => Ok(()),
            Some((node, _)) => Err(ParseError::new(
                ParseErrorKind::TooDeep,
                node.line(),
                0,
                format!("elements are nested deeper than the limit of {max_depth}"),
            )),
        }
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        // SAFETY: we own the document and nothing borrows it any more.
        unsafe { ffi::xmlFreeDoc(self.raw.as_ptr()) };
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ns, local) = self.root_name();
        f.debug_struct("Document")
            .field("root", &format_args!("{{{ns}}}{local}"))
            .finish()
    }
}

/// Runs libxml2 over bytes that passed the prolog checks.
fn read_memory(bytes: &[u8]) -> Result<Document, ParseError> {
    let (raw, diagnostics) = xml_read_memory(bytes)?;
    let Some(raw) = NonNull::new(raw) else {
        return Err(first_error(&diagnostics));
    };
    let document = Document {
        raw,
        _not_sync: PhantomData,
    };

    // libxml2 returns a tree despite namespace errors (an undeclared prefix,
    // `xmlns:p=""`); such a tree has no reliable expanded names, so it is
    // refused like any other malformed input.
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(first_error(&diagnostics));
    }
    // SAFETY: a live document. The prolog check already refused DOCTYPEs;
    // this is a second line of defence.
    if !unsafe { ffi::xmlGetIntSubset(document.as_ptr()) }.is_null() {
        let message = "doctype is refused".to_owned();
        return Err(ParseError::new(ParseErrorKind::Doctype, 0, 0, message));
    }
    Ok(document)
}

/// `xmlReadMemory` with the hardened options; the document (or null) and
/// every report libxml2 made.
fn xml_read_memory(bytes: &[u8]) -> Result<(*mut ffi::xmlDoc, Vec<Diagnostic>), ParseError> {
    let options = ffi::XML_PARSE_NONET | ffi::XML_PARSE_BIG_LINES;
    let Ok(len) = c_int::try_from(bytes.len()) else {
        let message = "input exceeds 2 GiB".to_owned();
        return Err(ParseError::new(ParseErrorKind::TooLarge, 0, 0, message));
    };
    let capture = Capture::install();
    // SAFETY: the buffer and length describe `bytes`; the encoding name is a
    // NUL-terminated literal. libxml2 copies what it keeps.
    let raw = unsafe {
        let (buffer, utf8) = (bytes.as_ptr().cast::<c_char>(), c"UTF-8".as_ptr());
        ffi::xmlReadMemory(buffer, len, ptr::null(), utf8, options)
    };
    Ok((raw, capture.take()))
}

fn first_error(diagnostics: &[Diagnostic]) -> ParseError {
    let Some(first) = diagnostics.iter().find(|d| d.is_error()) else {
        return ParseError::new(
            ParseErrorKind::Malformed,
            0,
            0,
            "document is empty".to_owned(),
        );
    };
    let excessive_depth = first.domain == ffi::XML_FROM_PARSER
        && first.code == ffi::XML_ERR_INTERNAL_ERROR
        && first.message.contains("depth");
    let kind = if excessive_depth {
        ParseErrorKind::TooDeep
    } else {
        ParseErrorKind::Malformed
    };
    ParseError::new(kind, first.line, first.column, first.message.clone())
}

// === impl ParseOptions ===

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_bytes: 64 << 20,
            max_depth: 128,
        }
    }
}

// === impl ParseError ===

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, line: u32, column: u32, message: String) -> Self {
        ParseError {
            kind,
            line,
            column,
            message,
        }
    }
}

// === impl ParseErrorKind ===

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseErrorKind::Malformed => "malformed xml",
            ParseErrorKind::Doctype => "doctype refused",
            ParseErrorKind::Encoding => "encoding refused",
            ParseErrorKind::TooLarge => "input too large",
            ParseErrorKind::TooDeep => "nesting too deep",
        })
    }
}
