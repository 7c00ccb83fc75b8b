//! The operations of one version, read from its WSDL binding: name, SOAPAction,
//! request and response elements, and the fault elements each may return.

use std::collections::BTreeMap;

use roxmltree::{Document, Node};

use crate::GenError;

const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
const WSDL_SOAP: &str = "http://schemas.xmlsoap.org/wsdl/soap/";

/// One operation of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationDecl {
    pub name: String,
    pub soap_action: String,
    pub request: String,
    pub response: String,
    pub faults: Vec<String>,
}

/// Reads the operations, in binding order.
///
/// # Errors
/// [`GenError::Xml`] for malformed XML, [`GenError::Schema`] when a message or
/// SOAPAction the binding needs is missing.
pub fn read_operations(file: &str, text: &str) -> Result<Vec<OperationDecl>, GenError> {
    let doc = Document::parse(text).map_err(|e| GenError::Xml {
        file: file.to_string(),
        source: e,
    })?;
    let root = doc.root_element();
    let messages = message_elements(root);
    let port_type = wsdl_child(root, "portType")
        .ok_or_else(|| GenError::Schema(format!("{file}: no wsdl:portType")))?;
    let binding = wsdl_child(root, "binding")
        .ok_or_else(|| GenError::Schema(format!("{file}: no wsdl:binding")))?;

    let mut operations = Vec::new();
    for op in binding.children().filter(|c| is_wsdl(c, "operation")) {
        let name = op.attribute("name").unwrap_or_default().to_string();
        let soap_action = op
            .children()
            .find(|c| {
                c.tag_name().namespace() == Some(WSDL_SOAP) && c.tag_name().name() == "operation"
            })
            .and_then(|c| c.attribute("soapAction"))
            .ok_or_else(|| GenError::Schema(format!("{file}: {name} has no soapAction")))?
            .to_string();
        let abstract_op = port_type
            .children()
            .find(|c| is_wsdl(c, "operation") && c.attribute("name") == Some(name.as_str()))
            .ok_or_else(|| GenError::Schema(format!("{file}: {name} missing in portType")))?;
        let element_of = |io: &str| -> Result<Vec<String>, GenError> {
            abstract_op
                .children()
                .filter(|c| is_wsdl(c, io))
                .map(|c| {
                    let message = local(c.attribute("message").unwrap_or_default());
                    messages
                        .get(message)
                        .cloned()
                        .ok_or_else(|| GenError::Schema(format!("{file}: no message {message}")))
                })
                .collect()
        };
        let request = element_of("input")?.pop().unwrap_or_default();
        let response = element_of("output")?.pop().unwrap_or_default();
        let faults = element_of("fault")?;
        operations.push(OperationDecl {
            name,
            soap_action,
            request,
            response,
            faults,
        });
    }
    Ok(operations)
}

fn is_wsdl(node: &Node, local: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(WSDL)
        && node.tag_name().name() == local
}

fn wsdl_child<'a, 'i>(root: Node<'a, 'i>, local: &str) -> Option<Node<'a, 'i>> {
    root.children().find(|c| is_wsdl(c, local))
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// wsdl:message name -> local name of the element of its single part.
fn message_elements(root: Node) -> BTreeMap<String, String> {
    root.children()
        .filter(|c| is_wsdl(c, "message"))
        .filter_map(|m| {
            let part = m.children().find(|c| is_wsdl(c, "part"))?;
            let element = local(part.attribute("element")?).to_string();
            Some((m.attribute("name")?.to_string(), element))
        })
        .collect()
}
