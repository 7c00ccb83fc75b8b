//! The delivery layer's error type: why one outbound HTTP exchange failed
//! or could not start. Every variant of an attempt is a failed attempt
//! (retried with backoff, then a dead letter); only a bad CA bundle stops
//! the workers from starting.

use std::path::PathBuf;

/// Why an outbound exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The endpoint URL cannot be used (not `http`/`https`, no host).
    #[error("endpoint url {url:?} is unusable: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `https` was asked for but no CA bundle is configured.
    #[error("https to {host} needs delivery.ca_bundle")]
    NoTrustAnchors {
        /// The host.
        host: String,
    },
    /// The CA bundle file could not be read or holds no certificate.
    #[error("ca bundle {path}: {reason}")]
    CaBundle {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The TCP connection could not be made (refused, unreachable).
    #[error("connecting to {authority}")]
    Connect {
        /// host:port.
        authority: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS handshake failed (untrusted certificate, wrong name).
    #[error("tls with {host}")]
    Tls {
        /// The host.
        host: String,
        /// The TLS error.
        #[source]
        source: std::io::Error,
    },
    /// HTTP/1.1 framing failed on the way there or back.
    #[error("http exchange with {authority}")]
    Http {
        /// host:port.
        authority: String,
        /// The hyper error.
        #[source]
        source: hyper::Error,
    },
    /// The answer body is larger than the limit.
    #[error("answer body over {limit} bytes")]
    AnswerTooLarge {
        /// The limit.
        limit: usize,
    },
    /// No complete answer within the point's timeout.
    #[error("no answer within {millis} ms")]
    Timeout {
        /// The timeout.
        millis: u128,
    },
}
