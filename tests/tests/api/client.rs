//! A small HTTP client for the REST API tests: any method, headers and
//! body, answering status, headers and the body parsed as JSON.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// One request.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// One answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub text: String,
}

// === impl Call ===

impl Call {
    /// `method path` without headers or body.
    pub fn new(method: &'static str, path: impl Into<String>) -> Call {
        Call {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// With `name: value`.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Call {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// With `Authorization: Bearer token`.
    pub fn bearer(self, token: &str) -> Call {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// With `If-Match: "version"`.
    pub fn if_match(self, version: i64) -> Call {
        self.header("if-match", format!("\"{version}\""))
    }

    /// With a JSON body.
    pub fn json(mut self, body: &Value) -> Call {
        self.body = Some(body.to_string().into_bytes());
        self.header("content-type", "application/json")
    }

    /// With raw body bytes and no content type.
    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Call {
        self.body = Some(body.into());
        self
    }

    /// Sends it to the node at `addr`.
    pub async fn send(self, addr: SocketAddr) -> Answer {
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let mut request = hyper::Request::builder()
            .method(self.method)
            .uri(format!("http://{addr}{}", self.path));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let body = Full::new(Bytes::from(self.body.unwrap_or_default()));
        let response = client
            .request(request.body(body).expect("request"))
            .await
            .expect("node answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

// === impl Answer ===

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", self.text))
    }

    /// A header's text, empty when absent.
    pub fn header(&self, name: &str) -> String {
        let value = self.headers.get(name).and_then(|v| v.to_str().ok());
        value.unwrap_or_default().to_owned()
    }

    /// The fields named in a problem's `errors`.
    pub fn problem_fields(&self) -> Vec<String> {
        let body = self.json();
        let errors = body["errors"].as_array().cloned().unwrap_or_default();
        errors
            .iter()
            .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Asserts a problem+json answer with `status` and a Russian title.
    pub fn assert_problem(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.header("content-type"), "application/problem+json");
        let body = self.json();
        assert_eq!(body["status"], status, "{}", self.text);
        let title = body["title"].as_str().unwrap_or_default();
        assert!(title
            .chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())));
        assert!(body["type"]
            .as_str()
            .unwrap_or_default()
            .starts_with("urn:smevgate:problem:"));
        assert!(!body["detail"].as_str().unwrap_or_default().is_empty());
    }
}
