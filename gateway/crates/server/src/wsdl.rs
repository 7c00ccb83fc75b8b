//! The WSDL documents, one per schema version, with the node's own address.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /ws?wsdl`: the newest version's WSDL.
pub async fn handle(
    State(node): State<Arc<exchange::Node>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    serve(&node, None, &query, &headers)
}

/// `GET /ws/1.2?wsdl`: the WSDL of one version.
pub async fn handle_versioned(
    State(node): State<Arc<exchange::Node>>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    serve(&node, Some(&version), &query, &headers)
}

fn serve(
    node: &exchange::Node,
    version: Option<&str>,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
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
    let location = format!("http://{host}/ws");
    let body = node.wsdl(version, &location);
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}
