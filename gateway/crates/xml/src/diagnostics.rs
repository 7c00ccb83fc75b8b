//! Capturing libxml2's error reports as values instead of stderr lines.
//!
//! libxml2 reports errors through callbacks. In a threaded build (Debian's
//! is) the "structured error" handler set by `xmlSetStructuredErrorFunc` is a
//! per-thread global, and schema contexts carry their own handler. A
//! [`Capture`] installs a collector as the calling thread's handler for the
//! length of one operation and restores the previous handler when dropped, so
//! messages never reach stderr and never cross threads.
//!
//! A few libxml2 code paths bypass the structured handler and print through
//! the per-thread "generic" handler (its default writes to the `FILE *` kept
//! as its context, stderr unless set). While a capture is installed that
//! context is a process-wide `/dev/null` stream, so those lines are dropped.

use std::cell::RefCell;
use std::ffi::CStr;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_void};
use std::sync::OnceLock;

use crate::ffi;

/// At most this many reports are kept per operation; hostile input can make
/// libxml2 report one error per element.
const MAX_DIAGNOSTICS: usize = 1000;

/// How serious one libxml2 report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Warning,
    Error,
    Fatal,
}

/// One report from libxml2, copied out of its `xmlError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub level: Level,
    pub domain: i32,
    pub code: i32,
    pub line: u32,
    pub column: u32,
    pub file: Option<String>,
    pub message: String,
}

/// The calling thread's error handler, redirected into a collector until
/// this value is dropped.
pub(crate) struct Capture {
    sink: Box<Sink>,
    previous: (ffi::xmlStructuredErrorFunc, *mut c_void),
    previous_generic: (ffi::xmlGenericErrorFunc, *mut c_void),
    /// A capture belongs to the thread whose handler it replaced.
    _not_send: PhantomData<*mut ()>,
}

#[derive(Default)]
struct Sink {
    items: RefCell<Vec<Diagnostic>>,
}

// === impl Diagnostic ===

impl Diagnostic {
    pub(crate) fn is_error(&self) -> bool {
        self.level >= Level::Error
    }

    /// `file:line: message`, with the parts libxml2 left out omitted.
    pub(crate) fn describe(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), 0) => format!("{file}: {}", self.message),
            (Some(file), line) => format!("{file}:{line}: {}", self.message),
            (None, 0) => self.message.clone(),
            (None, line) => format!("line {line}: {}", self.message),
        }
    }

    /// Copies one report.
    ///
    /// # Safety
    ///
    /// `err` must point to a live `xmlError` whose strings are NUL-terminated
    /// or null.
    unsafe fn from_raw(err: &ffi::xmlError) -> Self {
        let level = match err.level {
            ffi::XML_ERR_FATAL => Level::Fatal,
            ffi::XML_ERR_ERROR => Level::Error,
            _ => Level::Warning,
        };
        // SAFETY: the caller guarantees both strings are valid or null.
        let (message, file) = unsafe { (c_text(err.message), c_text(err.file)) };
        Diagnostic {
            level,
            domain: err.domain,
            code: err.code,
            line: u32::try_from(err.line).unwrap_or(0),
            column: u32::try_from(err.int2).unwrap_or(0),
            file: file.filter(|f| !f.is_empty()),
            message: message.unwrap_or_default().trim().to_owned(),
        }
    }
}

// === impl Capture ===

impl Capture {
    /// Redirects this thread's libxml2 structured errors into a new
    /// collector.
    pub(crate) fn install() -> Self {
        let sink = Box::<Sink>::default();
        // SAFETY: the accessors return pointers to this thread's slots, valid
        // for the thread's life. The context we install points into a heap
        // box that outlives the installation: `Drop` restores the previous
        // handlers before the box is freed. The generic context is a `FILE *`
        // that stays open for the life of the process.
        let (previous, previous_generic) = unsafe {
            let previous = (
                *ffi::__xmlStructuredError(),
                *ffi::__xmlStructuredErrorContext(),
            );
            let generic = (*ffi::__xmlGenericError(), *ffi::__xmlGenericErrorContext());
            ffi::xmlSetStructuredErrorFunc(sink_ptr(&sink), Some(on_error));
            if let Some(null) = null_stream() {
                ffi::xmlSetGenericErrorFunc(null, None);
            }
            (previous, generic)
        };
        Capture {
            sink,
            previous,
            previous_generic,
            _not_send: PhantomData,
        }
    }

    /// The context pointer to hand to per-context setters such as
    /// `xmlSchemaSetValidStructuredErrors`, paired with [`on_error`].
    pub(crate) fn context(&self) -> *mut c_void {
        sink_ptr(&self.sink)
    }

    /// The callback to pair with [`Capture::context`].
    pub(crate) fn callback() -> ffi::xmlStructuredErrorFunc {
        Some(on_error)
    }

    /// Takes every report collected so far.
    pub(crate) fn take(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.sink.items.borrow_mut())
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let (handler, context) = self.previous;
        let (generic, generic_context) = self.previous_generic;
        // SAFETY: restores exactly what `install` found on this thread.
        unsafe {
            ffi::xmlSetStructuredErrorFunc(context, handler);
            ffi::xmlSetGenericErrorFunc(generic_context, generic);
        }
    }
}

/// A `FILE *` on `/dev/null`, opened once; `None` when it cannot be opened
/// (the generic handler then keeps writing to stderr).
fn null_stream() -> Option<*mut c_void> {
    static STREAM: OnceLock<usize> = OnceLock::new();
    // SAFETY: `fopen` with two NUL-terminated literals; the stream is never
    // closed, so the address stays valid. It is kept as an address because
    // raw pointers are not `Sync`; C stdio streams lock themselves.
    let address = *STREAM
        .get_or_init(|| unsafe { ffi::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) as usize });
    (address != 0).then_some(address as *mut c_void)
}

fn sink_ptr(sink: &Sink) -> *mut c_void {
    (sink as *const Sink).cast_mut().cast()
}

/// The structured-error callback handed to libxml2.
///
/// # Safety
///
/// `ctx` must be a pointer produced by [`sink_ptr`] whose `Sink` is alive, and
/// `err` null or a live `xmlError`.
unsafe extern "C" fn on_error(ctx: *mut c_void, err: *mut ffi::xmlError) {
    if ctx.is_null() || err.is_null() {
        return;
    }
    // SAFETY: per the contract above; libxml2 passes its own error record.
    let (sink, diagnostic) = unsafe { (&*(ctx as *const Sink), Diagnostic::from_raw(&*err)) };
    // A re-entrant report while the vector is borrowed is dropped rather
    // than panicking across the FFI boundary.
    if let Ok(mut items) = sink.items.try_borrow_mut() {
        if items.len() < MAX_DIAGNOSTICS {
            items.push(diagnostic);
        }
    }
}

/// Copies a NUL-terminated C string, replacing invalid UTF-8.
///
/// # Safety
///
/// `text` must be null or point to a NUL-terminated string.
pub(crate) unsafe fn c_text(text: *const c_char) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated per the contract.
    let bytes = unsafe { CStr::from_ptr(text) };
    Some(bytes.to_string_lossy().into_owned())
}
