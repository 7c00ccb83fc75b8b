//! `smevgate serve`: run a node (SOAP and REST edge, push and upstream
//! delivery workers, auto-poll) until SIGINT/SIGTERM, then drain.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::cli::ServeArgs;
use crate::config::{Config, ConfigError};
use crate::node;

/// Loads the configuration, builds the node, binds and serves.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    if let Some(listen) = args.listen {
        config.node.listen = listen;
    }
    if let Some(url) = args.database_url {
        config.node.database_url = Some(url);
    }
    config.validate()?;
    let tls = match (&config.node.tls_cert, &config.node.tls_key) {
        (Some(cert), Some(key)) => Some(
            server::load_tls(&config.resolve(cert), &config.resolve(key)).map_err(|e| {
                ConfigError::Invalid {
                    key: "node.tls_cert".to_owned(),
                    message: e.to_string(),
                }
            })?,
        ),
        _ => None,
    };
    let node = Arc::new(node::build(&config).await?);
    let (workers, stop_workers) = start_delivery(&node, &config)?;
    let listener = tokio::net::TcpListener::bind(config.node.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.node.listen))?;
    let address = listener.local_addr()?;
    let signalled = shutdown_signal();
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        node.id = %config.node.id,
        listen = %address,
        store = %node::redact(&config.database_url()),
        systems = config.systems.len(),
        services = config.services.len(),
        "smevgate listening on {scheme}://{address}/ws"
    );
    let every = std::time::Duration::from_millis(config.exchange.auto_poll_every_ms);
    let (stop, poller) = spawn_poller(node.clone(), every);
    let shutdown = async move {
        signalled.await;
        // The workers stop between two looks; an attempt under way ends
        // within its point's timeout.
        let _ = stop.send(true);
        let _ = stop_workers.send(true);
    };
    server::run(listener, node, tls, shutdown).await?;
    // The poller finishes the message it holds (store, then ack) first.
    let _ = poller.await;
    workers.join().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Starts the push and upstream workers; they stop when the returned
/// sender says `true`.
fn start_delivery(
    node: &Arc<exchange::Node>,
    config: &Config,
) -> Result<(delivery::Workers, tokio::sync::watch::Sender<bool>), ConfigError> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let settings = node::delivery_settings(config);
    let workers =
        delivery::start(node.clone(), settings, stopped).map_err(|e| ConfigError::Invalid {
            key: "delivery.ca_bundle".to_owned(),
            message: e.to_string(),
        })?;
    Ok((workers, stop))
}

/// Starts the auto-poll task; it stops once the sender says `true`.
fn spawn_poller(
    node: Arc<exchange::Node>,
    every: std::time::Duration,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let poller = tokio::spawn(exchange::auto_poll::run(
        node,
        every,
        until_stopped(stopped),
    ));
    (stop, poller)
}

/// Resolves once `stopped` turns true (or its sender is gone).
async fn until_stopped(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Installs the SIGINT and SIGTERM handlers at once, before the address
/// is announced, so that a signal sent right after it is never lost; the
/// future resolves on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
