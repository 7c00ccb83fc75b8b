//! SendResponse: route a provider's answer back to the requester by the
//! opaque `To` token.
//!
//! A response is filed under its request's ВС type, so a requester's
//! GetResponse selector names the type it asked for (the request root).

use time::OffsetDateTime;
use wire::{MessageType, SendResponseRequest};

use super::{journal, signer, store_error, OpResult};
use crate::check::Checked;
use crate::error::ExchangeError;
use crate::node::{Answer, Node};
use crate::ops::deliver::receipt_metadata;

/// Stores the response in the requester's response queue.
pub(crate) async fn send_response(
    node: &Node,
    checked: &Checked,
    response: &SendResponseRequest,
    now: OffsetDateTime,
) -> OpResult {
    let id = response.data.message_id.clone();
    let fail = |error| (error, Some(id.clone()));
    let caller = checked.caller.as_str();
    let original = node
        .store
        .find_by_reply_to(&response.data.to)
        .await
        .map_err(|e| fail(ExchangeError::Store(e)))?
        .ok_or_else(|| fail(ExchangeError::RecipientIsNotFound))?;
    let original = original.message;
    if original.recipient != caller {
        return Err(fail(ExchangeError::RecipientIsNotFound));
    }
    let parts = checked
        .parts
        .as_ref()
        .ok_or_else(|| fail(ExchangeError::Internal("signed parts missing".to_owned())))?;
    let requester = original.sender.clone();
    let queue = store::QueueId::new(requester.as_str(), store::QueueKind::Responses);
    let status = accepted_status(checked.version);

    let message = store::Message {
        message_id: id.clone(),
        kind: store::MessageKind::Response,
        schema_version: checked.version.as_str().to_owned(),
        queue: queue.clone(),
        sender: caller.to_owned(),
        recipient: requester.clone(),
        payload: original.payload.clone(),
        reply_to: None,
        original_message_id: Some(original.message_id.clone()),
        content: parts.data.clone(),
        signature: Some(parts.signature.clone()),
        status: status.to_owned(),
        test: original.test,
        sent_at: now,
    };
    let kind = store::MessageKind::Response;
    let mut entry = journal(
        node,
        now,
        "SendResponse",
        kind,
        status,
        &id,
        caller,
        &requester,
    );
    entry.detail = format!("answers {}", original.message_id);
    let quota = node.settings.queue_quota;
    node.quota
        .admit(&node.store, &queue, quota)
        .await
        .map_err(fail)?;
    if let Err(error) = node.store.enqueue(message, entry, u64::MAX).await {
        node.quota.release(&queue);
        return Err(fail(store_error(error, &id, &queue)));
    }
    if let Err(error) = node.store.set_status(&original.message_id, status).await {
        tracing::warn!(%error, message_id = %original.message_id, "cannot update request status");
    }
    tracing::info!(message_id = %id, route.requester = %requester, "response queued");

    let metadata = receipt_metadata(
        node,
        MessageType::Response,
        &id,
        caller,
        &requester,
        now,
        status,
    );
    let body = wire::write_send_response_response(checked.version, &metadata, &signer(node));
    Ok(Answer {
        body,
        message_id: Some(id),
    })
}

/// The status of a response the node accepted.
fn accepted_status(version: wire::Version) -> &'static str {
    match version {
        wire::Version::V1_3 => "responseIsQueued",
        _ => "responseIsAcceptedBySmev",
    }
}
