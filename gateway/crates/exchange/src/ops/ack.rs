//! Ack: end the life of a delivered message and tell its sender.

use time::OffsetDateTime;
use wire::{AckRequest, Version};

use super::OpResult;
use crate::error::ExchangeError;
use crate::node::{Answer, Node};
use crate::ops::status;

/// Settles the acknowledged message and, in the same store transaction,
/// queues the status its sender gets; an unknown, foreign, undelivered or
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
    let target = node
        .store
        .get(&id)
        .await
        .map_err(|e| fail(ExchangeError::Store(e)))?;
    let outcome = settle(node, caller, &id, target.as_ref(), accepted, now)
        .await
        .map_err(fail)?;
    if outcome == store::AckOutcome::NotFound {
        return Err(fail(ExchangeError::TargetMessageIsNotFound(id.clone())));
    }
    Ok(Answer {
        body: wire::write_ack_response(version),
        message_id: Some(id),
    })
}

/// Settles message `id` of `owner`'s queues (`target` as read before) and
/// queues its follow-up status in the same store transaction: the Ack of an
/// ИС, and the Ack the push worker gives for a 2xx.
pub(crate) async fn settle(
    node: &Node,
    owner: &str,
    id: &str,
    target: Option<&store::StoredMessage>,
    accepted: bool,
    now: OffsetDateTime,
) -> Result<store::AckOutcome, ExchangeError> {
    let node_id = node.settings.node_id.as_str();
    let follow_up = target
        .filter(|stored| stored.message.queue.owner == owner)
        .and_then(|stored| status::follow_up(node, &stored.message, accepted, now));
    let category = follow_up.as_ref().map(|(status, _)| status.status.clone());
    let outcome = node
        .store
        .ack_with_follow_up(owner, id, accepted, now, node_id, follow_up)
        .await
        .map_err(ExchangeError::Store)?;
    let store::AckOutcome::Acked(acked) = &outcome else {
        return Ok(outcome);
    };
    if acked.kind != store::MessageKind::Status {
        if let Some(stored) = target {
            node.quota.release(&stored.message.queue);
        }
    }
    tracing::info!(message_id = %id, accepted, "message acknowledged");
    if let Some(category) = category {
        // The status itself is already queued; this only labels the
        // original message for lookups.
        if let Err(error) = node.store.set_status(id, &category).await {
            tracing::warn!(%error, message_id = %id, "cannot update the status");
        }
    }
    Ok(outcome)
}
