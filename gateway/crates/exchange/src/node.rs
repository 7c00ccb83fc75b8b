//! A node: the shared state of one gateway process and the entry point
//! [`Node::handle_soap`] that runs one exchange from bytes to reply.

use std::sync::{Arc, PoisonError, RwLock};

use time::OffsetDateTime;
use wire::{Fault, Operation, Version};

use crate::check::{self, Checked, Refusal};
use crate::clock::SharedClock;
use crate::error::{Blame, ExchangeError};
use crate::fault_map::to_fault;
use crate::ops;
use crate::registry::Registry;
use crate::schemas::{EnvelopeSchemas, SchemaLoadError};
use crate::settings::Settings;
use crate::signer::NodeSigner;

/// What a node is built from.
pub struct NodeParts {
    /// Registered systems and services.
    pub registry: Registry,
    /// Queues and journal.
    pub store: store::Store,
    /// The node's own key (ЭП-СМЭВ).
    pub signer: NodeSigner,
    /// Source of "now".
    pub clock: SharedClock,
    /// Exchange rules.
    pub settings: Settings,
    /// Envelope size and depth limits.
    pub limits: wire::Limits,
}

/// One gateway node.
pub struct Node {
    registry: RwLock<Arc<Registry>>,
    pub(crate) base_registry: RwLock<Arc<Registry>>,
    pub(crate) registry_seen: crate::registry_source::Seen,
    pub(crate) store: store::Store,
    pub(crate) signer: NodeSigner,
    pub(crate) clock: SharedClock,
    pub(crate) settings: Settings,
    pub(crate) limits: wire::Limits,
    pub(crate) schemas: EnvelopeSchemas,
    pub(crate) quota: crate::quota::QuotaGauge,
    started: std::time::Instant,
    last_error: std::sync::Mutex<Option<NodeFault>>,
}

/// The newest failure on the node's side (not a sender's refusal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFault {
    /// When it happened, on the node clock.
    pub at: OffsetDateTime,
    /// What failed, without message content or secrets.
    pub what: String,
}

/// The HTTP answer to one SOAP request, with what the edge logs.
#[derive(Debug, Clone)]
pub struct SoapReply {
    /// HTTP status: 200, or 500 for a fault (SOAP 1.1 binding).
    pub status: u16,
    /// The Content-Type header.
    pub content_type: &'static str,
    /// The envelope.
    pub body: String,
    /// The message the exchange was about, when known.
    pub message_id: Option<String>,
    /// The operation, when known.
    pub operation: Option<&'static str>,
    /// The fault element name, for a fault.
    pub fault: Option<String>,
}

/// A successful operation's envelope and the message it concerned.
pub(crate) struct Answer {
    pub body: String,
    pub message_id: Option<String>,
}

// === impl Node ===

impl Node {
    /// Builds a node; compiles the embedded SMEV schemas.
    ///
    /// # Errors
    /// [`SchemaLoadError`] if an embedded schema does not compile.
    pub fn new(parts: NodeParts) -> Result<Node, SchemaLoadError> {
        Ok(Node {
            base_registry: RwLock::new(Arc::new(parts.registry.clone())),
            registry: RwLock::new(Arc::new(parts.registry)),
            registry_seen: Default::default(),
            store: parts.store,
            signer: parts.signer,
            clock: parts.clock,
            settings: parts.settings,
            limits: parts.limits,
            schemas: EnvelopeSchemas::load()?,
            quota: crate::quota::QuotaGauge::default(),
            started: std::time::Instant::now(),
            last_error: std::sync::Mutex::new(None),
        })
    }

    /// The current registry.
    pub fn registry(&self) -> Arc<Registry> {
        match self.registry.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps in a new configured registry; exchanges already running keep
    /// the old one. Stored systems and services join it at the next reload
    /// ([`Node::reload_registry`]).
    pub fn replace_registry(&self, registry: Registry) {
        let registry = Arc::new(registry);
        *self
            .base_registry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = registry.clone();
        self.swap_registry(registry);
    }

    /// Swaps in the registry new exchanges see.
    pub(crate) fn swap_registry(&self, registry: Arc<Registry>) {
        *self
            .registry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = registry;
    }

    /// The node's store.
    pub fn store(&self) -> &store::Store {
        &self.store
    }

    /// The node's clock (pinned in tests and fixtures).
    pub fn clock(&self) -> SharedClock {
        self.clock.clone()
    }

    /// The node's settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// How long this node has been running.
    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// The newest node-side failure since start, if any.
    pub fn last_error(&self) -> Option<NodeFault> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Remembers `what` as the newest node-side failure (shown by the
    /// node's status): a fault of ours, a failed delivery, an API request
    /// that failed on the node.
    pub fn remember_error(&self, what: String) {
        let fault = NodeFault {
            at: self.clock.now(),
            what,
        };
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(fault);
    }

    /// Largest request body the edge should read.
    pub fn max_body_bytes(&self) -> usize {
        self.limits.max_bytes
    }

    /// Deepest element nesting the node accepts in what it parses.
    pub fn max_depth(&self) -> usize {
        self.limits.max_depth
    }

    /// Whether the node can serve: the store answers.
    ///
    /// # Errors
    /// A short reason when it cannot.
    pub async fn readiness(&self) -> Result<(), String> {
        self.store
            .ping()
            .await
            .map_err(|e| format!("store unreachable: {e}"))
    }

    /// The WSDL of `version` with `location` as the service address.
    pub fn wsdl(&self, version: Version, location: &str) -> String {
        let wsdl = match version {
            Version::V1_1 => wire::names::v1_1::WSDL,
            Version::V1_2 => wire::names::v1_2::WSDL,
            Version::V1_3 => wire::names::v1_3::WSDL,
        };
        wsdl.replace("http://localhost:7575/ws", location)
    }

    /// Answers a body the edge refused to read in full.
    pub async fn refuse_oversized(&self, limit: usize) -> SoapReply {
        let refusal = bare_refusal(ExchangeError::TooLarge(limit));
        self.fault_reply(refusal).await
    }

    /// Answers a body that could not be read (broken framing, closed early,
    /// too slow).
    pub async fn refuse_unreadable_body(&self) -> SoapReply {
        self.fault_reply(bare_refusal(ExchangeError::UnreadableBody))
            .await
    }

    /// Runs one exchange: checks, the operation, the journal, the reply.
    ///
    /// The CPU-bound checks (parsing, XSD, signature) run on the blocking
    /// pool, so a heavy envelope never stalls the async workers that serve
    /// other connections and the health probes.
    pub async fn handle_soap(
        self: &Arc<Self>,
        bytes: bytes::Bytes,
        content_type: Option<&str>,
        soap_action: Option<&str>,
    ) -> SoapReply {
        if let Err(error) = check_content_type(content_type) {
            return self.fault_reply(bare_refusal(error)).await;
        }
        self.refresh_registry_if_due().await;
        let now = self.clock.now();
        let node = Arc::clone(self);
        let checked = tokio::task::spawn_blocking(move || check::check(&node, &bytes, now)).await;
        let checked = match checked {
            Ok(Ok(checked)) => checked,
            Ok(Err(refusal)) => return self.fault_reply(refusal).await,
            Err(error) => {
                let error = ExchangeError::Internal(format!("check task failed: {error}"));
                return self.fault_reply(bare_refusal(error)).await;
            }
        };
        if let Err(error) = check_soap_action(soap_action, checked.operation) {
            let refusal = Refusal {
                version: Some(checked.version),
                operation: Some(checked.operation),
                message_id: None,
                sender: Some(checked.caller.clone()),
                error,
            };
            return self.fault_reply(refusal).await;
        }
        let (version, operation, caller) =
            (checked.version, checked.operation, checked.caller.clone());
        match self.dispatch(checked, now).await {
            Ok(answer) => SoapReply {
                status: 200,
                content_type: wire::SOAP11_CONTENT_TYPE,
                body: answer.body,
                message_id: answer.message_id,
                operation: Some(operation.name()),
                fault: None,
            },
            Err((error, message_id)) => {
                let refusal = Refusal {
                    version: Some(version),
                    operation: Some(operation),
                    message_id,
                    sender: Some(caller),
                    error,
                };
                self.fault_reply(refusal).await
            }
        }
    }

    async fn dispatch(
        &self,
        checked: Checked,
        now: OffsetDateTime,
    ) -> Result<Answer, (ExchangeError, Option<String>)> {
        use wire::InboundRequest as R;
        let version = checked.version;
        let caller = checked.caller.as_str();
        match &checked.request {
            R::SendRequest(r) => ops::send_request(self, &checked, r, now).await,
            R::SendResponse(r) => ops::send_response(self, &checked, r, now).await,
            R::GetRequest(r) => ops::get_request(self, version, caller, r, now).await,
            R::GetResponse(r) => ops::get_response(self, version, caller, r, now).await,
            R::Ack(r) => ops::ack(self, version, caller, r, now).await,
            R::GetStatus(_) => ops::get_status(self, version, caller, now).await,
            R::GetIncomingQueueStatistics(_) => ops::queue_statistics(self, version, caller).await,
        }
    }

    /// Writes the fault for `refusal`, journals it, logs it once.
    async fn fault_reply(&self, refusal: Refusal) -> SoapReply {
        let fault = to_fault(&refusal.error).with_code(self.fault_locator(&refusal));
        let element = fault_name(&fault);
        match refusal.error.blame() {
            Blame::Node => {
                tracing::error!(
                    error = %refusal.error,
                    fault.code = %element,
                    "exchange failed on the node side"
                );
                self.remember_error(format!("{element}: {}", refusal.error));
            }
            Blame::Sender => tracing::info!(
                error = %refusal.error,
                fault.code = %element,
                "request refused"
            ),
        }
        let entry = store::JournalEntry {
            at: self.clock.now(),
            node_id: self.settings.node_id.clone(),
            operation: refusal
                .operation
                .map_or("Unknown", Operation::name)
                .to_owned(),
            message_kind: None,
            status: Some("fault".to_owned()),
            message_id: refusal.message_id.clone(),
            sender: refusal.sender.clone(),
            recipient: None,
            fault_code: Some(element.clone()),
            detail: refusal.error.to_string(),
        };
        if let Err(error) = self.store.append(entry).await {
            tracing::warn!(%error, "cannot journal a fault");
        }
        SoapReply {
            status: fault.http_status(),
            content_type: fault.content_type(),
            body: wire::write_fault(refusal.version, &fault),
            message_id: refusal.message_id,
            operation: refusal.operation.map(Operation::name),
            fault: Some(element),
        }
    }

    /// `Code` of a fault: where it was raised, like SMEV's locators.
    fn fault_locator(&self, refusal: &Refusal) -> String {
        let stage = match refusal.error {
            ExchangeError::Envelope(_)
            | ExchangeError::ContentType(_)
            | ExchangeError::TooLarge(_)
            | ExchangeError::UnreadableBody
            | ExchangeError::SoapActionMismatch { .. } => "SOAP",
            ExchangeError::EnvelopeInvalid(_) | ExchangeError::PayloadInvalid(_) => "XSD",
            ExchangeError::Signature { .. } | ExchangeError::SenderIsNotRegistered => "SIG",
            ExchangeError::Store(_) | ExchangeError::Internal(_) => "NODE",
            _ => "EXCHANGE",
        };
        let locator = format!("smevgate:{}:SYNC:{stage}", self.settings.node_id);
        let limit = match refusal.version {
            Some(Version::V1_2) => wire::names::v1_2::CODE_MAX_LEN,
            Some(Version::V1_3) => wire::names::v1_3::CODE_MAX_LEN,
            Some(Version::V1_1) | None => wire::names::v1_1::CODE_MAX_LEN,
        };
        // A long node id must not make the fault itself break the schema.
        locator.chars().take(limit).collect()
    }
}

fn bare_refusal(error: ExchangeError) -> Refusal {
    Refusal {
        version: None,
        operation: None,
        message_id: None,
        sender: None,
        error,
    }
}

/// The detail element name (with the enumeration value for signature
/// faults), or the faultcode for SOAP-level faults.
fn fault_name(fault: &Fault) -> String {
    match (&fault.kind, fault.kind.element_name()) {
        (wire::FaultKind::SignatureVerification(value), Some(name)) => {
            format!("{name}:{}", value.as_str())
        }
        (_, Some(name)) => name.to_owned(),
        (_, None) => format!("soap:{}", fault.faultcode.local_name()),
    }
}

/// SOAP 1.1 travels as `text/xml`; `application/soap+xml` is SOAP 1.2.
fn check_content_type(content_type: Option<&str>) -> Result<(), ExchangeError> {
    let Some(content_type) = content_type else {
        return Ok(());
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "text/xml" => Ok(()),
        "application/soap+xml" => Err(ExchangeError::Envelope(
            wire::EnvelopeError::VersionMismatch {
                namespace: wire::SOAP12_ENV.to_owned(),
            },
        )),
        _ => Err(ExchangeError::ContentType(content_type.to_owned())),
    }
}

/// An empty or absent SOAPAction is accepted; a present one must name the
/// body's operation.
fn check_soap_action(action: Option<&str>, operation: Operation) -> Result<(), ExchangeError> {
    let Some(action) = action.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    if Operation::from_soap_action(action) == Some(operation) {
        return Ok(());
    }
    Err(ExchangeError::SoapActionMismatch {
        action: action.to_owned(),
    })
}
