//! SendRequest: route the request to its provider's request queue.

use time::OffsetDateTime;
use wire::{MessageType, SendRequestRequest};

use super::{journal, signer, store_error, OpResult};
use crate::check::Checked;
use crate::error::ExchangeError;
use crate::node::{Answer, Node};
use crate::ops::deliver::receipt_metadata;
use crate::reply_to;

/// Status a freshly accepted request has.
const QUEUED: &str = "requestIsQueued";

/// Stores the request in the provider's queue, durably and with its
/// journal entry, then answers with the signed MessageMetadata.
pub(crate) async fn send_request(
    node: &Node,
    checked: &Checked,
    request: &SendRequestRequest,
    now: OffsetDateTime,
) -> OpResult {
    let id = request.data.message_id.clone();
    let fail = |error| (error, Some(id.clone()));
    let payload = &request.data.payload;
    let provider = node
        .registry()
        .service(&payload.namespace, &payload.local_name)
        .map(|s| s.provider.clone())
        .ok_or_else(|| {
            fail(ExchangeError::BusinessDataTypeIsNotSupported {
                namespace: payload.namespace.clone(),
                local: payload.local_name.clone(),
            })
        })?;
    let parts = checked
        .parts
        .as_ref()
        .ok_or_else(|| fail(ExchangeError::Internal("signed parts missing".to_owned())))?;
    let caller = checked.caller.as_str();
    let queue = store::QueueId::new(provider.as_str(), store::QueueKind::Requests);

    let message = store::Message {
        message_id: id.clone(),
        kind: store::MessageKind::Request,
        schema_version: checked.version.as_str().to_owned(),
        queue: queue.clone(),
        sender: caller.to_owned(),
        recipient: provider.clone(),
        payload: store::PayloadName::new(&payload.namespace, &payload.local_name),
        reply_to: Some(reply_to::new_token(&node.settings.node_id, &id, caller)),
        original_message_id: None,
        content: parts.data.clone(),
        signature: Some(parts.signature.clone()),
        status: QUEUED.to_owned(),
        test: request.data.test_message,
        sent_at: now,
    };
    let kind = store::MessageKind::Request;
    let entry = journal(
        node,
        now,
        "SendRequest",
        kind,
        QUEUED,
        &id,
        caller,
        &provider,
    );
    let quota = node.settings.queue_quota;
    node.quota
        .admit(&node.store, &queue, quota)
        .await
        .map_err(fail)?;
    if let Err(error) = node.store.enqueue(message, entry, u64::MAX).await {
        node.quota.release(&queue);
        return Err(fail(store_error(error, &id, &queue)));
    }
    tracing::info!(message_id = %id, route.provider = %provider, "request queued");

    let metadata = receipt_metadata(
        node,
        MessageType::Request,
        &id,
        caller,
        &provider,
        now,
        QUEUED,
    );
    let body = wire::write_send_request_response(checked.version, &metadata, &signer(node));
    Ok(Answer {
        body,
        message_id: Some(id),
    })
}
