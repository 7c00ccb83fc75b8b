//! GetRequest and GetResponse: hand out the oldest message of the caller's
//! queue, in flight until Ack.

use time::OffsetDateTime;
use wire::{GetMessageRequest, Version};

use super::{signer, OpResult};
use crate::error::ExchangeError;
use crate::node::{Answer, Node};
use crate::ops::deliver::delivery_metadata;

/// GetRequest: the next request for the caller as a provider.
pub(crate) async fn get_request(
    node: &Node,
    version: Version,
    caller: &str,
    request: &GetMessageRequest,
    now: OffsetDateTime,
) -> OpResult {
    let queue = store::QueueKind::Requests;
    let taken = take_for(node, caller, request, queue, now).await?;
    let Some(stored) = taken else {
        let sign = signer(node);
        tracing::debug!("request queue is empty");
        let body = wire::write_get_request_response(version, None, &sign);
        return Ok(Answer {
            body,
            message_id: None,
        });
    };
    let body = delivered_envelope(node, &stored, version);
    Ok(Answer {
        body,
        message_id: Some(stored.message.message_id.clone()),
    })
}

/// GetResponse: the next response or status for the caller as a requester.
pub(crate) async fn get_response(
    node: &Node,
    version: Version,
    caller: &str,
    request: &GetMessageRequest,
    now: OffsetDateTime,
) -> OpResult {
    let queue = store::QueueKind::Responses;
    let taken = take_for(node, caller, request, queue, now).await?;
    let Some(stored) = taken else {
        let sign = signer(node);
        tracing::debug!("response queue is empty");
        let body = wire::write_get_response_response(version, None, &sign);
        return Ok(Answer {
            body,
            message_id: None,
        });
    };
    let body = delivered_envelope(node, &stored, version);
    Ok(Answer {
        body,
        message_id: Some(stored.message.message_id.clone()),
    })
}

/// The GetRequestResponse (for a request) or GetResponseResponse (for a
/// response or status) that hands `stored` out in `version`, signed with
/// ЭП-СМЭВ: what a polling ИС gets, and what the push worker POSTs.
pub(crate) fn delivered_envelope(
    node: &Node,
    stored: &store::StoredMessage,
    version: Version,
) -> String {
    let sign = signer(node);
    let message = &stored.message;
    let metadata = delivery_metadata(node, stored);
    let (data, sender_signature) = in_version(message, version);
    if message.kind == store::MessageKind::Request {
        let delivered = wire::RequestMessage {
            id: wire::SMEV_SIGNED_ID,
            request_data: &data,
            metadata: &metadata,
            reply_to: message.reply_to.as_deref(),
            sender_signature: sender_signature.as_deref(),
        };
        return wire::write_get_request_response(version, Some(&delivered), &sign);
    }
    let delivered = wire::ResponseMessage {
        id: wire::SMEV_SIGNED_ID,
        original_message_id: message.original_message_id.as_deref(),
        response_data: &data,
        metadata: &metadata,
        sender_signature: sender_signature.as_deref(),
    };
    wire::write_get_response_response(version, Some(&delivered), &sign)
}

/// Takes the oldest matching message of the caller's queue of `kind`.
async fn take_for(
    node: &Node,
    caller: &str,
    request: &GetMessageRequest,
    kind: store::QueueKind,
    now: OffsetDateTime,
) -> Result<Option<store::StoredMessage>, (ExchangeError, Option<String>)> {
    let as_provider = kind == store::QueueKind::Requests;
    let selector = selector(node, caller, request, as_provider).map_err(|e| (e, None))?;
    let queue = store::QueueId::new(caller, kind);
    take(node, &queue, selector.as_ref(), now).await
}

/// The stored data block and sender signature as a caller of `version`
/// receives them. A block sent in another schema version is moved into the
/// caller's SMEV namespaces; the sender's ЭП-ОВ covered the original
/// namespaces and can no longer verify, so it is left out and the node's
/// ЭП-СМЭВ over the whole message vouches for the content.
fn in_version(message: &store::Message, version: Version) -> (String, Option<String>) {
    let sent_in = Version::from_label(&message.schema_version).unwrap_or(version);
    if sent_in == version {
        return (message.content.clone(), message.signature.clone());
    }
    tracing::debug!(
        message_id = %message.message_id,
        from = %sent_in,
        to = %version,
        "moving a data block between schema versions"
    );
    let moved = message
        .content
        .replace(&quoted(sent_in.types_ns()), &quoted(version.types_ns()))
        .replace(&quoted(sent_in.basic_ns()), &quoted(version.basic_ns()));
    (moved, None)
}

/// A namespace URI as it stands in a declaration of exclusive-c14n output.
fn quoted(uri: &str) -> String {
    format!("\"{uri}\"")
}

/// The selector's type filter. A named type must be registered, and for
/// GetRequest provided by the caller (`UnknownMessageType` otherwise).
fn selector(
    node: &Node,
    caller: &str,
    request: &GetMessageRequest,
    as_provider: bool,
) -> Result<Option<store::PayloadName>, ExchangeError> {
    let selector = &request.selector;
    let (Some(namespace), Some(local)) =
        (&selector.namespace_uri, &selector.root_element_local_name)
    else {
        return Ok(None);
    };
    let registry = node.registry();
    let known = registry
        .service(namespace, local)
        .is_some_and(|s| !as_provider || s.provider == caller);
    if !known {
        return Err(ExchangeError::UnknownMessageType {
            namespace: namespace.clone(),
            local: local.clone(),
        });
    }
    Ok(Some(store::PayloadName::new(namespace, local)))
}

async fn take(
    node: &Node,
    queue: &store::QueueId,
    selector: Option<&store::PayloadName>,
    now: OffsetDateTime,
) -> Result<Option<store::StoredMessage>, (ExchangeError, Option<String>)> {
    let lease = std::time::Duration::try_from(node.settings.redelivery_after)
        .unwrap_or(std::time::Duration::from_secs(300));
    node.store
        .take(queue, selector, now, lease, &node.settings.node_id)
        .await
        .map_err(|e| (ExchangeError::Store(e), None))
}
