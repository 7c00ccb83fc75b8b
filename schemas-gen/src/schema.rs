//! One version's XSD files, read into what the generator needs: element names,
//! facets (lengths, patterns, enumerations) and the detail shape of faults.
//!
//! Type references are resolved by QName across the files of the version, so a
//! `b:string-1500` in the types schema finds its `maxLength` in the basic one.

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Document, Node};

use crate::GenError;

/// The XML Schema namespace.
pub const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// One XSD file of a version.
#[derive(Debug)]
pub struct SchemaFile {
    /// File name inside the version folder.
    pub name: String,
    /// Its targetNamespace.
    pub namespace: String,
}

/// Length, pattern and enumeration facets of a simple value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub max_len: Option<usize>,
    pub min_len: Option<usize>,
    pub pattern: Option<String>,
    pub values: Vec<String>,
}

/// A named simple type and its resolved facets.
#[derive(Debug, Clone)]
pub struct NamedType {
    pub name: String,
    pub facets: Facets,
}

/// An element (or attribute) declaration with value facets, and the nearest
/// named ancestor used to tell apart equal names with different limits.
#[derive(Debug, Clone)]
pub struct ValueDecl {
    pub name: String,
    pub context: String,
    pub facets: Facets,
}

/// How the detail of a fault element is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// `basic:Void`: the element's presence is the message.
    Void,
    /// `basic:SmevFault`: optional Code and Description.
    SmevFault,
    /// An extension of `SmevFault` adding these child elements.
    Extended(Vec<String>),
}

/// A global element of the faults schema.
#[derive(Debug, Clone)]
pub struct FaultDecl {
    pub name: String,
    pub kind: FaultKind,
}

/// Everything read from one version's XSDs.
#[derive(Debug, Default)]
pub struct SchemaSet {
    pub files: Vec<SchemaFile>,
    /// Element name -> files declaring it.
    pub elements: BTreeMap<String, BTreeSet<String>>,
    pub named_types: Vec<NamedType>,
    pub values: Vec<ValueDecl>,
    pub faults: Vec<FaultDecl>,
}

type QName = (String, String);

/// Parsed documents of a version with a QName index of their global types.
struct Index<'a> {
    types: BTreeMap<QName, Node<'a, 'a>>,
}

/// Reads the given XSD texts (file name, text) of one version.
///
/// # Errors
/// [`GenError::Xml`] when a file is not well-formed, [`GenError::Schema`] when a
/// type reference cannot be resolved.
pub fn read_set(sources: Vec<(String, String)>) -> Result<SchemaSet, GenError> {
    let mut parsed = Vec::new();
    for (name, text) in &sources {
        let doc = Document::parse(text).map_err(|e| GenError::Xml {
            file: name.clone(),
            source: e,
        })?;
        let namespace = doc
            .root_element()
            .attribute("targetNamespace")
            .unwrap_or("")
            .to_string();
        let file = SchemaFile {
            name: name.clone(),
            namespace,
        };
        parsed.push((file, doc));
    }
    let index = Index::new(&parsed);
    let mut set = SchemaSet::default();
    for (file, doc) in &parsed {
        index.collect(file, doc, &mut set)?;
    }
    set.files = parsed.into_iter().map(|(f, _)| f).collect();
    Ok(set)
}

fn is_xs(node: &Node, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(XS)
}

fn xs_children<'a, 'i>(
    node: Node<'a, 'i>,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is_xs(c, local))
}

/// Resolves a QName attribute value against the namespaces in scope of `node`.
fn qname(node: Node, value: &str) -> QName {
    let (prefix, local) = match value.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, value),
    };
    let ns = node.lookup_namespace_uri(prefix).unwrap_or("");
    (ns.to_string(), local.to_string())
}

/// The name of the nearest named element or complex type above `node`.
fn context_of(node: Node) -> String {
    node.ancestors()
        .skip(1)
        .find(|a| (is_xs(a, "element") || is_xs(a, "complexType")) && a.has_attribute("name"))
        .and_then(|a| a.attribute("name"))
        .map(|n| {
            n.strip_suffix("Type")
                .filter(|s| !s.is_empty())
                .unwrap_or(n)
                .to_string()
        })
        .unwrap_or_default()
}

// === impl Index ===

impl<'a> Index<'a> {
    fn new(docs: &'a [(SchemaFile, Document<'a>)]) -> Self {
        let mut types = BTreeMap::new();
        for (file, doc) in docs {
            let root = doc.root_element();
            for child in root.children().filter(|c| c.is_element()) {
                let named_type = is_xs(&child, "simpleType") || is_xs(&child, "complexType");
                if let (true, Some(name)) = (named_type, child.attribute("name")) {
                    types.insert((file.namespace.clone(), name.to_string()), child);
                }
            }
        }
        Self { types }
    }

    fn collect(
        &self,
        file: &SchemaFile,
        doc: &Document,
        set: &mut SchemaSet,
    ) -> Result<(), GenError> {
        let root = doc.root_element();
        for node in root.descendants() {
            let is_decl = is_xs(&node, "element") || is_xs(&node, "attribute");
            if let (true, Some(name)) = (is_decl, node.attribute("name")) {
                if is_xs(&node, "element") {
                    set.elements
                        .entry(name.to_string())
                        .or_default()
                        .insert(file.name.clone());
                }
                let facets = self.decl_facets(node)?;
                if facets != Facets::default() {
                    let context = context_of(node);
                    set.values.push(ValueDecl {
                        name: name.to_string(),
                        context,
                        facets,
                    });
                }
            }
        }
        for child in xs_children(root, "simpleType") {
            let name = child.attribute("name").unwrap_or_default().to_string();
            let facets = self.simple_facets(child)?;
            set.named_types.push(NamedType { name, facets });
        }
        if file.name.contains("-faults-") {
            for element in xs_children(root, "element") {
                set.faults.push(self.fault_decl(element)?);
            }
        }
        Ok(())
    }

    fn lookup(&self, node: Node, value: &str) -> Result<Option<Node<'a, 'a>>, GenError> {
        let key = qname(node, value);
        if key.0 == XS {
            return Ok(None);
        }
        match self.types.get(&key) {
            Some(found) => Ok(Some(*found)),
            None => Err(GenError::Schema(format!(
                "unresolved type {{{}}}{}",
                key.0, key.1
            ))),
        }
    }

    /// Facets of the value an element or attribute declaration carries.
    fn decl_facets(&self, decl: Node) -> Result<Facets, GenError> {
        if let Some(type_name) = decl.attribute("type") {
            return match self.lookup(decl, type_name)? {
                Some(ty) => self.type_facets(ty),
                None => Ok(Facets::default()),
            };
        }
        let inline = decl
            .children()
            .find(|c| is_xs(c, "simpleType") || is_xs(c, "complexType"));
        match inline {
            Some(ty) => self.type_facets(ty),
            None => Ok(Facets::default()),
        }
    }

    fn type_facets(&self, ty: Node) -> Result<Facets, GenError> {
        if is_xs(&ty, "simpleType") {
            return self.simple_facets(ty);
        }
        // A complex type has value facets only through simple content.
        let Some(content) = xs_children(ty, "simpleContent").next() else {
            return Ok(Facets::default());
        };
        let derivation = content
            .children()
            .find(|c| is_xs(c, "extension") || is_xs(c, "restriction"));
        match derivation.and_then(|d| d.attribute("base").map(|b| (d, b))) {
            Some((d, base)) => match self.lookup(d, base)? {
                Some(base_ty) => self.type_facets(base_ty),
                None => Ok(Facets::default()),
            },
            None => Ok(Facets::default()),
        }
    }

    fn simple_facets(&self, ty: Node) -> Result<Facets, GenError> {
        let Some(restriction) = xs_children(ty, "restriction").next() else {
            return Ok(Facets::default());
        };
        let mut facets = match restriction.attribute("base") {
            Some(base) => match self.lookup(restriction, base)? {
                Some(base_ty) => self.type_facets(base_ty)?,
                None => Facets::default(),
            },
            None => Facets::default(),
        };
        let own_values: Vec<String> = xs_children(restriction, "enumeration")
            .filter_map(|e| e.attribute("value").map(str::to_string))
            .collect();
        if !own_values.is_empty() {
            facets.values = own_values;
        }
        for facet in restriction.children().filter(|c| c.is_element()) {
            let value = facet.attribute("value").unwrap_or_default();
            match facet.tag_name().name() {
                "maxLength" => facets.max_len = value.parse().ok(),
                "minLength" => facets.min_len = value.parse().ok(),
                "pattern" => facets.pattern = Some(value.to_string()),
                _ => {}
            }
        }
        Ok(facets)
    }

    fn fault_decl(&self, element: Node) -> Result<FaultDecl, GenError> {
        let name = element.attribute("name").unwrap_or_default().to_string();
        let ty = match element.attribute("type") {
            Some(t) => self.lookup(element, t)?,
            None => element.children().find(|c| is_xs(c, "complexType")),
        };
        let kind = match ty {
            Some(ty) => self.fault_kind(ty),
            None => FaultKind::Void,
        };
        Ok(FaultDecl { name, kind })
    }

    fn fault_kind(&self, ty: Node) -> FaultKind {
        match ty.attribute("name") {
            Some("Void") if is_basic(ty) => return FaultKind::Void,
            Some("SmevFault") if is_basic(ty) => return FaultKind::SmevFault,
            _ => {}
        }
        let fields = ty
            .descendants()
            .filter(|d| is_xs(d, "element") && d.has_attribute("name"))
            .filter(|d| {
                d.ancestors()
                    .skip(1)
                    .find(|a| is_xs(a, "element") || is_xs(a, "complexType"))
                    == Some(ty)
            })
            .filter_map(|d| d.attribute("name").map(str::to_string))
            .collect();
        FaultKind::Extended(fields)
    }
}

/// Whether `ty` is declared in the basic schema (namespace `.../types/basic/<v>`).
fn is_basic(ty: Node) -> bool {
    let root = ty.document().root_element();
    root.attribute("targetNamespace")
        .is_some_and(|ns| ns.contains("/types/basic/"))
}
