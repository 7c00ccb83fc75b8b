//! Exclusive XML Canonicalization 1.0 without comments
//! (<http://www.w3.org/2001/10/xml-exc-c14n#>), done by libxml2's xmlC14N.
//!
//! A target subtree is canonicalized as a document subset, the way xmlsec
//! treats `URI="#id"`: the element, its descendants, their attributes and
//! namespace nodes are in the node-set, everything else is not. libxml2 asks
//! a visibility callback about each node; ours answers "is it inside the
//! subtree". Ancestor namespace declarations therefore show up on the subtree
//! root only where they are visibly used (or listed as inclusive prefixes).

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use crate::diagnostics::Capture;
use crate::document::{Document, ParseError};
use crate::target::{Lookup, Target};
use crate::{ffi, tree::Node};

/// Why a canonical form could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    /// The input of [`exc_c14n_bytes`] could not be parsed.
    #[error("cannot canonicalize unparsable xml: {0}")]
    Parse(#[from] ParseError),
    /// No element matches the target.
    #[error("no element matches {0}")]
    TargetNotFound(Target),
    /// `Id` matched several elements, so the reference is ambiguous.
    #[error("{target} is not unique ({count} elements carry it)")]
    TargetNotUnique {
        /// The ambiguous target.
        target: Target,
        /// How many elements matched.
        count: usize,
    },
    /// An inclusive namespace prefix contains a NUL byte.
    #[error("inclusive namespace prefix {0:?} is invalid")]
    InvalidPrefix(String),
    /// libxml2 failed.
    #[error("canonicalization failed: {0}")]
    Failed(String),
}

/// Parses `xml` and returns the exclusive canonical form of its document
/// element.
///
/// # Errors
///
/// [`C14nError::Parse`] for input [`Document::parse`] refuses, otherwise as
/// [`Document::exc_c14n`].
pub fn exc_c14n_bytes(xml: &[u8]) -> Result<Vec<u8>, C14nError> {
    let document = Document::parse(xml)?;
    document.exc_c14n(&Target::Root, &[])
}

// === impl Document ===

impl Document {
    /// The exclusive canonical form (without comments) of the `target`
    /// subtree. `inclusive_prefixes` is the `InclusiveNamespaces PrefixList`;
    /// `"#default"` names the default namespace.
    ///
    /// # Errors
    ///
    /// [`C14nError::TargetNotFound`] / [`C14nError::TargetNotUnique`] when the
    /// target does not name exactly one element, [`C14nError::Failed`] when
    /// libxml2 fails.
    pub fn exc_c14n(
        &self,
        target: &Target,
        inclusive_prefixes: &[&str],
    ) -> Result<Vec<u8>, C14nError> {
        let subtree = match self.find(target) {
            Lookup::Found(node) => node,
            Lookup::Missing => return Err(C14nError::TargetNotFound(target.clone())),
            Lookup::Ambiguous(count) => {
                return Err(C14nError::TargetNotUnique {
                    target: target.clone(),
                    count,
                })
            }
        };
        let prefixes = PrefixList::new(inclusive_prefixes)?;
        canonicalize(self, subtree, &prefixes)
    }
}

/// Runs `xmlC14NExecute` over one subtree into a Rust buffer.
fn canonicalize(
    doc: &Document,
    subtree: Node<'_>,
    prefixes: &PrefixList,
) -> Result<Vec<u8>, C14nError> {
    let mut output: Box<Vec<u8>> = Box::default();
    let capture = Capture::install();
    // SAFETY: the output buffer writes into `output`, which outlives it
    // (closed below before `output` is read). The visibility callback gets a
    // pointer to the subtree root, a node of `doc`, which `doc`'s borrow keeps
    // alive. The prefix array is NUL-terminated and lives in `prefixes`.
    let (status, closed) = unsafe {
        let sink = (&mut *output as *mut Vec<u8>).cast::<c_void>();
        let buffer = ffi::xmlOutputBufferCreateIO(Some(write_output), None, sink, ptr::null_mut());
        if buffer.is_null() {
            return Err(C14nError::Failed(
                "cannot allocate an output buffer".to_owned(),
            ));
        }
        let status = ffi::xmlC14NExecute(
            doc.as_ptr(),
            Some(inside_subtree),
            subtree.as_ptr().cast(),
            ffi::XML_C14N_EXCLUSIVE_1_0,
            prefixes.as_ptr(),
            0,
            buffer,
        );
        (status, ffi::xmlOutputBufferClose(buffer))
    };
    let diagnostics = capture.take();
    if status < 0 || closed < 0 {
        let reasons: Vec<String> = diagnostics.iter().map(|d| d.describe()).collect();
        let reason = if reasons.is_empty() {
            "libxml2 gave no reason".into()
        } else {
            reasons.join("; ")
        };
        return Err(C14nError::Failed(reason));
    }
    Ok(*output)
}

/// The `xmlOutputWriteCallback` appending to a `Vec<u8>`.
///
/// # Safety
///
/// `ctx` must point to a live `Vec<u8>` nobody else touches during the call,
/// and `buf..buf+len` must be readable.
unsafe extern "C" fn write_output(ctx: *mut c_void, buf: *const c_char, len: c_int) -> c_int {
    let Ok(count) = usize::try_from(len) else {
        return -1;
    };
    if count > 0 {
        // SAFETY: per the contract above.
        unsafe {
            let out = &mut *ctx.cast::<Vec<u8>>();
            out.extend_from_slice(std::slice::from_raw_parts(buf.cast::<u8>(), count));
        }
    }
    len
}

/// The `xmlC14NIsVisibleCallback`: a node is in the node-set when it lies
/// inside the subtree rooted at `user_data`. Attributes and namespace nodes
/// belong to the element passed as `parent`.
///
/// # Safety
///
/// `user_data` must be the subtree root and `node`/`parent` null or nodes
/// (or namespaces) of the same live document.
unsafe extern "C" fn inside_subtree(
    user_data: *mut c_void,
    node: *mut ffi::xmlNode,
    parent: *mut ffi::xmlNode,
) -> c_int {
    let root = user_data.cast::<ffi::xmlNode>();
    if node.is_null() {
        return 0;
    }
    // SAFETY: `xmlNode`, `xmlAttr` and `xmlNs` all start with a pointer
    // followed by the node type, so reading that head is valid for each.
    let kind = unsafe { (*node.cast::<ffi::NodeHead>()).type_ };
    let owned_by_parent = kind == ffi::XML_ATTRIBUTE_NODE || kind == ffi::XML_NAMESPACE_DECL;
    let mut cur = if owned_by_parent { parent } else { node };
    while !cur.is_null() {
        if cur == root {
            return 1;
        }
        // SAFETY: `cur` is an element (or text-like node) of the live tree.
        cur = unsafe { (*cur).parent };
    }
    0
}

/// An `InclusiveNamespaces PrefixList` as libxml2 wants it: a
/// NULL-terminated array of C strings.
struct PrefixList {
    _owned: Vec<CString>,
    pointers: Vec<*mut ffi::xmlChar>,
}

// === impl PrefixList ===

impl PrefixList {
    fn new(prefixes: &[&str]) -> Result<Self, C14nError> {
        let owned = prefixes
            .iter()
            .map(|p| CString::new(*p).map_err(|_| C14nError::InvalidPrefix((*p).to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        let mut pointers: Vec<*mut ffi::xmlChar> =
            owned.iter().map(|p| p.as_ptr().cast_mut().cast()).collect();
        pointers.push(ptr::null_mut());
        Ok(PrefixList {
            _owned: owned,
            pointers,
        })
    }

    /// NULL when the list is empty, which libxml2 reads as "no prefixes".
    fn as_ptr(&self) -> *mut *mut ffi::xmlChar {
        if self.pointers.len() == 1 {
            return ptr::null_mut();
        }
        // libxml2 only reads the array; the pointer is mutable in its
        // signature alone.
        self.pointers.as_ptr().cast_mut()
    }
}
