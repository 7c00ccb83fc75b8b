//! Ack: end the life of a delivered message and tell its sender.

use time::OffsetDateTime;
use wire::{AckRequest, Version};

use super::OpResult;
use crate::error::ExchangeError;
use crate::node::{Answer, Node};
use crate::ops::status;

/// Settles the acknowledged message; an unknown, foreign, undelivered or
/// already settled one is `TargetMessageIsNotFound` (CASES B09).
pub(crate) async fn ack(
    node: &Node,
    version: Version,
    caller: &str,
    request: &AckRequest,
    now: OffsetDateTime,
) -> OpResult {
    let id = request.target.message_id.trim().to_owned();
    let fail = |error| (error, Some(id.clone()));
    let accepted = request.target.accepted.unwrap_or(true);
    let node_id = node.settings.node_id.as_str();
    let outcome = node
        .store
        .ack(caller, &id, accepted, now, node_id)
        .await
        .map_err(|e| fail(ExchangeError::Store(e)))?;
    let store::AckOutcome::Acked(acked) = outcome else {
        return Err(fail(ExchangeError::TargetMessageIsNotFound(id.clone())));
    };
    tracing::info!(message_id = %id, accepted, "message acknowledged");
    notify_sender(node, &acked, now).await;
    Ok(Answer {
        body: wire::write_ack_response(version),
        message_id: Some(id),
    })
}

/// The ack is already durable; a failed notification is logged, not
/// answered as a fault (the caller must not resend the ack).
async fn notify_sender(node: &Node, acked: &store::AckedMessage, now: OffsetDateTime) {
    if acked.kind == store::MessageKind::Status {
        return;
    }
    let message = match node.store.get(&acked.message_id).await {
        Ok(Some(stored)) => stored.message,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "cannot read the acked message back");
            return;
        }
    };
    let result = match acked.kind {
        store::MessageKind::Request => {
            status::request_taken(node, &message, acked.accepted, now).await
        }
        _ => status::response_taken(node, &message, acked.accepted, now).await,
    };
    if let Err(error) = result {
        tracing::warn!(%error, message_id = %acked.message_id, "cannot queue the status");
    }
}
