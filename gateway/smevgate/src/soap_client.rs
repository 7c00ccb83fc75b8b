//! A minimal SOAP 1.1 client over HTTP/1.1 (hyper), used by `client`,
//! `replay` and `load`: POST an envelope, get status, content type and
//! body back.

use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What a node answered.
pub struct HttpReply {
    /// HTTP status.
    pub status: u16,
    /// Content-Type header (empty when absent).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// A reusable connection pool to one endpoint.
#[derive(Clone)]
pub struct SoapClient {
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    target: hyper::Uri,
}

/// Longest wait for one exchange.
const TIMEOUT: Duration = Duration::from_secs(60);

// === impl SoapClient ===

impl SoapClient {
    /// A client for `target` (an `http://` URL).
    ///
    /// # Errors
    /// When `target` is not a usable URL.
    pub fn new(target: &str) -> anyhow::Result<SoapClient> {
        let target: hyper::Uri = target
            .parse()
            .with_context(|| format!("bad URL {target}"))?;
        if target.scheme_str() != Some("http") {
            anyhow::bail!("only http:// targets are supported by the client ({target})");
        }
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(SoapClient { client, target })
    }

    /// POSTs one envelope with its SOAPAction.
    ///
    /// # Errors
    /// Transport failures (connection refused, timeout).
    pub async fn post(&self, envelope: String, action: &str) -> anyhow::Result<HttpReply> {
        let request = hyper::Request::post(self.target.clone())
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", format!("\"{action}\""))
            .body(Full::new(Bytes::from(envelope)))?;
        self.exchange(request).await
    }

    /// POSTs one JSON body with a bearer token (the integration REST API).
    ///
    /// # Errors
    /// Transport failures (connection refused, timeout).
    pub async fn post_json(&self, body: String, token: &str) -> anyhow::Result<HttpReply> {
        let request = hyper::Request::post(self.target.clone())
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Full::new(Bytes::from(body)))?;
        self.exchange(request).await
    }

    async fn exchange(&self, request: hyper::Request<Full<Bytes>>) -> anyhow::Result<HttpReply> {
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let body = response.into_body().collect().await?.to_bytes().to_vec();
            anyhow::Ok(HttpReply {
                status,
                content_type,
                body,
            })
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .with_context(|| format!("no answer from {} within {TIMEOUT:?}", self.target))?
            .with_context(|| format!("exchange with {} failed", self.target))
    }
}
