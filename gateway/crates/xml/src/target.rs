//! Naming one element of a document: the root, the element with a given
//! `Id`, or the n-th element with a given expanded name.

use std::fmt;

use crate::document::Document;
use crate::tree::Node;

/// Which element subtree an operation works on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// The document element. Comments and processing instructions outside
    /// it are not part of the subtree, so this differs from XMLDSig's
    /// `URI=""` only for documents that have such top-level nodes.
    Root,
    /// The element whose unqualified attribute `Id` equals this value
    /// (SMEV's and XMLDSig's `URI="#value"`). It must be unique.
    ById(String),
    /// The `n`-th (0-based, document order) element with namespace URI `ns`
    /// (empty for no namespace) and local name `local`.
    Nth {
        /// Namespace URI; empty means "no namespace".
        ns: String,
        /// Local name, without prefix.
        local: String,
        /// 0-based position among the matching elements.
        n: usize,
    },
}

/// What looking a target up found.
pub(crate) enum Lookup<'doc> {
    Found(Node<'doc>),
    Missing,
    /// `ById` matched this many elements.
    Ambiguous(usize),
}

// === impl Target ===

impl Target {
    /// The `n`-th element named `{ns}local`.
    pub fn nth(ns: &str, local: &str, n: usize) -> Self {
        Target::Nth {
            ns: ns.to_owned(),
            local: local.to_owned(),
            n,
        }
    }

    /// The element with `Id="id"`.
    pub fn by_id(id: &str) -> Self {
        Target::ById(id.to_owned())
    }

    fn matches(&self, node: Node<'_>) -> bool {
        match self {
            Target::Root => node.parent().is_none(),
            Target::ById(id) => node
                .unqualified_attribute(b"Id")
                .is_some_and(|value| value == id.as_bytes()),
            Target::Nth { ns, local, .. } => {
                node.local_name() == local.as_bytes()
                    && node.namespace().unwrap_or_default() == ns.as_bytes()
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Root => f.write_str("the document element"),
            Target::ById(id) => write!(f, "the element with Id '{id}'"),
            Target::Nth { ns, local, n } => write!(f, "element #{n} named {{{ns}}}{local}"),
        }
    }
}

// === impl Document ===

impl Document {
    /// How many elements `target` matches, ignoring `n` of [`Target::Nth`]
    /// (so it counts every element with that name). For `Root` it is 1.
    pub fn count(&self, target: &Target) -> usize {
        match self.root() {
            Some(root) => root
                .descendants()
                .filter(|(node, _)| target.matches(*node))
                .count(),
            None => 0,
        }
    }

    /// Whether exactly one element carries `Id="id"`.
    pub fn has_unique_id(&self, id: &str) -> bool {
        self.count(&Target::by_id(id)) == 1
    }

    pub(crate) fn find(&self, target: &Target) -> Lookup<'_> {
        let Some(root) = self.root() else {
            return Lookup::Missing;
        };
        let mut matches = root
            .descendants()
            .map(|(node, _)| node)
            .filter(|n| target.matches(*n));
        let found = match target {
            Target::Root => Some(root),
            Target::ById(_) => matches.next(),
            Target::Nth { n, .. } => matches.nth(*n),
        };
        let Some(found) = found else {
            return Lookup::Missing;
        };
        if matches!(target, Target::ById(_)) && matches.next().is_some() {
            return Lookup::Ambiguous(self.count(target));
        }
        Lookup::Found(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &[u8] = br#"<r xmlns:a="urn:a"><a:x Id="one"/><x Id="two"/><a:x a:Id="three"/>
        <y Id="dup"/><y Id="dup"/></r>"#;

    fn found_line(doc: &Document, target: &Target) -> Option<(String, usize)> {
        match doc.find(target) {
            Lookup::Found(node) => {
                let name = String::from_utf8_lossy(node.local_name()).into_owned();
                let before = doc.root()?.descendants().position(|(n, _)| n == node)?;
                Some((name, before))
            }
            _ => None,
        }
    }

    #[test]
    fn by_id_unqualified_attribute_only_is_matched() {
        let doc = Document::parse(DOC).unwrap();
        assert_eq!(
            found_line(&doc, &Target::by_id("one")),
            Some(("x".into(), 1))
        );
        assert_eq!(
            found_line(&doc, &Target::by_id("two")),
            Some(("x".into(), 2))
        );
        assert!(matches!(doc.find(&Target::by_id("three")), Lookup::Missing));
    }

    #[test]
    fn by_id_duplicate_is_ambiguous() {
        let doc = Document::parse(DOC).unwrap();
        assert!(matches!(
            doc.find(&Target::by_id("dup")),
            Lookup::Ambiguous(2)
        ));
        assert!(!doc.has_unique_id("dup"));
        assert!(doc.has_unique_id("one"));
    }

    #[test]
    fn nth_counts_namespace_and_local_name() {
        let doc = Document::parse(DOC).unwrap();
        assert_eq!(
            found_line(&doc, &Target::nth("urn:a", "x", 1)),
            Some(("x".into(), 3))
        );
        assert_eq!(
            found_line(&doc, &Target::nth("", "x", 0)),
            Some(("x".into(), 2))
        );
        assert!(matches!(
            doc.find(&Target::nth("urn:a", "x", 2)),
            Lookup::Missing
        ));
        assert_eq!(doc.count(&Target::nth("", "y", 0)), 2);
        assert_eq!(doc.count(&Target::Root), 1);
    }
}
