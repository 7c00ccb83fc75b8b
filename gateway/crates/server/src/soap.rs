//! `POST /ws`: one SOAP 1.1 exchange.
//!
//! Reads the body within the node's size limit, checks the HTTP-level
//! content type, hands the bytes to the node and writes its reply. One span
//! per message carries `soap.action`, `peer.ip`, and, once known,
//! `message_id`, `fault.code`, `http.status` and `elapsed_ms`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tracing::{field, Instrument};

/// `POST /ws`.
pub async fn handle(State(node): State<Arc<exchange::Node>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    exchange_once(node, peer, parts.headers, body).await
}

/// `POST /ws/1.2`: the version in the path is informative only; the body
/// element's namespace decides.
pub async fn handle_versioned(
    State(node): State<Arc<exchange::Node>>,
    Path(_version): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    exchange_once(node, peer, parts.headers, body).await
}

async fn exchange_once(
    node: Arc<exchange::Node>,
    peer: Option<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let action = header_text(&headers, "soapaction").map(|a| a.trim_matches('"').to_owned());
    let span = tracing::info_span!(
        "soap",
        soap.action = action.as_deref().unwrap_or(""),
        peer.ip = peer.map(|p| p.ip().to_string()).unwrap_or_default(),
        message_id = field::Empty,
        operation = field::Empty,
        fault.code = field::Empty,
        http.status = field::Empty,
        elapsed_ms = field::Empty,
    );
    let started = Instant::now();
    let content_type = header_text(&headers, "content-type").map(str::to_owned);
    let limit = node.max_body_bytes();
    let reply = async {
        let bytes = match to_bytes(body, limit).await {
            Ok(bytes) => bytes,
            Err(_) => return node.refuse_oversized(limit).await,
        };
        node.handle_soap(&bytes, content_type.as_deref(), action.as_deref())
            .await
    }
    .instrument(span.clone())
    .await;

    span.record("http.status", reply.status);
    span.record("elapsed_ms", started.elapsed().as_millis() as u64);
    if let Some(id) = &reply.message_id {
        span.record("message_id", id.as_str());
    }
    if let Some(op) = reply.operation {
        span.record("operation", op);
    }
    if let Some(code) = &reply.fault {
        span.record("fault.code", code.as_str());
    }
    span.in_scope(|| tracing::debug!("soap reply written"));
    into_response(reply)
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn into_response(reply: exchange::SoapReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = [(header::CONTENT_TYPE, reply.content_type)];
    (status, content_type, reply.body).into_response()
}
