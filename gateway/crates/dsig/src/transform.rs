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
//! 8. escaping is Woodstox's (`transform/escape.rs`).
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
    /// Two attributes with the same namespace URI and local name.
    #[error("attribute `{0}` appears twice on one element")]
    DuplicateAttribute(String),
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

/// A start tag whose attributes are still being read; its declarations and
/// attributes collect in the transformer's reusable buffers.
struct PendingStart<'a> {
    prefix: &'a str,
    local: &'a str,
}

/// An attribute as written in the input.
struct RawAttribute<'a> {
    prefix: &'a str,
    local: &'a str,
    value: Cow<'a, str>,
}

/// An attribute with its namespace resolved, then its output prefix number.
struct Attribute<'a> {
    uri: Cow<'a, str>,
    local: &'a str,
    value: Cow<'a, str>,
    prefix: u32,
}

/// An element whose end tag has not been written yet.
struct OpenElement<'a> {
    prefix: &'a str,
    local: &'a str,
    output_prefix: u32,
}

/// The streaming state of one transform run.
struct Transformer<'a> {
    out: String,
    input_scopes: InputScopes<'a>,
    prefixes: OutputPrefixes<'a>,
    open: Vec<OpenElement<'a>>,
    pending: Option<PendingStart<'a>>,
    declarations: Vec<(&'a str, Cow<'a, str>)>,
    raw_attributes: Vec<RawAttribute<'a>>,
    attributes: Vec<Attribute<'a>>,
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
            declarations: Vec::new(),
            raw_attributes: Vec::new(),
            attributes: Vec::new(),
            root_closed: false,
        }
    }

    fn feed(&mut self, token: xmlparser::Token<'a>) -> Result<(), TransformError> {
        use xmlparser::{ElementEnd, Token};
        match token {
            Token::ElementStart { prefix, local, .. } => {
                let (prefix, local) = (prefix.as_str(), local.as_str());
                self.pending = Some(PendingStart { prefix, local });
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
        match (prefix, local) {
            ("xmlns", _) => self.declarations.push((local, value)),
            ("", "xmlns") => self.declarations.push(("", value)),
            _ => self.raw_attributes.push(RawAttribute {
                prefix,
                local,
                value,
            }),
        }
        Ok(())
    }

    /// Writes the start tag of the pending element (rules 4–6).
    fn start_element(&mut self) -> Result<(), TransformError> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        self.input_scopes.push(self.declarations.drain(..));
        let uri = resolve(&self.input_scopes, pending.prefix)?;
        if uri.is_empty() {
            return Err(TransformError::UnqualifiedElement(pending.local.to_owned()));
        }
        self.resolve_attributes()?;
        self.attributes.sort_by(compare_attributes);
        if let Some(pair) = self
            .attributes
            .windows(2)
            .find(|p| compare_attributes(&p[0], &p[1]).is_eq())
        {
            return Err(TransformError::DuplicateAttribute(pair[1].local.to_owned()));
        }

        // The element's own declaration first, then the attributes' ones in
        // sorted order: the order the reference builds its mapping list in.
        self.prefixes.push();
        let output_prefix = self.prefixes.prefix_for(&uri);
        for attribute in self.attributes.iter_mut().filter(|a| !a.uri.is_empty()) {
            attribute.prefix = self.prefixes.prefix_for(&attribute.uri);
        }

        self.write_start_tag(output_prefix, pending.local);
        self.open.push(OpenElement {
            prefix: pending.prefix,
            local: pending.local,
            output_prefix,
        });
        Ok(())
    }

    /// Moves the raw attributes into `self.attributes`, namespaces resolved.
    fn resolve_attributes(&mut self) -> Result<(), TransformError> {
        self.attributes.clear();
        for raw in self.raw_attributes.drain(..) {
            let uri = match raw.prefix {
                "" => Cow::Borrowed(""),
                prefix => resolve(&self.input_scopes, prefix)?,
            };
            if uri == XML_NAMESPACE {
                return Err(TransformError::XmlNamespaceAttribute(raw.local.to_owned()));
            }
            self.attributes.push(Attribute {
                uri,
                local: raw.local,
                value: raw.value,
                prefix: 0,
            });
        }
        Ok(())
    }

    /// `<nsN:local`, this element's declarations, its sorted attributes, `>`.
    fn write_start_tag(&mut self, prefix: u32, local: &str) {
        let out = &mut self.out;
        out.push('<');
        push_qualified(out, prefix, local);
        for (n, uri) in self.prefixes.declared_here() {
            out.push_str(" xmlns:");
            push_prefix(out, *n);
            out.push_str("=\"");
            escape::write_attr_value(out, uri);
            out.push('"');
        }
        for attribute in &self.attributes {
            out.push(' ');
            if attribute.uri.is_empty() {
                out.push_str(attribute.local);
            } else {
                push_qualified(out, attribute.prefix, attribute.local);
            }
            out.push_str("=\"");
            escape::write_attr_value(out, &attribute.value);
            out.push('"');
        }
        out.push('>');
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
        push_qualified(&mut self.out, element.output_prefix, element.local);
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
}

/// The URI bound to `prefix` in the input.
fn resolve<'a>(scopes: &InputScopes<'a>, prefix: &str) -> Result<Cow<'a, str>, TransformError> {
    scopes
        .resolve(prefix)
        .ok_or_else(|| TransformError::UnboundPrefix(prefix.to_owned()))
}

/// Appends `nsN:local`.
fn push_qualified(out: &mut String, prefix: u32, local: &str) {
    push_prefix(out, prefix);
    out.push(':');
    out.push_str(local);
}

/// Appends `nsN` without going through `fmt`.
fn push_prefix(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        // `rest % 10` is a single decimal digit.
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.push_str("ns");
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
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
