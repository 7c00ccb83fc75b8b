//! What the push and upstream workers share: their settings, the routes
//! they serve (which queue and service each integration point of their kind
//! decides), the lease-based take, and what a failed attempt does (defer
//! with backoff and full jitter, or a dead letter after the point's
//! attempts).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cabinet::{PointForm, PointKind};
use rand::rngs::StdRng;
use rand::SeedableRng;
use store::delivery::AttemptFailure;
use store::{PayloadName, QueueId, QueueKind, StoredMessage};
use tokio::sync::watch;

use crate::backoff::Backoff;
use crate::client::HttpClient;

/// How the workers run; one per node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Pause between two looks at the queues.
    pub poll_interval: Duration,
    /// CA certificates (PEM) trusted for `https` endpoints; without it only
    /// `http` endpoints work.
    pub ca_bundle: Option<PathBuf>,
    /// Schema version spoken to upstream nodes when polling for answers.
    pub upstream_version: wire::Version,
    /// Most messages taken from one queue in one look.
    pub batch: usize,
}

/// The stop signal of the workers: `true` (or a dropped sender) stops them
/// between two looks; an attempt under way finishes within its timeout.
pub type Stop = watch::Receiver<bool>;

/// One queue and service a point of the worker's kind decides.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// The queue to take from.
    pub queue: QueueId,
    /// Only messages of this service (the most specific point wins).
    pub selector: PayloadName,
    /// The point.
    pub point: PointForm,
}

/// A worker's state: the node, the client, the random source of the
/// jitter.
pub(crate) struct Worker {
    pub node: Arc<exchange::Node>,
    pub client: HttpClient,
    pub settings: DeliverySettings,
    rng: StdRng,
}

// === impl DeliverySettings ===

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            poll_interval: Duration::from_secs(1),
            ca_bundle: None,
            upstream_version: wire::Version::V1_2,
            batch: 100,
        }
    }
}

// === impl Worker ===

impl Worker {
    pub(crate) fn new(
        node: Arc<exchange::Node>,
        client: HttpClient,
        settings: DeliverySettings,
    ) -> Self {
        Worker {
            node,
            client,
            settings,
            rng: StdRng::from_entropy(),
        }
    }

    /// The routes of `kind` in the current registry: every (system,
    /// service) whose most specific point is of `kind`, for each of the
    /// `queues`.
    pub(crate) fn routes(&self, kind: PointKind, queues: &[QueueKind]) -> Vec<Route> {
        let registry = self.node.registry();
        let mut systems: Vec<&str> = registry
            .points()
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.system.as_str())
            .collect();
        systems.sort_unstable();
        systems.dedup();
        let mut routes = Vec::new();
        for system in systems {
            for service in registry.services() {
                let point = registry.point_for(system, &service.namespace, &service.root);
                let Some(point) = point.filter(|p| p.kind == kind) else {
                    continue;
                };
                for &queue in queues {
                    routes.push(Route {
                        queue: QueueId::new(system, queue),
                        selector: PayloadName::new(&service.namespace, &service.root),
                        point: point.clone(),
                    });
                }
            }
        }
        routes
    }

    /// Takes the next message of `route` with a lease covering one attempt
    /// (twice the timeout), so no other node attempts it meanwhile.
    pub(crate) async fn take(&self, route: &Route) -> Option<StoredMessage> {
        let timeout = Duration::from_millis(route.point.timeout_ms);
        let lease = timeout.saturating_mul(2) + Duration::from_secs(1);
        let now = self.node.clock().now();
        let node_id = &self.node.settings().node_id;
        let taken =
            self.node
                .store()
                .take(&route.queue, Some(&route.selector), now, lease, node_id);
        match taken.await {
            Ok(taken) => taken,
            Err(error) => {
                tracing::error!(%error, queue = %route.queue, "delivery take failed");
                None
            }
        }
    }

    /// After a failed attempt on `stored`: a dead letter once the point's
    /// attempts are used up, otherwise deferred by backoff with full jitter.
    pub(crate) async fn fail(
        &mut self,
        stored: &StoredMessage,
        point: &PointForm,
        failure: AttemptFailure,
    ) {
        let message_id = stored.message.message_id.as_str();
        let attempts = stored.delivery.attempts;
        let now = self.node.clock().now();
        let node_id = self.node.settings().node_id.clone();
        let store = self.node.store();
        let error = &failure.error;
        self.node
            .remember_error(format!("delivery of {message_id}: {error}"));
        let result = if attempts >= point.max_attempts {
            tracing::warn!(message_id, attempts, %error, "delivery gave up: dead letter");
            store.dead_letter(message_id, &failure, now, &node_id).await
        } else {
            let delay = Backoff::of(point).delay(attempts, &mut self.rng);
            let retry_at = now + delay;
            let retry_in_ms = delay.as_millis() as u64;
            tracing::info!(message_id, attempts, %error, retry_in_ms, "delivery attempt failed");
            store
                .defer(message_id, retry_at, &failure, now, &node_id)
                .await
        };
        if let Err(error) = result {
            tracing::error!(%error, message_id, "cannot record a failed delivery attempt");
        }
    }

    /// Whether the workers are told to stop (or the sender is gone): checked
    /// between two messages, so a long batch does not hold up a shutdown.
    pub(crate) fn stopping(stop: &Stop) -> bool {
        *stop.borrow() || stop.has_changed().is_err()
    }

    /// Waits one poll interval; `false` when told to stop.
    pub(crate) async fn pause(&self, stop: &mut Stop) -> bool {
        if *stop.borrow() {
            return false;
        }
        tokio::select! {
            changed = stop.changed() => changed.is_ok() && !*stop.borrow(),
            () = tokio::time::sleep(self.settings.poll_interval) => true,
        }
    }
}

/// An error with its sources, as one short line for the journal.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A failed attempt without a fault.
pub(crate) fn failure(error: impl Into<String>) -> AttemptFailure {
    AttemptFailure {
        error: error.into(),
        fault_code: None,
    }
}
