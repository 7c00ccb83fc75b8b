//! GetIncomingQueueStatistics (1.1/1.2): pending messages per queue of the
//! caller.

use wire::{QueueStatistics, Version};

use super::{queue_name, OpResult};
use crate::error::ExchangeError;
use crate::node::{Answer, Node};

/// Lists the caller's queues with their pending counts.
pub(crate) async fn queue_statistics(node: &Node, version: Version, caller: &str) -> OpResult {
    let now = node.clock.now();
    let depths = node
        .store
        .queue_depths(now)
        .await
        .map_err(|e| (ExchangeError::Store(e), None))?;
    let queues: Vec<QueueStatistics> = depths
        .into_iter()
        .filter(|d| d.queue.owner == caller)
        .map(|d| QueueStatistics {
            queue_name: queue_name(&d.queue),
            pending_messages: i64::try_from(d.pending).unwrap_or(i64::MAX),
        })
        .collect();
    Ok(Answer {
        body: wire::write_queue_statistics_response(version, &queues),
        message_id: None,
    })
}
