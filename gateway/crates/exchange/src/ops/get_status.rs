//! GetStatus: the next status of a response the caller sent.
//!
//! A status is settled as it is handed out (the protocol gives the caller
//! no id to acknowledge it with).

use time::OffsetDateTime;
use wire::{AsyncProcessingStatus, Version};

use super::{signer, OpResult};
use crate::error::ExchangeError;
use crate::node::{Answer, Node};

/// Takes and settles the oldest status of the caller's status queue.
pub(crate) async fn get_status(
    node: &Node,
    version: Version,
    caller: &str,
    now: OffsetDateTime,
) -> OpResult {
    let store_failure = |e| (ExchangeError::Store(e), None);
    let queue = store::QueueId::new(caller, store::QueueKind::Statuses);
    let lease = std::time::Duration::from_secs(60);
    let node_id = node.settings.node_id.as_str();
    let taken = node
        .store
        .take(&queue, None, now, lease, node_id)
        .await
        .map_err(store_failure)?;
    let Some(stored) = taken else {
        let body = wire::write_get_status_response(version, None, &signer(node));
        return Ok(Answer {
            body,
            message_id: None,
        });
    };
    let message = stored.message;
    node.store
        .ack(caller, &message.message_id, true, now, node_id)
        .await
        .map_err(store_failure)?;
    let status = AsyncProcessingStatus {
        original_message_id: message.original_message_id.clone().unwrap_or_default(),
        category: message.status.clone(),
        details: Some(message.content.clone()).filter(|d| !d.is_empty()),
        fault: None,
    };
    let delivered = wire::StatusMessage {
        id: wire::SMEV_SIGNED_ID,
        status: &status,
    };
    let body = wire::write_get_status_response(version, Some(&delivered), &signer(node));
    Ok(Answer {
        body,
        message_id: message.original_message_id,
    })
}
