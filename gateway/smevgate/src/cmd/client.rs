//! `smevgate client`: acts as an information system against a node — builds
//! each request, signs it (ЭП-ОВ) with the system's key from the
//! configuration, sends it, checks the node's ЭП-СМЭВ and prints the reply.

use std::process::ExitCode;

use anyhow::{bail, Context};
use time::OffsetDateTime;

use crate::cli::{ClientArgs, ClientOperation};
use crate::config::Config;
use crate::soap_client::SoapClient;

/// The `Id` our client gives the element it signs.
const SIGNED_ID: &str = "SIGNED_BY_CALLER";

/// An information system's signing identity.
pub struct Identity {
    key: gost::SigningKey,
    cert: gost::Certificate,
}

// === impl Identity ===

impl Identity {
    /// Loads the key and first certificate of `mnemonic` from `config`.
    ///
    /// # Errors
    /// When the system is unknown, has no key, or the files are unusable.
    pub fn load(config: &Config, mnemonic: &str) -> anyhow::Result<Identity> {
        let Some(system) = config.systems.iter().find(|s| s.mnemonic == mnemonic) else {
            bail!("no system `{mnemonic}` in the configuration");
        };
        let Some(key_path) = &system.key else {
            bail!("system `{mnemonic}` has no `key` in the configuration");
        };
        let key_path = config.resolve(key_path);
        let cert_path = config.resolve(&system.certificates[0]);
        let key_pem = std::fs::read_to_string(&key_path)
            .with_context(|| format!("cannot read {}", key_path.display()))?;
        let cert_pem = std::fs::read_to_string(&cert_path)
            .with_context(|| format!("cannot read {}", cert_path.display()))?;
        Ok(Identity {
            key: gost::SigningKey::from_pkcs8_pem(&key_pem).context("unusable key")?,
            cert: gost::Certificate::from_pem(&cert_pem).context("unusable certificate")?,
        })
    }

    /// Signs a standalone element (the encoders' injected signer).
    pub fn sign(&self, element: &str, id: &str) -> String {
        dsig::sign_element(element, id, &self.key, &self.cert).unwrap_or_else(|error| {
            tracing::error!(%error, "cannot sign");
            String::new()
        })
    }
}

/// Runs one client operation and prints what came back.
pub async fn run(args: ClientArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.config)?;
    let identity = Identity::load(&config, &args.system)?;
    let version = wire::Version::from_label(&args.version)
        .with_context(|| format!("unknown schema version {}", args.version))?;
    let (envelope, operation) = build(&args.operation, version, &identity)?;
    let client = SoapClient::new(&args.target)?;
    let reply = client.post(envelope, operation.soap_action()).await?;
    if args.raw {
        out!("{}", String::from_utf8_lossy(&reply.body));
    }
    let reply = wire::read_reply(reply.status, &reply.content_type, &reply.body)
        .context("the node's answer is not a SOAP reply")?;
    let ok = print_reply(&reply);
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The signed request envelope of one operation.
pub fn build(
    operation: &ClientOperation,
    version: wire::Version,
    identity: &Identity,
) -> anyhow::Result<(String, wire::Operation)> {
    let now = OffsetDateTime::now_utc();
    let sign = |element: &str, id: &str| identity.sign(element, id);
    let timestamp = xs_now(now);
    let selector = |namespace: &Option<String>, root: &Option<String>| {
        let message_type = match (namespace, root) {
            (Some(ns), Some(root)) => Some((ns.clone(), root.clone())),
            (None, None) => None,
            _ => return Err(anyhow::anyhow!("--namespace and --root go together")),
        };
        Ok(message_type)
    };
    let envelope = match operation {
        ClientOperation::SendRequest { payload, test } => {
            let payload = read_payload(payload)?;
            let message_id = exchange::message_id::generate(now);
            let input = wire::RequestInput {
                id: SIGNED_ID,
                message_id: &message_id,
                reference_message_id: None,
                transaction_code: None,
                node_id: None,
                eol: None,
                payload: &payload,
                personal_signature: None,
                attachment_headers: &[],
                test_message: *test,
            };
            (
                wire::write_send_request_request(version, &input, &[], Some(&sign)),
                wire::Operation::SendRequest,
            )
        }
        ClientOperation::SendResponse {
            to,
            payload,
            reject,
            description,
        } => {
            let message_id = exchange::message_id::generate(now);
            let payload = payload.as_ref().map(read_payload).transpose()?;
            let rejections;
            let content = match (&payload, reject) {
                (Some(payload), None) => wire::ResponseInputContent::Primary {
                    payload,
                    personal_signature: None,
                    attachment_headers: &[],
                },
                (None, Some(code)) => {
                    rejections = vec![wire::Rejection {
                        code: code.clone(),
                        description: description.clone(),
                    }];
                    wire::ResponseInputContent::Rejected(&rejections)
                }
                _ => bail!("give exactly one of --payload and --reject"),
            };
            let input = wire::ResponseInput {
                id: SIGNED_ID,
                message_id: &message_id,
                to,
                content,
            };
            (
                wire::write_send_response_request(version, &input, &[], Some(&sign)),
                wire::Operation::SendResponse,
            )
        }
        ClientOperation::GetRequest { namespace, root }
        | ClientOperation::GetResponse { namespace, root } => {
            let message_type = selector(namespace, root)?;
            let input = wire::SelectorInput {
                id: SIGNED_ID,
                message_type: message_type.as_ref().map(|(n, r)| (n.as_str(), r.as_str())),
                timestamp: &timestamp,
                node_id: None,
            };
            if matches!(operation, ClientOperation::GetRequest { .. }) {
                (
                    wire::write_get_request_request(version, &input, Some(&sign)),
                    wire::Operation::GetRequest,
                )
            } else {
                (
                    wire::write_get_response_request(version, &input, Some(&sign)),
                    wire::Operation::GetResponse,
                )
            }
        }
        ClientOperation::Ack {
            message_id,
            rejected,
        } => (
            wire::write_ack_request(version, SIGNED_ID, message_id, !rejected, Some(&sign)),
            wire::Operation::Ack,
        ),
        ClientOperation::GetStatus => (
            wire::write_get_status_request(version, SIGNED_ID, &timestamp, Some(&sign)),
            wire::Operation::GetStatus,
        ),
    };
    Ok(envelope)
}

fn read_payload(path: &std::path::PathBuf) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = text.trim_start_matches('\u{feff}').trim();
    let text = match text.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map(|(_, body)| body.trim())
            .unwrap_or(text),
        None => text,
    };
    Ok(text.to_owned())
}

/// xs:dateTime of now, UTC, milliseconds.
pub fn xs_now(now: OffsetDateTime) -> String {
    use time::macros::format_description;
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    now.format(&format).unwrap_or_default()
}

/// Prints the reply as `key: value` lines; returns false for a fault.
fn print_reply(reply: &wire::Reply) -> bool {
    match &reply.kind {
        wire::ReplyKind::Fault(fault) => {
            out!(
                "fault: {}",
                fault
                    .kind
                    .element_name()
                    .unwrap_or(fault.faultcode.local_name())
            );
            out!("faultstring: {}", fault.faultstring);
            if let Some(description) = &fault.description {
                out!("description: {description}");
            }
            false
        }
        wire::ReplyKind::Receipt { metadata, .. } => {
            print_metadata(metadata);
            print_smev_signature(reply);
            true
        }
        wire::ReplyKind::EmptyQueue(_) => {
            out!("queue: empty");
            true
        }
        wire::ReplyKind::Request(request) => {
            print_metadata(&request.metadata);
            out!("request-message-id: {}", request.data.message_id);
            out!(
                "payload: {{{}}}{}",
                request.data.payload.namespace,
                request.data.payload.local_name
            );
            if let Some(reply_to) = &request.reply_to {
                out!("reply-to: {reply_to}");
            }
            print_smev_signature(reply);
            true
        }
        wire::ReplyKind::Response(response) => {
            print_metadata(&response.metadata);
            if let Some(original) = &response.original_message_id {
                out!("original-message-id: {original}");
            }
            print_response_content(&response.data.content);
            print_smev_signature(reply);
            true
        }
        wire::ReplyKind::Status(status) => {
            out!("original-message-id: {}", status.status.original_message_id);
            out!("status: {}", status.status.category);
            if let Some(details) = &status.status.details {
                out!("details: {details}");
            }
            print_smev_signature(reply);
            true
        }
        wire::ReplyKind::Acknowledged => {
            out!("ack: ok");
            true
        }
        wire::ReplyKind::QueueStatistics(queues) => {
            for queue in queues {
                out!("queue {}: {}", queue.queue_name, queue.pending_messages);
            }
            true
        }
    }
}

fn print_metadata(metadata: &wire::MessageMetadata) {
    if let Some(id) = &metadata.message_id {
        out!("message-id: {id}");
    }
    out!("message-type: {}", metadata.message_type.as_str());
    if let Some(sender) = &metadata.sender {
        out!("sender: {}", sender.mnemonic);
    }
    if let Some(recipient) = &metadata.recipient {
        out!("recipient: {}", recipient.mnemonic);
    }
    if let Some(status) = &metadata.status {
        out!("status: {status}");
    }
}

fn print_response_content(content: &wire::ResponseContent) {
    match content {
        wire::ResponseContent::Primary { payload, .. } => {
            out!("payload: {{{}}}{}", payload.namespace, payload.local_name);
        }
        wire::ResponseContent::Rejected(rejections) => {
            for r in rejections {
                out!("rejected: {} {}", r.code, r.description);
            }
        }
        wire::ResponseContent::Status(status) => {
            out!("request-status: {} {}", status.code, status.description);
        }
        wire::ResponseContent::AsyncStatus(status) => {
            out!("async-status: {}", status.category);
            if let Some(details) = &status.details {
                out!("details: {details}");
            }
        }
    }
}

/// Verifies every signature of the reply and prints one line each.
fn print_smev_signature(reply: &wire::Reply) {
    let bytes = reply.xml.as_bytes();
    let (Ok(signatures), Ok(doc)) = (dsig::find_signatures(bytes), xml::Document::parse(bytes))
    else {
        out!("signatures: unreadable");
        return;
    };
    for signature in &signatures {
        let verdict = dsig::verify(&doc, signature, None, None);
        let wrapper = signature.wrapper.local_name();
        let ok = matches!(verdict.outcome, dsig::Outcome::Valid);
        out!(
            "signature {wrapper}: {}",
            if ok { "valid" } else { "INVALID" }
        );
    }
}
