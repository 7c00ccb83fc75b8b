//! Queue quotas (`DestinationOverflow`) checked against a per-node gauge of
//! each queue's depth instead of counting the queue on every send.
//!
//! Counting pending rows made every SendRequest cost O(queue depth) in the
//! database (deploy/BENCHMARKS.md §2). The gauge reads the real depth at
//! most once per [`REFRESH`] per queue, counts this node's admissions and
//! acks in between, and is therefore exact on one node and approximate by at
//! most one refresh interval of other nodes' traffic when several nodes
//! share a database — as a quota check across nodes already was.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ExchangeError;

/// How long a read depth is trusted.
const REFRESH: Duration = Duration::from_secs(1);

/// Depth per queue, as this node knows it.
#[derive(Default)]
pub(crate) struct QuotaGauge {
    queues: Mutex<HashMap<store::QueueId, Depth>>,
}

#[derive(Clone, Copy)]
struct Depth {
    pending: u64,
    read_at: Instant,
}

// === impl QuotaGauge ===

impl QuotaGauge {
    /// Admits one more message into `queue`, or refuses with
    /// `DestinationOverflow` when it holds `quota` already.
    pub(crate) async fn admit(
        &self,
        store: &store::Store,
        queue: &store::QueueId,
        quota: u64,
    ) -> Result<(), ExchangeError> {
        if self.fresh(queue).is_none() {
            let pending = store
                .pending_count(queue, quota)
                .await
                .map_err(ExchangeError::Store)?;
            self.lock().insert(
                queue.clone(),
                Depth {
                    pending,
                    read_at: Instant::now(),
                },
            );
        }
        let mut queues = self.lock();
        let depth = queues.entry(queue.clone()).or_insert(Depth {
            pending: 0,
            read_at: Instant::now(),
        });
        if depth.pending >= quota {
            return Err(ExchangeError::DestinationOverflow(format!(
                "{}:{}",
                queue.owner,
                queue.kind.as_str()
            )));
        }
        depth.pending += 1;
        Ok(())
    }

    /// One message left `queue` (acked here, or an admitted one that was
    /// not stored after all).
    pub(crate) fn release(&self, queue: &store::QueueId) {
        if let Some(depth) = self.lock().get_mut(queue) {
            depth.pending = depth.pending.saturating_sub(1);
        }
    }

    fn fresh(&self, queue: &store::QueueId) -> Option<Depth> {
        self.lock()
            .get(queue)
            .copied()
            .filter(|d| d.read_at.elapsed() < REFRESH)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<store::QueueId, Depth>> {
        self.queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
