//! The HTTP edge of a node: the SOAP endpoint `POST /ws`, the WSDL at
//! `GET /ws?wsdl`, and `/healthz` / `/readyz` for load balancers.
//!
//! Boundary: this crate knows HTTP (status codes, content types, TLS,
//! connection life) and nothing of SMEV rules; it hands bytes to
//! [`exchange::Node`] and writes back what it returns.

#![forbid(unsafe_code)]

mod health;
mod listener;
mod soap;
mod tls;
mod wsdl;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use listener::{run, ServeError};
pub use tls::{load_tls, TlsError};

/// Whether the connection a request came on is TLS (for addresses the node
/// writes back, such as the WSDL's).
#[derive(Debug, Clone, Copy)]
pub struct Secure(pub bool);

/// The routes of one node.
pub fn router(node: Arc<exchange::Node>) -> Router {
    Router::new()
        .route("/ws", post(soap::handle).get(wsdl::handle))
        .route(
            "/ws/{version}",
            post(soap::handle_versioned).get(wsdl::handle_versioned),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(api::router(node.clone()))
        .with_state(node)
}
