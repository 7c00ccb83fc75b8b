//! Read-only walking of a parsed libxml2 tree: element nodes, their names,
//! namespaces and unqualified attributes.
//!
//! A [`Node`] borrows the [`Document`] it belongs to, so the tree cannot be
//! freed while one is alive; that borrow is what makes the raw reads sound.

use std::ffi::CStr;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::document::Document;
use crate::ffi;

/// An element node of a live document.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Node<'doc> {
    raw: NonNull<ffi::xmlNode>,
    _doc: PhantomData<&'doc Document>,
}

/// The elements of a subtree in document order, each with its depth below
/// the subtree root (the root itself is at depth 0).
pub(crate) struct Elements<'doc> {
    root: Node<'doc>,
    next: Option<(Node<'doc>, usize)>,
}

// === impl Node ===

impl<'doc> Node<'doc> {
    /// Wraps a node pointer of `doc`'s tree; `None` for null or non-elements.
    pub(crate) fn element(_doc: &'doc Document, raw: *mut ffi::xmlNode) -> Option<Self> {
        Self::from_raw(raw)
    }

    fn from_raw(raw: *mut ffi::xmlNode) -> Option<Self> {
        let raw = NonNull::new(raw)?;
        // SAFETY: a non-null node pointer taken from a live tree.
        let is_element = unsafe { raw.as_ref().type_ } == ffi::XML_ELEMENT_NODE;
        is_element.then_some(Node {
            raw,
            _doc: PhantomData,
        })
    }

    fn get(&self) -> &'doc ffi::xmlNode {
        // SAFETY: the node lives as long as the borrowed document, which is
        // not mutated through this crate's read-only walk.
        unsafe { self.raw.as_ref() }
    }

    pub(crate) fn as_ptr(&self) -> *mut ffi::xmlNode {
        self.raw.as_ptr()
    }

    /// The local name, without prefix.
    pub(crate) fn local_name(&self) -> &'doc [u8] {
        // SAFETY: element names are NUL-terminated dictionary strings.
        unsafe { c_bytes(self.get().name) }
    }

    /// The namespace URI, `None` when the element has no namespace.
    pub(crate) fn namespace(&self) -> Option<&'doc [u8]> {
        // SAFETY: `ns` is null or points to a namespace of the same tree.
        let ns = unsafe { self.get().ns.as_ref()? };
        // SAFETY: namespace hrefs are NUL-terminated.
        Some(unsafe { c_bytes(ns.href) })
    }

    /// The value of the attribute `name` that has no namespace.
    pub(crate) fn unqualified_attribute(&self, name: &[u8]) -> Option<Vec<u8>> {
        let mut attr = self.get().properties;
        // SAFETY: the attribute list is a null-terminated list of the tree.
        while let Some(a) = unsafe { attr.as_ref() } {
            // SAFETY: attribute names are NUL-terminated.
            if a.ns.is_null() && unsafe { c_bytes(a.name) } == name {
                return Some(text_of(a.children));
            }
            attr = a.next;
        }
        None
    }

    /// The source line, also above 65535 (the tree is parsed with
    /// `XML_PARSE_BIG_LINES`).
    pub(crate) fn line(&self) -> u32 {
        // SAFETY: a live element node.
        let line = unsafe { ffi::xmlGetLineNo(self.raw.as_ptr()) };
        u32::try_from(line).unwrap_or(0)
    }

    pub(crate) fn parent(&self) -> Option<Self> {
        Self::from_raw(self.get().parent)
    }

    pub(crate) fn first_child(&self) -> Option<Self> {
        first_element(self.get().children)
    }

    pub(crate) fn next_sibling(&self) -> Option<Self> {
        first_element(self.get().next)
    }

    /// All elements of this subtree, this one first.
    pub(crate) fn descendants(self) -> Elements<'doc> {
        Elements {
            root: self,
            next: Some((self, 0)),
        }
    }
}

/// The first element among `node` and its following siblings.
fn first_element<'doc>(mut node: *mut ffi::xmlNode) -> Option<Node<'doc>> {
    // SAFETY: sibling lists are null-terminated lists of the live tree.
    while let Some(n) = unsafe { node.as_ref() } {
        if n.type_ == ffi::XML_ELEMENT_NODE {
            return Node::from_raw(node);
        }
        node = n.next;
    }
    None
}

/// The concatenated text of an attribute's children.
fn text_of(mut child: *mut ffi::xmlNode) -> Vec<u8> {
    let mut out = Vec::new();
    // SAFETY: attribute children are text (or entity reference) nodes of the
    // live tree; `content` is null or NUL-terminated.
    while let Some(c) = unsafe { child.as_ref() } {
        if !c.content.is_null() {
            out.extend_from_slice(unsafe { c_bytes(c.content) });
        }
        child = c.next;
    }
    out
}

/// # Safety
///
/// `text` must be null or NUL-terminated and outlive `'a`.
unsafe fn c_bytes<'a>(text: *const u8) -> &'a [u8] {
    if text.is_null() {
        return &[];
    }
    // SAFETY: per the contract.
    unsafe { CStr::from_ptr(text.cast()).to_bytes() }
}

// === impl Elements ===

impl<'doc> Iterator for Elements<'doc> {
    type Item = (Node<'doc>, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let (node, depth) = self.next?;
        self.next = self.successor(node, depth);
        Some((node, depth))
    }
}

impl<'doc> Elements<'doc> {
    /// The element after `node` in document order, staying inside `root`.
    fn successor(&self, node: Node<'doc>, depth: usize) -> Option<(Node<'doc>, usize)> {
        if let Some(child) = node.first_child() {
            return Some((child, depth + 1));
        }
        let (mut cur, mut depth) = (node, depth);
        while cur != self.root {
            if let Some(sibling) = cur.next_sibling() {
                return Some((sibling, depth));
            }
            cur = cur.parent()?;
            depth -= 1;
        }
        None
    }
}
