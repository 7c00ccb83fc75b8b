//! The WSDL documents, one per schema version, with the node's own address.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::Secure;

/// `GET /ws?wsdl`: the newest version's WSDL.
pub async fn handle(
    State(node): State<Arc<exchange::Node>>,
    Query(query): Query<HashMap<String, String>>,
    secure: Option<Extension<Secure>>,
    headers: HeaderMap,
) -> Response {
    let secure = secure.is_some_and(|Extension(Secure(on))| on);
    serve(&node, None, &query, &headers, secure)
}

/// `GET /ws/1.2?wsdl`: the WSDL of one version.
pub async fn handle_versioned(
    State(node): State<Arc<exchange::Node>>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    secure: Option<Extension<Secure>>,
    headers: HeaderMap,
) -> Response {
    let secure = secure.is_some_and(|Extension(Secure(on))| on);
    serve(&node, Some(&version), &query, &headers, secure)
}

fn serve(
    node: &exchange::Node,
    version: Option<&str>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    secure: bool,
) -> Response {
    if !query.contains_key("wsdl") {
        let text = "GET needs ?wsdl; SOAP requests are POSTed here\n";
        return (StatusCode::METHOD_NOT_ALLOWED, text).into_response();
    }
    let version = match version.map(wire::Version::from_label) {
        None => wire::Version::V1_3,
        Some(Some(v)) => v,
        Some(None) => return (StatusCode::NOT_FOUND, "unknown schema version\n").into_response(),
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    if !is_plain_host(host) {
        return (
            StatusCode::BAD_REQUEST,
            "the Host header is not host[:port]\n",
        )
            .into_response();
    }
    let scheme = if secure { "https" } else { "http" };
    let location = format!("{scheme}://{host}/ws");
    let body = node.wsdl(version, &location);
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// A Host header that can be pasted into the WSDL address as is: a name, an
/// IPv4 or bracketed IPv6 address, and an optional port.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::is_plain_host;

    #[test]
    fn is_plain_host_accepts_names_addresses_ports_only() {
        for host in ["localhost", "127.0.0.1:7575", "[::1]:80", "smev.example.ru"] {
            assert!(is_plain_host(host), "{host}");
        }
        for host in ["", "x\"/><evil a=\"&", "a b", "a/ws", "h&x"] {
            assert!(!is_plain_host(host), "{host}");
        }
    }
}
