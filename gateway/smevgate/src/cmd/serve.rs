//! `smevgate serve`: run a node (SOAP and REST edge, push and upstream
//! delivery workers) until SIGINT/SIGTERM, then drain.

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
    let (workers, stop) = start_delivery(&node, &config)?;
    let listener = tokio::net::TcpListener::bind(config.node.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.node.listen))?;
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        node.id = %config.node.id,
        listen = %address,
        store = %node::redact(&config.database_url()),
        systems = config.systems.len(),
        services = config.services.len(),
        "smevgate listening on {scheme}://{address}/ws"
    );
    let shutdown = async move {
        shutdown_signal().await;
        // The workers stop between two looks; an attempt under way ends
        // within its point's timeout.
        let _ = stop.send(true);
    };
    server::run(listener, node, tls, shutdown).await?;
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

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
