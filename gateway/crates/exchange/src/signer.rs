//! The node's own signature (ЭП-СМЭВ) over what it hands out.

use std::sync::Arc;

/// The node's GOST key and certificate.
#[derive(Clone)]
pub struct NodeSigner {
    key: Arc<gost::SigningKey>,
    cert: Arc<gost::Certificate>,
}

// === impl NodeSigner ===

impl NodeSigner {
    /// A signer with this key and certificate.
    pub fn new(key: gost::SigningKey, cert: gost::Certificate) -> NodeSigner {
        NodeSigner {
            key: Arc::new(key),
            cert: Arc::new(cert),
        }
    }

    /// The node's certificate.
    pub fn certificate(&self) -> &gost::Certificate {
        &self.cert
    }

    /// A compact `ds:Signature` over a standalone element carrying `Id=id`.
    ///
    /// The elements signed here are written by the node itself, so a failure
    /// is a bug: it is logged and answered with an empty signature, which
    /// the receiver will refuse rather than trust.
    pub fn sign(&self, element_xml: &str, id: &str) -> String {
        match dsig::sign_element(element_xml, id, &self.key, &self.cert) {
            Ok(signature) => signature,
            Err(error) => {
                tracing::error!(%error, signed.id = id, "cannot sign own element");
                String::new()
            }
        }
    }
}
