//! The outbound HTTP/1.1 client: one POST per attempt over a fresh
//! connection, `http` or `https` (rustls, trusting only the configured CA
//! bundle), with the point's timeout over the whole exchange and a limit on
//! the answer body.
//!
//! FIXME(#3): no connection reuse; a keep-alive pool per endpoint would
//! save a TCP (and TLS) handshake per message under load.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Uri;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::error::DeliveryError;

/// Largest answer body read; SOAP answers to a push or a SendRequest are
/// small, GetResponse answers may carry inline attachments.
pub const ANSWER_MAX_BYTES: usize = 64 * 1024 * 1024;

/// Posts envelopes; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    tls: Option<TlsConnector>,
}

/// What the other side answered.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, empty when absent.
    pub content_type: String,
    /// The body.
    pub body: Bytes,
}

/// Where a URL points.
struct Target {
    https: bool,
    host: String,
    authority: String,
    port: u16,
    path: String,
}

// === impl HttpClient ===

impl HttpClient {
    /// A client trusting the CA certificates in `ca_bundle` (PEM) for
    /// `https`; without a bundle only `http` works.
    ///
    /// # Errors
    /// [`DeliveryError::CaBundle`] when the file is unreadable or holds no
    /// usable certificate.
    pub fn new(ca_bundle: Option<&Path>) -> Result<Self, DeliveryError> {
        let tls = ca_bundle.map(tls_connector).transpose()?;
        Ok(HttpClient { tls })
    }

    /// POSTs `body` to `url` as SOAP 1.1 (`text/xml; charset=utf-8`) with
    /// `SOAPAction: soap_action`, and reads the whole answer, all within
    /// `timeout`.
    ///
    /// # Errors
    /// A [`DeliveryError`] for every way the exchange can fail.
    pub async fn post_soap(
        &self,
        url: &str,
        soap_action: &str,
        body: String,
        timeout: Duration,
    ) -> Result<HttpAnswer, DeliveryError> {
        let target = Target::parse(url)?;
        let exchange = self.exchange(&target, soap_action, body);
        match tokio::time::timeout(timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(DeliveryError::Timeout {
                millis: timeout.as_millis(),
            }),
        }
    }

    async fn exchange(
        &self,
        target: &Target,
        soap_action: &str,
        body: String,
    ) -> Result<HttpAnswer, DeliveryError> {
        let address = (target.host.trim_matches(['[', ']']), target.port);
        let stream =
            TcpStream::connect(address)
                .await
                .map_err(|source| DeliveryError::Connect {
                    authority: target.authority.clone(),
                    source,
                })?;
        let request = hyper::Request::post(target.path.as_str())
            .header(HOST, target.authority.as_str())
            .header(CONTENT_TYPE, wire::SOAP11_CONTENT_TYPE)
            .header("SOAPAction", soap_action)
            .body(Full::new(Bytes::from(body)));
        let Ok(request) = request else {
            let reason = "not a valid request target";
            return Err(DeliveryError::BadUrl {
                url: target.path.clone(),
                reason,
            });
        };
        if !target.https {
            return send(TokioIo::new(stream), request, &target.authority).await;
        }
        let Some(tls) = &self.tls else {
            return Err(DeliveryError::NoTrustAnchors {
                host: target.host.clone(),
            });
        };
        let tls_error = |source| DeliveryError::Tls {
            host: target.host.clone(),
            source,
        };
        let name = ServerName::try_from(target.host.trim_matches(['[', ']']).to_owned())
            .map_err(|e| tls_error(std::io::Error::other(e)))?;
        let stream = tls.connect(name, stream).await.map_err(tls_error)?;
        send(TokioIo::new(stream), request, &target.authority).await
    }
}

/// One HTTP/1.1 exchange over an open connection.
async fn send<IO>(
    io: TokioIo<IO>,
    request: hyper::Request<Full<Bytes>>,
    authority: &str,
) -> Result<HttpAnswer, DeliveryError>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let http = |source| DeliveryError::Http {
        authority: authority.to_owned(),
        source,
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(http)?;
    // The connection task ends when the exchange is over or dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await.map_err(http)?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = Limited::new(response.into_body(), ANSWER_MAX_BYTES)
        .collect()
        .await;
    let body = body
        .map_err(|_| DeliveryError::AnswerTooLarge {
            limit: ANSWER_MAX_BYTES,
        })?
        .to_bytes();
    Ok(HttpAnswer {
        status,
        content_type,
        body,
    })
}

fn tls_connector(path: &Path) -> Result<TlsConnector, DeliveryError> {
    let bad = |reason: String| DeliveryError::CaBundle {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| bad(e.to_string()))?;
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no certificate in the file".to_owned()));
    }
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

// === impl Target ===

impl Target {
    fn parse(url: &str) -> Result<Target, DeliveryError> {
        let bad = |reason| DeliveryError::BadUrl {
            url: url.to_owned(),
            reason,
        };
        let uri: Uri = url.parse().map_err(|_| bad("not a URL"))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(bad("scheme is not http or https")),
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let authority = uri
            .authority()
            .map_or_else(|| host.to_owned(), |a| a.to_string());
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        Ok(Target {
            https,
            host: host.to_owned(),
            authority,
            port,
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_parse_fills_default_ports_and_path() {
        let plain = Target::parse("http://127.0.0.1:8080/ws?x=1").unwrap();
        assert_eq!(
            (plain.https, plain.port, plain.path.as_str()),
            (false, 8080, "/ws?x=1")
        );
        let tls = Target::parse("https://is.example").unwrap();
        assert_eq!((tls.https, tls.port, tls.path.as_str()), (true, 443, "/"));
        assert_eq!(tls.authority, "is.example");
    }

    #[test]
    fn target_parse_other_schemes_or_no_host_are_bad_urls() {
        for url in ["ftp://x/y", "http:///nohost", "not a url", "/relative"] {
            let error = Target::parse(url).err();
            assert!(matches!(error, Some(DeliveryError::BadUrl { .. })), "{url}");
        }
    }

    #[tokio::test]
    async fn post_soap_https_without_ca_bundle_is_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("https://127.0.0.1:{port}/push");
        let client = HttpClient::new(None).unwrap();

        let error = client
            .post_soap(
                &url,
                "urn:GetRequest",
                String::new(),
                Duration::from_secs(30),
            )
            .await
            .unwrap_err();

        assert!(
            matches!(error, DeliveryError::NoTrustAnchors { .. }),
            "{error}"
        );
    }

    #[test]
    fn new_unreadable_or_empty_ca_bundle_is_refused() {
        let dir = std::env::temp_dir().join(format!("smevgate-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificates here\n").unwrap();

        let missing = HttpClient::new(Some(&dir.join("missing.pem"))).err();
        let no_certs = HttpClient::new(Some(&empty)).err();

        assert!(matches!(missing, Some(DeliveryError::CaBundle { .. })));
        assert!(matches!(no_certs, Some(DeliveryError::CaBundle { .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
