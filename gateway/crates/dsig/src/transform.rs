//! The SMEV transform `urn://smev-gov-ru/xmldsig/transform` (protocol brief
//! §2.5), in pure Rust, byte for byte as the reference Java StAX (Woodstox)
//! `SmevTransformSpi` writes it.
//!
//! The input is the octet output of exclusive c14n: a standalone, well-formed
//! fragment. It is read as a stream of pull-parser tokens and re-serialised:
//!
//! 1. the XML declaration, processing instructions, comments and DOCTYPE are
//!    dropped; only start tags, end tags and text are written;
//! 2. a text event made only of chars ≤ U+0020 is dropped, any other text is
//!    kept as is (one event per text node: the reference's event reader never
//!    splits text, but a dropped comment or PI does end a text event);
//! 3. every element is written as a start/end pair, never self-closing;
//! 4. prefixes are renamed `ns1`, `ns2`, … with one counter per fragment and
//!    a scope stack, so siblings get fresh numbers; original declarations
//!    vanish and the default namespace is never used;
//! 5. attributes are sorted: namespaced ones first by (URI, local name) in
//!    Java `String.compareTo` order (UTF-16 code units), then unqualified ones
//!    by local name; an attribute's namespace gets a prefix like an element's;
//! 6. a start tag holds the element's own new declaration, then the
//!    declarations its attributes needed (in sorted order), then attributes;
//! 7. QName values inside text or attributes are not rewritten;
//! 8. escaping is Woodstox's (see [`escape`]).
//!
//! Two inputs the reference cannot handle are rejected up front, because the
//! Woodstox writer the reference runs on throws on them, so no SMEV signature
//! can exist over such content (CASES B01 vectors C and D):
//!
//! - an element in no namespace: the reference binds a fresh `nsN` to the
//!   empty URI, and `SimpleNsStreamWriter.writeNamespace` refuses an empty URI
//!   for a non-default prefix in XML 1.0 ([`TransformError::UnqualifiedElement`]);
//! - an attribute in the `xml` namespace (`xml:lang`, `xml:space`, …): the
//!   reference binds the XML namespace URI to a generated prefix, and the
//!   writer's `setPrefix` refuses that ([`TransformError::XmlNamespaceAttribute`]).
//!
//! Writers on the JDK's built-in StAX would instead emit `xmlns:ns2=""` and
//! `xmlns:ns2="http://www.w3.org/XML/1998/namespace"`; those bytes are not
//! namespace-well-formed and SMEV (on Woodstox) could not verify them.

mod entity;
mod escape;
mod scope;

use std::borrow::Cow;
use std::cmp::Ordering;

use self::entity::Context;
use self::scope::{InputScopes, OutputPrefixes, XML_NAMESPACE};

/// The algorithm URI of the SMEV transform.
pub const SMEV_TRANSFORM_URI: &str = "urn://smev-gov-ru/xmldsig/transform";

/// Why a fragment could not be transformed.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The input bytes are not UTF-8.
    #[error("input is not utf-8: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    /// The tokenizer rejected the input.
    #[error("malformed xml: {0}")]
    Malformed(#[from] xmlparser::Error),
    /// An end tag does not close the element that is open.
    #[error("end tag `{found}` does not match open element `{expected}`")]
    MismatchedEndTag {
        /// The qualified name of the open element.
        expected: String,
        /// The qualified name in the end tag.
        found: String,
    },
    /// The input ended inside an element, or held no element at all.
    #[error("input ends before the root element is closed")]
    Truncated,
    /// A prefix is used without a declaration in scope.
    #[error("namespace prefix `{0}` is not declared")]
    UnboundPrefix(String),
    /// An entity other than the five predefined ones.
    #[error("entity `&{0};` is not predefined")]
    UnknownEntity(String),
    /// A character reference naming no legal XML 1.0 character.
    #[error("character reference `&{0};` names no legal xml character")]
    InvalidCharReference(String),
    /// An element in no namespace; the reference writer refuses it.
    #[error("element `{0}` has no namespace; the smev transform supports qualified elements only")]
    UnqualifiedElement(String),
    /// An `xml:` attribute; the reference writer refuses to rebind it.
    #[error("attribute `xml:{0}` cannot be given a generated prefix by the smev transform")]
    XmlNamespaceAttribute(String),
}

/// Applies the SMEV transform to the octets of an exclusive-c14n output.
///
/// # Errors
///
/// [`TransformError`] when the input is not a well-formed, namespace-valid
/// fragment, or holds content the reference transform rejects (see the
/// module documentation).
pub fn smev_transform(input: &[u8]) -> Result<Vec<u8>, TransformError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input)?;

    let mut transformer = Transformer::new(text.len());
    for token in xmlparser::Tokenizer::from(text) {
        transformer.feed(token?)?;
    }
    transformer.finish()
}

/// A start tag whose attributes are still being read.
struct PendingStart<'a> {
    prefix: &'a str,
    local: &'a str,
    declarations: Vec<(String, String)>,
    attributes: Vec<(&'a str, &'a str, Cow<'a, str>)>,
}

/// An attribute with its namespace resolved.
struct Attribute<'a> {
    uri: String,
    local: &'a str,
    value: Cow<'a, str>,
}

/// An element whose end tag has not been written yet.
struct OpenElement<'a> {
    prefix: &'a str,
    local: &'a str,
    output_name: String,
}

/// The streaming state of one transform run.
struct Transformer<'a> {
    out: String,
    input_scopes: InputScopes,
    prefixes: OutputPrefixes,
    open: Vec<OpenElement<'a>>,
    pending: Option<PendingStart<'a>>,
    root_closed: bool,
}

// === impl Transformer ===

impl<'a> Transformer<'a> {
    fn new(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            input_scopes: InputScopes::default(),
            prefixes: OutputPrefixes::new(),
            open: Vec::new(),
            pending: None,
            root_closed: false,
        }
    }

    fn feed(&mut self, token: xmlparser::Token<'a>) -> Result<(), TransformError> {
        use xmlparser::{ElementEnd, Token};
        match token {
            Token::ElementStart { prefix, local, .. } => {
                self.pending = Some(PendingStart {
                    prefix: prefix.as_str(),
                    local: local.as_str(),
                    declarations: Vec::new(),
                    attributes: Vec::new(),
                });
            }
            Token::Attribute {
                prefix,
                local,
                value,
                ..
            } => {
                self.attribute(prefix.as_str(), local.as_str(), value.as_str())?;
            }
            Token::ElementEnd {
                end: ElementEnd::Open,
                ..
            } => self.start_element()?,
            Token::ElementEnd {
                end: ElementEnd::Empty,
                ..
            } => {
                self.start_element()?;
                self.end_element(None)?;
            }
            Token::ElementEnd {
                end: ElementEnd::Close(prefix, local),
                ..
            } => {
                self.end_element(Some((prefix.as_str(), local.as_str())))?;
            }
            Token::Text { text } => self.text(text.as_str())?,
            Token::Cdata { text, .. } => self.cdata(text.as_str()),
            // Declaration, PIs, comments and the DTD produce no output.
            _ => {}
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<u8>, TransformError> {
        if !self.root_closed || !self.open.is_empty() {
            return Err(TransformError::Truncated);
        }
        Ok(self.out.into_bytes())
    }

    fn attribute(
        &mut self,
        prefix: &'a str,
        local: &'a str,
        raw: &'a str,
    ) -> Result<(), TransformError> {
        let value = entity::expand(raw, Context::Attribute)?;
        let Some(pending) = self.pending.as_mut() else {
            return Ok(());
        };
        match (prefix, local) {
            ("xmlns", _) => pending
                .declarations
                .push((local.to_owned(), value.into_owned())),
            ("", "xmlns") => pending
                .declarations
                .push((String::new(), value.into_owned())),
            _ => pending.attributes.push((prefix, local, value)),
        }
        Ok(())
    }

    /// Writes the start tag of the pending element (rules 4–6).
    fn start_element(&mut self) -> Result<(), TransformError> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        self.input_scopes.push(pending.declarations);
        let uri = self.resolve(pending.prefix)?;
        if uri.is_empty() {
            return Err(TransformError::UnqualifiedElement(pending.local.to_owned()));
        }
        let mut attributes = self.resolve_attributes(pending.attributes)?;
        attributes.sort_by(compare_attributes);

        self.prefixes.push();
        let mut declarations = Vec::new();
        let (prefix, is_new) = self.prefixes.prefix_for(&uri);
        if is_new {
            declarations.push((prefix.clone(), uri.clone()));
        }
        let output_name = format!("{prefix}:{}", pending.local);
        let mut written = Vec::with_capacity(attributes.len());
        for attribute in &attributes {
            let name = self.attribute_name(attribute, &mut declarations);
            written.push((name, attribute.value.as_ref()));
        }

        self.write_start_tag(&output_name, &declarations, &written);
        self.open.push(OpenElement {
            prefix: pending.prefix,
            local: pending.local,
            output_name,
        });
        Ok(())
    }

    /// The output name of an attribute, declaring its prefix when new.
    fn attribute_name(
        &mut self,
        attribute: &Attribute<'_>,
        declarations: &mut Vec<(String, String)>,
    ) -> String {
        if attribute.uri.is_empty() {
            return attribute.local.to_owned();
        }
        let (prefix, is_new) = self.prefixes.prefix_for(&attribute.uri);
        if is_new {
            declarations.push((prefix.clone(), attribute.uri.clone()));
        }
        format!("{prefix}:{}", attribute.local)
    }

    fn write_start_tag(
        &mut self,
        name: &str,
        declarations: &[(String, String)],
        attributes: &[(String, &str)],
    ) {
        self.out.push('<');
        self.out.push_str(name);
        for (prefix, uri) in declarations {
            self.out.push_str(" xmlns:");
            self.out.push_str(prefix);
            self.out.push_str("=\"");
            escape::write_attr_value(&mut self.out, uri);
            self.out.push('"');
        }
        for (attribute_name, value) in attributes {
            self.out.push(' ');
            self.out.push_str(attribute_name);
            self.out.push_str("=\"");
            escape::write_attr_value(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Writes the end tag of the innermost element; `closing` is the name in
    /// the input end tag (`None` for a self-closing start tag).
    fn end_element(&mut self, closing: Option<(&str, &str)>) -> Result<(), TransformError> {
        let element = self.open.pop().ok_or(TransformError::Truncated)?;
        if let Some((prefix, local)) = closing {
            if (prefix, local) != (element.prefix, element.local) {
                return Err(TransformError::MismatchedEndTag {
                    expected: qualified(element.prefix, element.local),
                    found: qualified(prefix, local),
                });
            }
        }
        self.out.push_str("</");
        self.out.push_str(&element.output_name);
        self.out.push('>');
        self.prefixes.pop();
        self.input_scopes.pop();
        self.root_closed = self.open.is_empty();
        Ok(())
    }

    /// One text event (rule 2): dropped when it holds only chars ≤ U+0020.
    fn text(&mut self, raw: &str) -> Result<(), TransformError> {
        let text = entity::expand(raw, Context::Text)?;
        if is_java_blank(&text) {
            return Ok(());
        }
        escape::write_text(&mut self.out, &text);
        Ok(())
    }

    /// A CDATA section. Exclusive c14n never emits one; were it present, the
    /// reference's reader reports it as a CDATA event and the writer copies
    /// it verbatim.
    fn cdata(&mut self, text: &str) {
        if is_java_blank(text) {
            return;
        }
        self.out.push_str("<![CDATA[");
        self.out.push_str(text);
        self.out.push_str("]]>");
    }

    fn resolve(&self, prefix: &str) -> Result<String, TransformError> {
        self.input_scopes
            .resolve(prefix)
            .map(str::to_owned)
            .ok_or_else(|| TransformError::UnboundPrefix(prefix.to_owned()))
    }

    fn resolve_attributes(
        &self,
        raw: Vec<(&'a str, &'a str, Cow<'a, str>)>,
    ) -> Result<Vec<Attribute<'a>>, TransformError> {
        raw.into_iter()
            .map(|(prefix, local, value)| {
                if prefix.is_empty() {
                    return Ok(Attribute {
                        uri: String::new(),
                        local,
                        value,
                    });
                }
                let uri = self
                    .input_scopes
                    .resolve(prefix)
                    .ok_or_else(|| TransformError::UnboundPrefix(prefix.to_owned()))?;
                if uri == XML_NAMESPACE {
                    return Err(TransformError::XmlNamespaceAttribute(local.to_owned()));
                }
                Ok(Attribute {
                    uri: uri.to_owned(),
                    local,
                    value,
                })
            })
            .collect()
    }
}

/// Java `String.trim().isEmpty()`: every char is ≤ U+0020.
fn is_java_blank(text: &str) -> bool {
    text.chars().all(|c| c <= '\u{20}')
}

/// The reference's attribute order (rule 5).
fn compare_attributes(a: &Attribute<'_>, b: &Attribute<'_>) -> Ordering {
    match (a.uri.is_empty(), b.uri.is_empty()) {
        (true, true) => java_compare(a.local, b.local),
        (false, false) => java_compare(&a.uri, &b.uri).then_with(|| java_compare(a.local, b.local)),
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

/// Java `String.compareTo`: lexicographic over UTF-16 code units.
fn java_compare(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn qualified(prefix: &str, local: &str) -> String {
    if prefix.is_empty() {
        local.to_owned()
    } else {
        format!("{prefix}:{local}")
    }
}
