//! `POST /ws`: one SOAP 1.1 exchange.
//!
//! Reads the body within the node's size limit, checks the HTTP-level
//! content type, hands the bytes to the node and writes its reply. One span
//! per message carries `soap.action`, `peer.ip`, and, once known,
//! `message_id`, `fault.code`, `http.status` and `elapsed_ms`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
        if declared_length(&headers).is_some_and(|length| length > limit as u64) {
            return node.refuse_oversized(limit).await;
        }
        let read = tokio::time::timeout(BODY_TIMEOUT, to_bytes(body, limit)).await;
        let bytes = match read {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(error)) if is_over_limit(&error) => return node.refuse_oversized(limit).await,
            Ok(Err(_)) => return node.refuse_unreadable_body().await,
            Err(_) => return node.refuse_unreadable_body().await,
        };
        node.handle_soap(bytes, content_type.as_deref(), action.as_deref())
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

/// How long a client may take to send a whole request body.
const BODY_TIMEOUT: Duration = Duration::from_secs(60);

/// The Content-Length the client declared, if any.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    header_text(headers, "content-length").and_then(|v| v.trim().parse().ok())
}

/// Whether a body read stopped at the size limit (and not, say, at a
/// broken chunk or a closed connection).
fn is_over_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

fn header_text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn into_response(reply: exchange::SoapReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = [(header::CONTENT_TYPE, reply.content_type)];
    (status, content_type, reply.body).into_response()
}
