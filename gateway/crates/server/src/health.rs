//! Liveness and readiness probes.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> (StatusCode, &'static str) {
    (StatusCode::OK, "ok\n")
}

/// `GET /readyz`: the store answers and the node's keys are loaded.
pub async fn readyz(State(node): State<Arc<exchange::Node>>) -> (StatusCode, String) {
    match node.readiness().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_owned()),
        Err(reason) => {
            tracing::warn!(%reason, "node is not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("not ready: {reason}\n"),
            )
        }
    }
}
