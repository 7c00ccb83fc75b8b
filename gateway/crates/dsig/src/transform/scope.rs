//! Namespace scopes of the SMEV transform: the bindings declared in the input
//! (to resolve prefixes to URIs) and the generated `nsN` prefixes of the
//! output (one counter per fragment, one frame per open element).

/// The namespace of the reserved `xml` prefix, bound in every document.
pub(super) const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Input-side bindings: one frame of (prefix, URI) per open element; the
/// default namespace is stored under the empty prefix, and an empty URI
/// undeclares it.
#[derive(Debug, Default)]
pub(super) struct InputScopes {
    frames: Vec<Vec<(String, String)>>,
}

/// Output-side bindings: the reference keeps a stack of per-element lists and
/// declares `ns<counter>` on the element where a URI is first needed.
#[derive(Debug)]
pub(super) struct OutputPrefixes {
    frames: Vec<Vec<(String, String)>>,
    counter: u32,
}

// === impl InputScopes ===

impl InputScopes {
    /// Opens the scope of a new element with its own declarations.
    pub(super) fn push(&mut self, declarations: Vec<(String, String)>) {
        self.frames.push(declarations);
    }

    /// Closes the innermost element scope.
    pub(super) fn pop(&mut self) {
        self.frames.pop();
    }

    /// The URI bound to `prefix` (empty prefix: the default namespace), or
    /// `None` when it is unbound. An undeclared default namespace resolves to
    /// the empty string, i.e. "no namespace".
    pub(super) fn resolve(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        let bound = self
            .frames
            .iter()
            .rev()
            .flat_map(|frame| frame.iter().rev())
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.as_str());
        match (bound, prefix.is_empty()) {
            (Some(""), false) => None,
            (Some(uri), _) => Some(uri),
            (None, true) => Some(""),
            (None, false) => None,
        }
    }
}

// === impl OutputPrefixes ===

impl OutputPrefixes {
    /// A fresh fragment: no frames, counter at 1.
    pub(super) fn new() -> Self {
        Self {
            frames: Vec::new(),
            counter: 1,
        }
    }

    /// Opens the (initially empty) frame of a new element.
    pub(super) fn push(&mut self) {
        self.frames.push(Vec::new());
    }

    /// Closes the innermost element frame; its declarations go out of scope.
    pub(super) fn pop(&mut self) {
        self.frames.pop();
    }

    /// The prefix visible for `uri`, if any open element declared one.
    pub(super) fn find(&self, uri: &str) -> Option<&str> {
        self.frames
            .iter()
            .flatten()
            .find(|(_, u)| u == uri)
            .map(|(p, _)| p.as_str())
    }

    /// The prefix for `uri`: the visible one, or a new `nsN` declared on the
    /// innermost frame. Returns the prefix and whether it is new.
    pub(super) fn prefix_for(&mut self, uri: &str) -> (String, bool) {
        if let Some(prefix) = self.find(uri) {
            return (prefix.to_owned(), false);
        }
        let prefix = format!("ns{}", self.counter);
        self.counter += 1;
        if let Some(frame) = self.frames.last_mut() {
            frame.push((prefix.clone(), uri.to_owned()));
        }
        (prefix, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_default_namespace_unbound_resolves_to_empty() {
        let scopes = InputScopes::default();
        assert_eq!(scopes.resolve(""), Some(""));
        assert_eq!(scopes.resolve("p"), None);
        assert_eq!(scopes.resolve("xml"), Some(XML_NAMESPACE));
    }

    #[test]
    fn input_inner_declaration_shadows_outer() {
        let mut scopes = InputScopes::default();
        scopes.push(vec![
            ("".into(), "urn:a".into()),
            ("p".into(), "urn:p".into()),
        ]);
        scopes.push(vec![("".into(), "".into())]);
        assert_eq!(scopes.resolve(""), Some(""));
        assert_eq!(scopes.resolve("p"), Some("urn:p"));
        scopes.pop();
        assert_eq!(scopes.resolve(""), Some("urn:a"));
    }

    #[test]
    fn output_sibling_frame_gets_fresh_number() {
        let mut out = OutputPrefixes::new();
        out.push();
        assert_eq!(out.prefix_for("urn:a"), ("ns1".to_owned(), true));
        out.push();
        assert_eq!(out.prefix_for("urn:b"), ("ns2".to_owned(), true));
        assert_eq!(out.prefix_for("urn:a"), ("ns1".to_owned(), false));
        out.pop();
        out.push();
        assert_eq!(out.prefix_for("urn:b"), ("ns3".to_owned(), true));
    }
}
