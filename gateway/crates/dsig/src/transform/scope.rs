//! Namespace scopes of the SMEV transform: the bindings declared in the input
//! (to resolve prefixes to URIs) and the generated `nsN` prefixes of the
//! output (one counter per fragment, one frame per open element).
//!
//! Both are flat binding lists with a mark per open element, so opening and
//! closing an element allocates nothing; URIs are borrowed from the input
//! whenever the input spells them without references.

use std::borrow::Cow;

/// The namespace of the reserved `xml` prefix, bound in every document.
pub(super) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Input-side bindings: (prefix, URI) pairs of the open elements, innermost
/// last; the default namespace is stored under the empty prefix, and an
/// empty URI undeclares it.
#[derive(Debug, Default)]
pub(super) struct InputScopes<'a> {
    bindings: Vec<(&'a str, Cow<'a, str>)>,
    marks: Vec<usize>,
}

/// Output-side bindings: the reference keeps a stack of per-element lists and
/// declares `ns<counter>` on the element where a URI is first needed. A
/// prefix is stored as its number N.
#[derive(Debug)]
pub(super) struct OutputPrefixes<'a> {
    bindings: Vec<(u32, Cow<'a, str>)>,
    marks: Vec<usize>,
    counter: u32,
}

// === impl InputScopes ===

impl<'a> InputScopes<'a> {
    /// Opens the scope of a new element with its own declarations.
    pub(super) fn push(&mut self, declarations: impl Iterator<Item = (&'a str, Cow<'a, str>)>) {
        self.marks.push(self.bindings.len());
        self.bindings.extend(declarations);
    }

    /// Closes the innermost element scope.
    pub(super) fn pop(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.bindings.truncate(mark);
        }
    }

    /// The URI bound to `prefix` (empty prefix: the default namespace), or
    /// `None` when it is unbound. An undeclared default namespace resolves to
    /// the empty string, i.e. "no namespace".
    pub(super) fn resolve(&self, prefix: &str) -> Option<Cow<'a, str>> {
        if prefix == "xml" {
            return Some(Cow::Borrowed(XML_NAMESPACE));
        }
        let bound = self
            .bindings
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| uri);
        match (bound, prefix.is_empty()) {
            (Some(uri), false) if uri.is_empty() => None,
            (Some(uri), _) => Some(uri.clone()),
            (None, true) => Some(Cow::Borrowed("")),
            (None, false) => None,
        }
    }
}

// === impl OutputPrefixes ===

impl<'a> OutputPrefixes<'a> {
    /// A fresh fragment: no frames, counter at 1.
    pub(super) fn new() -> Self {
        Self {
            bindings: Vec::new(),
            marks: Vec::new(),
            counter: 1,
        }
    }

    /// Opens the (initially empty) frame of a new element.
    pub(super) fn push(&mut self) {
        self.marks.push(self.bindings.len());
    }

    /// Closes the innermost element frame; its declarations go out of scope.
    pub(super) fn pop(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.bindings.truncate(mark);
        }
    }

    /// The number N of the `nsN` prefix for `uri`: the visible one, or a new
    /// one declared on the innermost frame. A URI is declared only when no
    /// open element declares it, so each URI appears at most once.
    // The Cow itself is cloned on a new declaration, which keeps a borrowed
    // URI borrowed; `&str` would force a copy.
    #[allow(clippy::ptr_arg)]
    pub(super) fn prefix_for(&mut self, uri: &Cow<'a, str>) -> u32 {
        if let Some((n, _)) = self.bindings.iter().find(|(_, u)| u == uri) {
            return *n;
        }
        let n = self.counter;
        self.counter += 1;
        self.bindings.push((n, uri.clone()));
        n
    }

    /// The declarations made on the innermost element, in the order they
    /// were made (the element's own first, then its attributes').
    pub(super) fn declared_here(&self) -> &[(u32, Cow<'a, str>)] {
        let mark = self.marks.last().copied().unwrap_or(0);
        &self.bindings[mark..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, Cow<'static, str>)> {
        pairs.iter().map(|(p, u)| (*p, Cow::Borrowed(*u))).collect()
    }

    #[test]
    fn input_default_namespace_unbound_resolves_to_empty() {
        let scopes = InputScopes::default();
        assert_eq!(scopes.resolve("").as_deref(), Some(""));
        assert_eq!(scopes.resolve("p"), None);
        assert_eq!(scopes.resolve("xml").as_deref(), Some(XML_NAMESPACE));
    }

    #[test]
    fn input_inner_declaration_shadows_outer() {
        let mut scopes = InputScopes::default();
        scopes.push(owned(&[("", "urn:a"), ("p", "urn:p")]).into_iter());
        scopes.push(owned(&[("", "")]).into_iter());
        assert_eq!(scopes.resolve("").as_deref(), Some(""));
        assert_eq!(scopes.resolve("p").as_deref(), Some("urn:p"));
        scopes.pop();
        assert_eq!(scopes.resolve("").as_deref(), Some("urn:a"));
    }

    #[test]
    fn output_sibling_frame_gets_fresh_number() {
        let (a, b) = (Cow::Borrowed("urn:a"), Cow::Borrowed("urn:b"));
        let mut out = OutputPrefixes::new();
        out.push();
        assert_eq!(out.prefix_for(&a), 1);
        out.push();
        assert_eq!(out.prefix_for(&b), 2);
        assert_eq!(out.prefix_for(&a), 1);
        assert_eq!(out.declared_here(), &[(2, b.clone())]);
        out.pop();
        out.push();
        assert_eq!(out.prefix_for(&b), 3);
    }
}
