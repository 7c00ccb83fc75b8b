//! `/status`: the node's health for the integration's own monitoring —
//! version, node id, whether the store answers, queue depths, the newest
//! node-side failure and uptime. Any authenticated user may read it; it
//! carries no keys, passwords, tokens, database address or message content.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use store::QueueDepth;

use crate::body::json;
use crate::instant;
use crate::problem::ApiError;
use crate::state::ApiState;

/// The node's status.
#[derive(Debug, Serialize)]
pub struct StatusJson {
    /// The gateway's version.
    pub version: &'static str,
    /// This node's id.
    pub node_id: String,
    /// Whether the store answered a ping just now.
    pub store_reachable: bool,
    /// Queues holding pending messages; empty when the store is unreachable.
    pub queues: Vec<QueueJson>,
    /// The newest node-side failure since start.
    pub last_error: Option<LastErrorJson>,
    /// Seconds since the node started.
    pub uptime_secs: u64,
    /// Systems the node polls and acks for (auto-poll).
    pub auto_poll: Vec<String>,
}

/// One queue's depth.
#[derive(Debug, Serialize)]
pub struct QueueJson {
    /// Owner mnemonic.
    pub owner: String,
    /// `requests`, `responses` or `statuses`.
    pub kind: &'static str,
    /// Messages not yet acked, in flight included.
    pub pending: u64,
    /// Of those, the ones currently leased.
    pub in_flight: u64,
    /// Dead letters: given up after their delivery attempts, waiting for a
    /// re-drive (not counted in `pending`).
    pub dead: u64,
}

/// The newest node-side failure.
#[derive(Debug, Serialize)]
pub struct LastErrorJson {
    /// When, by the node clock.
    pub at: String,
    /// What failed.
    pub what: String,
}

/// `GET /status`: 200 even when the store is down (`store_reachable`
/// says so), so that monitoring can tell "node up, database down".
pub async fn get(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let node = state.node();
    let store_reachable = state.store().ping().await.is_ok();
    let queues = if store_reachable {
        let depths = state.store().queue_depths(state.now()).await;
        depths.unwrap_or_default()
    } else {
        Vec::new()
    };
    let answer = StatusJson {
        version: env!("CARGO_PKG_VERSION"),
        node_id: node.settings().node_id.clone(),
        store_reachable,
        queues: queues.iter().map(queue_json).collect(),
        last_error: node.last_error().map(|fault| LastErrorJson {
            at: instant::to_text(fault.at),
            what: fault.what,
        }),
        uptime_secs: node.uptime().as_secs(),
        auto_poll: node.auto_poll_systems(),
    };
    Ok(json(StatusCode::OK, &answer))
}

fn queue_json(depth: &QueueDepth) -> QueueJson {
    QueueJson {
        owner: depth.queue.owner.clone(),
        kind: depth.queue.kind.as_str(),
        pending: depth.pending,
        in_flight: depth.in_flight,
        dead: depth.dead,
    }
}
