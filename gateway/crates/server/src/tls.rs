//! TLS for the node's endpoint (rustls), loaded from PEM files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file holds no usable certificate or key.
    #[error("{path} holds no {what}")]
    Missing { path: PathBuf, what: &'static str },
    /// rustls refused the pair.
    #[error("tls configuration refused: {0}")]
    Refused(#[from] rustls::Error),
}

/// Builds an acceptor from a PEM certificate chain and a PEM private key.
///
/// # Errors
/// [`TlsError`] naming the file that is unreadable or empty.
pub fn load_tls(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let chain: Vec<_> = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::Missing {
            path: cert.to_owned(),
            what: "certificate",
        });
    }
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .ok()
        .flatten()
        .ok_or_else(|| TlsError::Missing {
            path: key.to_owned(),
            what: "private key",
        })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
