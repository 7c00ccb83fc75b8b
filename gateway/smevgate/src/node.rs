//! Builds an [`exchange::Node`] from a [`Config`]: keys (generated for
//! development on first start), registry, store, clock and settings.

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::config::{Config, ConfigError, SystemSection};

/// Assembles a node from its configuration.
///
/// # Errors
/// A [`ConfigError`] for unusable files or values (exit 64), other errors
/// for a store that cannot be opened.
pub async fn build(config: &Config) -> anyhow::Result<exchange::Node> {
    let signer = node_signer(config)?;
    let registry = registry(config)?;
    let url = config.database_url();
    let store = match store::Store::open(&url).await {
        Ok(store) => store,
        Err(
            error
            @ (store::StoreError::InvalidUrl { .. } | store::StoreError::InvalidSchema { .. }),
        ) => {
            return Err(invalid("node.database_url", error.to_string()).into());
        }
        Err(error) => {
            let context = format!("cannot open the store at {}", redact(&url));
            return Err(anyhow::Error::new(error).context(context));
        }
    };
    let parts = exchange::NodeParts {
        registry,
        store,
        signer,
        clock: clock(config)?,
        settings: settings(config),
        limits: wire::Limits {
            max_bytes: config.limits.max_body_bytes,
            max_depth: config.limits.max_depth,
        },
    };
    let node = exchange::Node::new(parts)?;
    // Systems and services registered through the API join the configured
    // ones before the first message, not on its arrival.
    node.reload_registry()
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the stored registry: {e}"))?;
    Ok(node)
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme && url[scheme + 3..at].contains(':') => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.into(),
    }
}

fn read_text(key: &str, path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| invalid(key, format!("cannot read {}: {e}", path.display())))
}

/// The node's key: configured, or generated into `var_dir/keys/node/`.
fn node_signer(config: &Config) -> Result<exchange::NodeSigner, ConfigError> {
    let (key_path, cert_path) = match (&config.node.key, &config.node.cert) {
        (Some(key), Some(cert)) => (config.resolve(key), config.resolve(cert)),
        _ => {
            let dir = config.node.var_dir.join("keys").join("node");
            ensure_dev_key(&dir)?;
            (dir.join("key.pem"), dir.join("cert.pem"))
        }
    };
    warn_if_exposed(&key_path);
    let key = gost::SigningKey::from_pkcs8_pem(&read_text("node.key", &key_path)?)
        .map_err(|e| invalid("node.key", e.to_string()))?;
    let cert = gost::Certificate::from_pem(&read_text("node.cert", &cert_path)?)
        .map_err(|e| invalid("node.cert", e.to_string()))?;
    if cert.verifying_key().ok().as_ref() != Some(key.verifying_key()) {
        return Err(invalid("node.cert", "does not match node.key"));
    }
    Ok(exchange::NodeSigner::new(key, cert))
}

/// Logs a warning when a private key file is readable by others than its
/// owner (it still works: refusing would stop a node over a mode bit).
fn warn_if_exposed(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the node's private key is readable by other users; chmod 600 it"
                );
            }
        }
    }
}

/// Generates a development key pair into `dir` unless one is there.
fn ensure_dev_key(dir: &Path) -> Result<(), ConfigError> {
    if dir.join("key.pem").exists() && dir.join("cert.pem").exists() {
        return Ok(());
    }
    crate::cmd::keys::generate(dir, "smevgate development node", 3650)
        .map_err(|e| invalid("node.var_dir", e.to_string()))?;
    tracing::info!(dir = %dir.display(), "generated a development key for ЭП-СМЭВ");
    Ok(())
}

/// The ИС key with its first certificate, when `key` is configured.
fn system_signing(
    config: &Config,
    index: usize,
    section: &SystemSection,
    certificates: &[gost::Certificate],
) -> Result<Option<std::sync::Arc<exchange::SigningIdentity>>, ConfigError> {
    let Some(key_path) = &section.key else {
        return Ok(None);
    };
    let name = format!("systems[{index}].key");
    let path = config.resolve(key_path);
    let key = gost::SigningKey::from_pkcs8_pem(&read_text(&name, &path)?)
        .map_err(|e| invalid(&name, format!("{}: {e}", path.display())))?;
    let Some(cert) = certificates.first() else {
        return Err(invalid(&name, "needs a certificate to sign with"));
    };
    if cert.verifying_key().ok().as_ref() != Some(key.verifying_key()) {
        return Err(invalid(&name, "does not match the first certificate"));
    }
    Ok(Some(std::sync::Arc::new((key, cert.clone()))))
}

fn registry(config: &Config) -> Result<exchange::Registry, ConfigError> {
    let mut systems = Vec::new();
    for (i, section) in config.systems.iter().enumerate() {
        let key = format!("systems[{i}].certificates");
        let mut certificates = Vec::new();
        for path in &section.certificates {
            let path = config.resolve(path);
            let cert = gost::Certificate::from_pem(&read_text(&key, &path)?)
                .map_err(|e| invalid(&key, format!("{}: {e}", path.display())))?;
            certificates.push(cert);
        }
        let signing = system_signing(config, i, section, &certificates)?;
        systems.push(exchange::InformationSystem {
            mnemonic: section.mnemonic.clone(),
            name: section.name.clone(),
            certificates,
            signing,
        });
    }
    let mut services = Vec::new();
    for (i, section) in config.services.iter().enumerate() {
        let key = format!("services[{i}].schema");
        let path = config.resolve(&section.schema);
        let schema = compile_schema(&path).map_err(|message| invalid(&key, message))?;
        services.push(exchange::Service {
            name: section.name.clone(),
            namespace: section.namespace.clone(),
            root: section.root.clone(),
            provider: section.provider.clone(),
            schema: std::sync::Arc::new(schema),
            personal_signature_required: section.personal_signature_required,
        });
    }
    let registry = exchange::Registry::new(systems, services)
        .map_err(|e| invalid("services", e.to_string()))?;
    Ok(registry.with_points(config.point_forms()?))
}

/// The delivery workers' settings of `[delivery]`.
pub fn delivery_settings(config: &Config) -> delivery::DeliverySettings {
    let delivery = &config.delivery;
    delivery::DeliverySettings {
        poll_interval: std::time::Duration::from_millis(delivery.poll_interval_ms),
        ca_bundle: delivery.ca_bundle.as_ref().map(|path| config.resolve(path)),
        upstream_version: wire::Version::from_label(&delivery.upstream_version)
            .unwrap_or(wire::Version::V1_2),
        batch: delivery.batch,
    }
}

/// Compiles a ВС schema with the files beside it; a failure names what
/// could not be resolved.
fn compile_schema(path: &Path) -> Result<xml::SchemaSet, String> {
    let dir: PathBuf = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .ok_or_else(|| format!("{} is not a file name", path.display()))?;
    xml::SchemaSet::compile_dir(&dir, file)
        .map_err(|e| format!("{} does not compile: {e}", path.display()))
}

fn clock(config: &Config) -> Result<exchange::SharedClock, ConfigError> {
    use time::format_description::well_known::Rfc3339;
    match &config.node.fixed_clock {
        None => Ok(std::sync::Arc::new(exchange::SystemClock)),
        Some(text) => {
            let at = OffsetDateTime::parse(text, &Rfc3339)
                .map_err(|e| invalid("node.fixed_clock", e.to_string()))?;
            Ok(std::sync::Arc::new(exchange::FixedClock(at)))
        }
    }
}

fn settings(config: &Config) -> exchange::Settings {
    let secs = |s: u64| time::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX));
    exchange::Settings {
        node_id: config.node.id.clone(),
        stale_message_id_after: secs(config.exchange.stale_message_id_secs),
        timestamp_window: secs(config.exchange.timestamp_window_secs),
        queue_quota: config.exchange.queue_quota,
        redelivery_after: secs(config.exchange.redelivery_after_secs),
        destination_name: config.exchange.destination_name.clone(),
        auto_poll: config
            .systems
            .iter()
            .filter(|s| s.auto_poll)
            .map(|s| s.mnemonic.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_the_password_only() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("sqlite://var/x.db"), "sqlite://var/x.db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
