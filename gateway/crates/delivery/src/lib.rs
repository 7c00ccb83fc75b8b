//! Getting messages out of the node to someone else over HTTP (issue #3).
//!
//! A message is always stored in its recipient's queue first, exactly as
//! for a polling ИС, so nothing accepted is lost; the integration point of
//! (recipient ИС, service) decides who takes it out. This crate runs the
//! two workers that take messages out on the node's behalf:
//!
//! - `push`: POST each message to the ИС's endpoint; a 2xx is the Ack.
//! - `upstream`: forward each request to another SMEV-compatible node's
//!   SOAP endpoint, map its faults back, and bring its answers home.
//!
//! Both take with a lease (two nodes on one PostgreSQL never attempt the
//! same message at once), defer a failed attempt by exponential backoff
//! with full jitter ([`backoff`]), and make a message a dead letter after
//! the point's attempts; the journal shows every step.
//!
//! # Layout
//!
//! - [`client`] — the outbound HTTP/1.1 client (http, https with rustls).
//! - [`backoff`] — the retry policy.
//! - `worker` — what both workers share: routes, take, failed attempts.
//! - `push`, `upstream` — the two workers.
//! - [`error`] — [`DeliveryError`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backoff;
pub mod client;
pub mod error;
mod push;
mod upstream;
mod worker;

use std::sync::Arc;

pub use crate::client::HttpClient;
pub use crate::error::DeliveryError;
pub use crate::worker::{DeliverySettings, Stop};

/// The running workers of one node.
pub struct Workers {
    handles: Vec<tokio::task::JoinHandle<()>>,
}

/// Starts the push and upstream workers of `node`; they stop when `stop`
/// turns `true` or its sender is dropped.
///
/// # Errors
/// [`DeliveryError::CaBundle`] when the configured CA bundle is unusable.
pub fn start(
    node: Arc<exchange::Node>,
    settings: DeliverySettings,
    stop: Stop,
) -> Result<Workers, DeliveryError> {
    let client = HttpClient::new(settings.ca_bundle.as_deref())?;
    let push = worker::Worker::new(node.clone(), client.clone(), settings.clone());
    let upstream = worker::Worker::new(node, client, settings);
    let handles = vec![
        tokio::spawn(push::run(push, stop.clone())),
        tokio::spawn(upstream::run(upstream, stop)),
    ];
    Ok(Workers { handles })
}

// === impl Workers ===

impl Workers {
    /// Waits until both workers have stopped.
    pub async fn join(self) {
        for handle in self.handles {
            if let Err(error) = handle.await {
                tracing::error!(%error, "delivery worker ended abnormally");
            }
        }
    }
}
