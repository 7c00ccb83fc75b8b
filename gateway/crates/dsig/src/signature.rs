//! Finding `ds:Signature` elements in a document and reading their parts
//! against the SMEV 3 shape (protocol brief §2.2).
//!
//! The structure is walked with `roxmltree` over the same bytes libxml2
//! parses; canonical forms are then asked of libxml2 by position
//! ([`xml::Target::Nth`] for the n-th `ds:SignedInfo`) or by `Id`. Any
//! prefix, or the default namespace, may name the XMLDSig namespace, and
//! `Id` attributes are allowed on Signature, Reference and KeyInfo.

use base64::Engine as _;
use roxmltree::{Document, Node};

use crate::profile::{DSIG_NS, EXC_C14N_NS, EXC_C14N_URI};
use crate::transform::SMEV_TRANSFORM_URI;

/// The element a `ds:Signature` sits in, which says who signed what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wrapper {
    /// ЭП-ОВ of the caller, next to the signed element.
    CallerInformationSystemSignature,
    /// The sender's ЭП-ОВ as SMEV passes it on inside Request/Response.
    SenderInformationSystemSignature,
    /// SMEV's own signature (ЭП-СМЭВ).
    SmevSignature,
    /// The signature of an official (ЭП-СП).
    PersonalSignature,
    /// Any other parent; the local name, empty for a document element.
    Other(String),
}

/// One `ds:Signature` found in a document: where it sits and what it says.
/// Owned data, so it outlives the parse that found it.
#[derive(Debug, Clone)]
pub struct SignatureRef {
    /// The enclosing element.
    pub wrapper: Wrapper,
    /// Position among all `ds:Signature` elements, in document order.
    pub index: usize,
    /// Position of its `ds:SignedInfo` among all `ds:SignedInfo` elements,
    /// for [`xml::Target::Nth`]; `None` when it has none.
    pub signed_info_index: Option<usize>,
    /// The parts, or why the element does not have the SMEV 3 shape.
    pub parts: Result<SignatureParts, ShapeError>,
}

/// The parts of a well-shaped SMEV 3 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParts {
    /// `InclusiveNamespaces PrefixList` of the CanonicalizationMethod.
    pub c14n_prefixes: Vec<String>,
    /// The SignatureMethod `Algorithm` URI.
    pub signature_method: String,
    /// The `Id` the single Reference points at (`URI="#Id"`).
    pub target_id: String,
    /// `InclusiveNamespaces PrefixList` of the exc-c14n transform.
    pub transform_prefixes: Vec<String>,
    /// The DigestMethod `Algorithm` URI.
    pub digest_method: String,
    /// The decoded DigestValue.
    pub digest_value: Vec<u8>,
    /// The decoded SignatureValue.
    pub signature_value: Vec<u8>,
    /// The decoded `KeyInfo/X509Data/X509Certificate`, if present.
    pub certificate: Option<Vec<u8>>,
}

/// Why a `ds:Signature` does not have the SMEV 3 shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A required child is missing or out of order.
    #[error("expected ds:{expected} in ds:{parent}")]
    Missing {
        /// The local name of the expected element.
        expected: &'static str,
        /// The local name of the parent.
        parent: &'static str,
    },
    /// A required `Algorithm`/`URI` attribute is missing.
    #[error("ds:{element} has no {attribute} attribute")]
    MissingAttribute {
        /// The element's local name.
        element: &'static str,
        /// The attribute name.
        attribute: &'static str,
    },
    /// Not exactly one Reference.
    #[error("expected exactly one ds:Reference, found {0}")]
    ReferenceCount(usize),
    /// The Reference URI is not `#Id`.
    #[error("reference uri `{0}` is not a same-document `#Id` reference")]
    ReferenceUri(String),
    /// The transforms are not [exc-c14n, smev-transform].
    #[error("transforms must be [exc-c14n, smev transform] in that order, found [{0}]")]
    Transforms(String),
    /// The CanonicalizationMethod is not exc-c14n.
    #[error("canonicalization method `{0}` is not exclusive c14n")]
    Canonicalization(String),
    /// A base64 value does not decode.
    #[error("ds:{0} is not valid base64")]
    Base64(&'static str),
}

/// Why a document could not be searched for signatures.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    /// The bytes are not UTF-8.
    #[error("document is not utf-8: {0}")]
    NotUtf8(#[from] std::str::Utf8Error),
    /// The bytes are not well-formed XML.
    #[error("document is not well-formed: {0}")]
    Malformed(#[from] roxmltree::Error),
}

/// Every `ds:Signature` of the document, in document order.
///
/// # Errors
///
/// [`FindError`] when the bytes are not a well-formed UTF-8 document.
pub fn find_signatures(doc_bytes: &[u8]) -> Result<Vec<SignatureRef>, FindError> {
    let text = std::str::from_utf8(doc_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(doc_bytes))?;
    let doc = Document::parse(text)?;
    let signed_infos: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| is_dsig(*n, "SignedInfo"))
        .collect();

    let signatures = doc.descendants().filter(|n| is_dsig(*n, "Signature"));
    Ok(signatures
        .enumerate()
        .map(|(index, node)| {
            let signed_info = dsig_children(node)
                .next()
                .filter(|n| is_dsig(*n, "SignedInfo"));
            SignatureRef {
                wrapper: Wrapper::of(node),
                index,
                signed_info_index: signed_info
                    .and_then(|si| signed_infos.iter().position(|n| *n == si)),
                parts: read_signature(node),
            }
        })
        .collect())
}

/// Reads Signature = SignedInfo, SignatureValue, KeyInfo?, Object*.
fn read_signature(node: Node<'_, '_>) -> Result<SignatureParts, ShapeError> {
    let mut children = dsig_children(node);
    let signed_info = expect(children.next(), "SignedInfo", "Signature")?;
    let signature_value = expect(children.next(), "SignatureValue", "Signature")?;
    let key_info = children.next().filter(|n| is_dsig(*n, "KeyInfo"));

    let mut parts = read_signed_info(signed_info)?;
    parts.signature_value = decode_base64(signature_value, "SignatureValue")?;
    parts.certificate = match key_info.and_then(find_certificate) {
        Some(cert) => Some(decode_base64(cert, "X509Certificate")?),
        None => None,
    };
    Ok(parts)
}

/// Reads SignedInfo = CanonicalizationMethod, SignatureMethod, Reference.
fn read_signed_info(node: Node<'_, '_>) -> Result<SignatureParts, ShapeError> {
    let mut children = dsig_children(node);
    let c14n = expect(children.next(), "CanonicalizationMethod", "SignedInfo")?;
    let method = expect(children.next(), "SignatureMethod", "SignedInfo")?;
    let references: Vec<_> = children.filter(|n| is_dsig(*n, "Reference")).collect();

    let c14n_uri = algorithm(c14n, "CanonicalizationMethod")?;
    if c14n_uri != EXC_C14N_URI {
        return Err(ShapeError::Canonicalization(c14n_uri.to_owned()));
    }
    let [reference] = references.as_slice() else {
        return Err(ShapeError::ReferenceCount(references.len()));
    };
    let mut parts = read_reference(*reference)?;
    parts.c14n_prefixes = inclusive_prefixes(c14n);
    parts.signature_method = algorithm(method, "SignatureMethod")?.to_owned();
    Ok(parts)
}

/// Reads Reference = Transforms, DigestMethod, DigestValue.
fn read_reference(node: Node<'_, '_>) -> Result<SignatureParts, ShapeError> {
    let uri = node.attribute("URI").ok_or(ShapeError::MissingAttribute {
        element: "Reference",
        attribute: "URI",
    })?;
    let target_id = uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.starts_with("xpointer("))
        .ok_or_else(|| ShapeError::ReferenceUri(uri.to_owned()))?;

    let mut children = dsig_children(node);
    let transforms = expect(children.next(), "Transforms", "Reference")?;
    let digest_method = expect(children.next(), "DigestMethod", "Reference")?;
    let digest_value = expect(children.next(), "DigestValue", "Reference")?;
    let transform_prefixes = check_transforms(transforms)?;

    Ok(SignatureParts {
        c14n_prefixes: Vec::new(),
        signature_method: String::new(),
        target_id: target_id.to_owned(),
        transform_prefixes,
        digest_method: algorithm(digest_method, "DigestMethod")?.to_owned(),
        digest_value: decode_base64(digest_value, "DigestValue")?,
        signature_value: Vec::new(),
        certificate: None,
    })
}

/// The transforms must be exactly [exc-c14n, smev transform]; returns the
/// inclusive prefixes of the exc-c14n step.
// FIXME(#2): some ЭП-СП (PersonalSignature) profiles add enveloped-signature
// before exc-c14n, or sign `URI=""`; those are reported non-conformant here.
// Right: accept them for PersonalSignature only, as the ВС in question says.
fn check_transforms(node: Node<'_, '_>) -> Result<Vec<String>, ShapeError> {
    let transforms: Vec<Node<'_, '_>> = dsig_children(node).collect();
    let uris: Vec<&str> = transforms
        .iter()
        .map(|t| t.attribute("Algorithm").unwrap_or("?"))
        .collect();
    let conformant = transforms.iter().all(|t| is_dsig(*t, "Transform"))
        && uris == [EXC_C14N_URI, SMEV_TRANSFORM_URI];
    if !conformant {
        return Err(ShapeError::Transforms(uris.join(", ")));
    }
    Ok(inclusive_prefixes(transforms[0]))
}

/// `KeyInfo/X509Data/X509Certificate`, the first one.
fn find_certificate<'a, 'i>(key_info: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    dsig_children(key_info)
        .filter(|n| is_dsig(*n, "X509Data"))
        .flat_map(dsig_children)
        .find(|n| is_dsig(*n, "X509Certificate"))
}

/// The `PrefixList` of an `ec:InclusiveNamespaces` child, split on spaces.
fn inclusive_prefixes(node: Node<'_, '_>) -> Vec<String> {
    node.children()
        .filter(|n| n.tag_name().namespace() == Some(EXC_C14N_NS))
        .filter(|n| n.tag_name().name() == "InclusiveNamespaces")
        .filter_map(|n| n.attribute("PrefixList"))
        .flat_map(str::split_ascii_whitespace)
        .map(str::to_owned)
        .collect()
}

fn expect<'a, 'i>(
    node: Option<Node<'a, 'i>>,
    expected: &'static str,
    parent: &'static str,
) -> Result<Node<'a, 'i>, ShapeError> {
    node.filter(|n| is_dsig(*n, expected))
        .ok_or(ShapeError::Missing { expected, parent })
}

fn algorithm<'a>(node: Node<'a, '_>, element: &'static str) -> Result<&'a str, ShapeError> {
    node.attribute("Algorithm")
        .ok_or(ShapeError::MissingAttribute {
            element,
            attribute: "Algorithm",
        })
}

/// Decodes base64 text, ignoring the whitespace line breaks may add.
fn decode_base64(node: Node<'_, '_>, element: &'static str) -> Result<Vec<u8>, ShapeError> {
    let text: String = node
        .children()
        .filter_map(|n| n.text())
        .flat_map(str::chars)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| ShapeError::Base64(element))
}

/// The element children of `node` (text and comments skipped).
fn dsig_children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn is_dsig(node: Node<'_, '_>, local: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(DSIG_NS)
        && node.tag_name().name() == local
}

// === impl Wrapper ===

impl Wrapper {
    fn of(signature: Node<'_, '_>) -> Self {
        let Some(parent) = signature.parent_element() else {
            return Wrapper::Other(String::new());
        };
        match parent.tag_name().name() {
            "CallerInformationSystemSignature" => Wrapper::CallerInformationSystemSignature,
            "SenderInformationSystemSignature" => Wrapper::SenderInformationSystemSignature,
            "SMEVSignature" => Wrapper::SmevSignature,
            "PersonalSignature" => Wrapper::PersonalSignature,
            other => Wrapper::Other(other.to_owned()),
        }
    }

    /// The wrapper's element local name.
    pub fn local_name(&self) -> &str {
        match self {
            Wrapper::CallerInformationSystemSignature => "CallerInformationSystemSignature",
            Wrapper::SenderInformationSystemSignature => "SenderInformationSystemSignature",
            Wrapper::SmevSignature => "SMEVSignature",
            Wrapper::PersonalSignature => "PersonalSignature",
            Wrapper::Other(name) => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMEV: &str = "urn://smev-gov-ru/xmldsig/transform";

    /// A signature in `wrapper` with the given SignedInfo body and
    /// Reference URI; values are short valid base64.
    fn doc(wrapper: &str, c14n: &str, uri: &str, transforms: &[&str]) -> String {
        let transforms: String = transforms
            .iter()
            .map(|t| format!("<ds:Transform Algorithm=\"{t}\"/>"))
            .collect();
        format!(
            "<w:{wrapper} xmlns:w=\"urn:w\"><ds:Signature xmlns:ds=\"{DSIG_NS}\"><ds:SignedInfo>\
             <ds:CanonicalizationMethod Algorithm=\"{c14n}\"/><ds:SignatureMethod Algorithm=\"s\"/>\
             <ds:Reference URI=\"{uri}\"><ds:Transforms>{transforms}</ds:Transforms>\
             <ds:DigestMethod Algorithm=\"d\"/><ds:DigestValue>AAEC</ds:DigestValue></ds:Reference>\
             </ds:SignedInfo><ds:SignatureValue>\n  AwQF\n</ds:SignatureValue></ds:Signature>\
             </w:{wrapper}>"
        )
    }

    fn shape(xml: &str) -> Result<SignatureParts, ShapeError> {
        find_signatures(xml.as_bytes())
            .expect("parse")
            .remove(0)
            .parts
    }

    #[test]
    fn well_shaped_signature_parts_are_read() {
        let parts = shape(&doc(
            "SMEVSignature",
            EXC_C14N_URI,
            "#X",
            &[EXC_C14N_URI, SMEV],
        ));
        let parts = parts.expect("shape");
        assert_eq!(parts.target_id, "X");
        assert_eq!(
            (
                parts.signature_method.as_str(),
                parts.digest_method.as_str()
            ),
            ("s", "d")
        );
        assert_eq!(parts.digest_value, vec![0, 1, 2]);
        assert_eq!(parts.signature_value, vec![3, 4, 5]);
        assert_eq!(parts.certificate, None);
    }

    #[test]
    fn inclusive_c14n_method_is_rejected() {
        let c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
        let err = shape(&doc("SMEVSignature", c14n, "#X", &[EXC_C14N_URI, SMEV])).unwrap_err();
        assert_eq!(err, ShapeError::Canonicalization(c14n.to_owned()));
    }

    #[test]
    fn non_id_reference_uris_are_rejected() {
        for uri in ["", "#", "http://example.invalid/x", "#xpointer(/)"] {
            let err = shape(&doc(
                "SMEVSignature",
                EXC_C14N_URI,
                uri,
                &[EXC_C14N_URI, SMEV],
            ));
            assert_eq!(err, Err(ShapeError::ReferenceUri(uri.to_owned())), "{uri}");
        }
    }

    #[test]
    fn enveloped_signature_transform_is_rejected() {
        let enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
        let xml = doc(
            "PersonalSignature",
            EXC_C14N_URI,
            "#X",
            &[enveloped, EXC_C14N_URI, SMEV],
        );
        let err = shape(&xml).unwrap_err();
        assert!(matches!(err, ShapeError::Transforms(ref list) if list.starts_with(enveloped)));
    }

    #[test]
    fn missing_signature_value_is_rejected() {
        let xml = doc("SMEVSignature", EXC_C14N_URI, "#X", &[EXC_C14N_URI, SMEV])
            .replace("<ds:SignatureValue>\n  AwQF\n</ds:SignatureValue>", "");
        let err = shape(&xml).unwrap_err();
        assert_eq!(
            err,
            ShapeError::Missing {
                expected: "SignatureValue",
                parent: "Signature"
            }
        );
    }

    #[test]
    fn bad_base64_is_rejected() {
        let xml =
            doc("SMEVSignature", EXC_C14N_URI, "#X", &[EXC_C14N_URI, SMEV]).replace("AAEC", "A*EC");
        assert_eq!(shape(&xml), Err(ShapeError::Base64("DigestValue")));
    }

    #[test]
    fn wrappers_and_signed_info_positions_follow_document_order() {
        let one = doc(
            "CallerInformationSystemSignature",
            EXC_C14N_URI,
            "#A",
            &[EXC_C14N_URI, SMEV],
        );
        let two = doc("Elsewhere", EXC_C14N_URI, "#B", &[EXC_C14N_URI, SMEV]);
        let xml = format!("<root>{one}{two}</root>");
        let found = find_signatures(xml.as_bytes()).expect("parse");
        let summary: Vec<_> = found
            .iter()
            .map(|s| (s.wrapper.clone(), s.index, s.signed_info_index))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Wrapper::CallerInformationSystemSignature, 0, Some(0)),
                (Wrapper::Other("Elsewhere".to_owned()), 1, Some(1)),
            ]
        );
        assert_eq!(found[1].wrapper.local_name(), "Elsewhere");
    }

    #[test]
    fn doctype_is_refused() {
        let err = find_signatures(b"<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>").unwrap_err();
        assert!(matches!(err, FindError::Malformed(_)), "{err}");
    }
}
