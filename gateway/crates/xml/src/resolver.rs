//! The process-wide external entity loader: libxml2 fetches nothing from disk
//! or network, except the schema resources a [`SchemaSet`] compilation
//! registered on the calling thread.
//!
//! `xmlSetExternalEntityLoader` is global, but every load happens on the
//! thread that started the parse, so the set of allowed resources lives in a
//! thread-local [`Activation`]. With no activation every URL is refused: an
//! XXE, an `xsi:schemaLocation` hint or a stray `xmlReadFile` gets nothing.
//!
//! [`SchemaSet`]: crate::SchemaSet

use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int};
use std::path::{Path, PathBuf};
use std::ptr;

use crate::diagnostics::c_text;
use crate::ffi;

/// Where the schema resources of one compilation come from.
pub(crate) enum Source {
    /// Resources by base name ("x.xsd"); any folder part of a URL is ignored.
    Memory(HashMap<String, Vec<u8>>),
    /// Files below this canonical folder.
    Dir(PathBuf),
}

/// The loader is open to one [`Source`] on this thread until this value is
/// finished or dropped.
pub(crate) struct Activation {
    _not_send: PhantomData<*mut ()>,
}

struct Active {
    source: Source,
    /// File bytes handed to libxml2, kept alive until the activation ends.
    kept: Vec<Box<[u8]>>,
    refused: Vec<String>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Active>> = const { RefCell::new(None) };
}

// === impl Activation ===

impl Activation {
    /// Opens the loader to `source` on this thread.
    pub(crate) fn start(source: Source) -> Self {
        let active = Active {
            source,
            kept: Vec::new(),
            refused: Vec::new(),
        };
        ACTIVE.with(|slot| *slot.borrow_mut() = Some(active));
        Activation {
            _not_send: PhantomData,
        }
    }

    /// Closes the loader and returns why each refused URL was refused.
    pub(crate) fn finish(self) -> Vec<String> {
        let active = ACTIVE.with(|slot| slot.borrow_mut().take());
        active.map(|a| a.refused).unwrap_or_default()
    }
}

impl Drop for Activation {
    fn drop(&mut self) {
        ACTIVE.with(|slot| slot.borrow_mut().take());
    }
}

// === impl Active ===

impl Active {
    /// The bytes to serve for `url`, or `None` after recording the refusal.
    fn resolve(&mut self, url: &str) -> Option<(*const u8, usize)> {
        let found = match &self.source {
            Source::Memory(map) => resolve_memory(map, url),
            Source::Dir(root) => resolve_dir(root, url).map(|bytes| {
                self.kept.push(bytes.into_boxed_slice());
                self.kept
                    .last()
                    .map(|b| (b.as_ptr(), b.len()))
                    .unwrap_or((ptr::null(), 0))
            }),
        };
        match found {
            Ok(found) => Some(found),
            Err(reason) => {
                self.refused.push(reason);
                None
            }
        }
    }
}

fn resolve_memory(map: &HashMap<String, Vec<u8>>, url: &str) -> Result<(*const u8, usize), String> {
    let name = base_name(url);
    match map.get(&name) {
        Some(bytes) => Ok((bytes.as_ptr(), bytes.len())),
        None => Err(format!(
            "schema resource '{name}' (requested as '{url}') is not registered"
        )),
    }
}

fn resolve_dir(root: &Path, url: &str) -> Result<Vec<u8>, String> {
    let local = url.strip_prefix("file://").unwrap_or(url);
    let path = PathBuf::from(percent_decode(local));
    let canonical = path
        .canonicalize()
        .map_err(|err| format!("schema file '{}' cannot be opened: {err}", path.display()))?;
    if !canonical.starts_with(root) {
        return Err(format!(
            "schema file '{}' is outside the schema folder '{}'",
            canonical.display(),
            root.display()
        ));
    }
    std::fs::read(&canonical).map_err(|err| {
        format!(
            "schema file '{}' cannot be read: {err}",
            canonical.display()
        )
    })
}

/// The last path segment of a URL or path, percent-decoded.
pub(crate) fn base_name(url: &str) -> String {
    let last = url.rsplit(['/', '\\']).next().unwrap_or(url);
    percent_decode(last)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The loader installed with `xmlSetExternalEntityLoader`.
///
/// # Safety
///
/// Called by libxml2 with `url` null or NUL-terminated and `ctxt` null or a
/// live parser context.
pub(crate) unsafe extern "C" fn load_entity(
    url: *const c_char,
    _id: *const c_char,
    ctxt: *mut ffi::xmlParserCtxt,
) -> *mut ffi::xmlParserInput {
    // SAFETY: per the contract above.
    let Some(text) = (unsafe { c_text(url) }) else {
        return ptr::null_mut();
    };
    let found = ACTIVE.with(|slot| match slot.try_borrow_mut() {
        Ok(mut active) => active.as_mut().and_then(|a| a.resolve(&text)),
        Err(_) => None,
    });
    match found {
        // SAFETY: the bytes live in the activation, which outlives the
        // parse that asked for them; `url` is valid per the contract.
        Some((bytes, len)) => unsafe { memory_input(ctxt, bytes, len, url) },
        None => ptr::null_mut(),
    }
}

/// Wraps bytes into a libxml2 input stream named `url`, so that relative
/// `schemaLocation`s inside it resolve against that name.
///
/// # Safety
///
/// `bytes..bytes+len` must be readable, `url` NUL-terminated, `ctxt` null or
/// live.
unsafe fn memory_input(
    ctxt: *mut ffi::xmlParserCtxt,
    bytes: *const u8,
    len: usize,
    url: *const c_char,
) -> *mut ffi::xmlParserInput {
    let Ok(len) = c_int::try_from(len) else {
        return ptr::null_mut();
    };
    // SAFETY: libxml2 2.9 copies the bytes into its own buffer; on failure
    // we free the buffer we still own. `filename` is freed by libxml2 with
    // `xmlFree`, so it is allocated by libxml2 (`xmlCharStrdup`).
    unsafe {
        let encoding = ffi::XML_CHAR_ENCODING_NONE;
        let buffer = ffi::xmlParserInputBufferCreateMem(bytes.cast(), len, encoding);
        if buffer.is_null() {
            return ptr::null_mut();
        }
        let input = ffi::xmlNewIOInputStream(ctxt, buffer, encoding);
        if input.is_null() {
            ffi::xmlFreeParserInputBuffer(buffer);
            return ptr::null_mut();
        }
        (*input).filename = ffi::xmlCharStrdup(url).cast_const().cast();
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_name_relative_path_keeps_file_name() {
        assert_eq!(base_name("../1.1/smev-basic-1.1.xsd"), "smev-basic-1.1.xsd");
        assert_eq!(base_name("a\\b\\c.xsd"), "c.xsd");
        assert_eq!(base_name("plain.xsd"), "plain.xsd");
    }

    #[test]
    fn base_name_escaped_url_is_decoded() {
        assert_eq!(base_name("file:///x/my%20types.xsd"), "my types.xsd");
        assert_eq!(base_name("bad%zz.xsd"), "bad%zz.xsd");
    }

    #[test]
    fn resolve_memory_unknown_name_names_the_resource() {
        let map = HashMap::from([("a.xsd".to_owned(), b"<a/>".to_vec())]);
        let err = resolve_memory(&map, "../x/b.xsd").unwrap_err();
        assert_eq!(
            err,
            "schema resource 'b.xsd' (requested as '../x/b.xsd') is not registered"
        );
        assert_eq!(resolve_memory(&map, "dir/a.xsd").unwrap().1, 4);
    }
}
