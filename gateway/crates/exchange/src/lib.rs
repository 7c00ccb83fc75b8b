//! The SMEV 3 exchange: what a node does with one SOAP request.
//!
//! [`Node::handle_soap`] runs the life of a message: decode the envelope
//! (`wire`), validate it against the SMEV XSD and the payload against its
//! ВС schema (`xml`), verify the caller's ЭП-ОВ (`dsig`), identify the
//! sender (`registry`), then hand the typed request to the operation's
//! handler in `ops/`, which routes, stores (`store`) and builds the signed
//! answer. Every failure is an [`ExchangeError`]; `fault_map` is the one
//! place that turns it into the SMEV fault on the wire, and every answer,
//! fault or not, is journaled.
//!
//! Invariant: a message is durably stored (with its journal entry) before
//! the node answers that it was accepted.

#![forbid(unsafe_code)]

pub mod auto_poll;
mod check;
pub mod clock;
mod error;
mod fault_map;
pub mod message_id;
mod node;
mod ops;
pub mod outbound;
mod quota;
pub mod registry;
pub mod registry_source;
mod reply_to;
mod schemas;
pub mod settings;
mod signer;

pub use clock::{Clock, FixedClock, SharedClock, SystemClock};
pub use error::{Blame, ExchangeError};
pub use fault_map::to_fault;
pub use node::{Node, NodeFault, NodeParts, SoapReply};
pub use registry::{InformationSystem, Registry, RegistryError, Service, SigningIdentity};
pub use registry_source::{CertificateRefusal, RegistrySourceError};
pub use schemas::{EnvelopeSchemas, SchemaLoadError};
pub use settings::Settings;
pub use signer::NodeSigner;
