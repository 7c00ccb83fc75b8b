//! The accept loop: plain TCP or TLS, one task per connection, graceful
//! shutdown that stops accepting and lets open exchanges finish.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::Extension;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long open connections may run after shutdown was asked for.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's headers (also the idle
/// time allowed between requests on a kept-alive connection).
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors), so the loop
/// neither spins nor floods the log while the condition lasts.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Why serving stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listening socket failed.
    #[error("accept failed: {0}")]
    Accept(#[from] std::io::Error),
}

/// Serves `node` on `listener` until `shutdown` resolves, then drains.
///
/// # Errors
/// [`ServeError::Accept`] when the listening socket itself fails.
pub async fn run(
    listener: TcpListener,
    node: Arc<exchange::Node>,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let app = crate::router(node);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "accept failed, pausing");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let secure = crate::Secure(tls.is_some());
        let app = app
            .clone()
            .layer(Extension(ConnectInfo(peer)))
            .layer(Extension(secure));
        let tls = tls.clone();
        let stop = stop_rx.clone();
        tasks.spawn(serve_connection(stream, peer, app, tls, stop));
        while tasks.try_join_next().is_some() {}
    }
    tracing::info!("shutting down, draining open connections");
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(DRAIN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("grace period over, closing remaining connections");
    }
    Ok(())
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: axum::Router,
    tls: Option<TlsAcceptor>,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(app.map_request(|r| r));
    match tls {
        None => drive(TokioIo::new(stream), service, stop).await,
        Some(acceptor) => {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls_stream)) => drive(TokioIo::new(tls_stream), service, stop).await,
                Ok(Err(error)) => {
                    tracing::debug!(%error, peer.ip = %peer.ip(), "tls handshake failed");
                }
                Err(_) => tracing::debug!(peer.ip = %peer.ip(), "tls handshake timed out"),
            }
        }
    }
}

async fn drive<I, S>(io: I, service: S, mut stop: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::Service<
            hyper::Request<hyper::body::Incoming>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        _ = stop.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
