//! The node's configuration file (TOML), its defaults and its validation.
//!
//! Every key is declared once, here, with its doc and default. Paths in the
//! file are relative to the file's own folder. The file is the edge: it is
//! turned into domain values (`exchange::Settings`, the registry) by
//! [`Config::load`] and the `node` module, and nothing else reads TOML.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where and how the node runs.
    #[serde(default)]
    pub node: NodeSection,
    /// Exchange rules: windows, quotas, redelivery.
    #[serde(default)]
    pub exchange: ExchangeSection,
    /// Size and depth limits for inbound envelopes.
    #[serde(default)]
    pub limits: LimitsSection,
    /// Registered information systems (ИС).
    #[serde(default)]
    pub systems: Vec<SystemSection>,
    /// Registered business message types (ВС).
    #[serde(default)]
    pub services: Vec<ServiceSection>,
    /// The push and upstream delivery workers.
    #[serde(default)]
    pub delivery: DeliverySection,
    /// Integration points: who takes an ИС's messages out (issue #3).
    #[serde(default)]
    pub points: Vec<PointSection>,
    /// The folder the file was read from; relative paths resolve against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// `[node]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeSection {
    /// Node name, written into the journal and fault locators.
    pub id: String,
    /// Address of the SOAP and HTTP endpoint.
    pub listen: SocketAddr,
    /// `sqlite://PATH` (embedded, default `var/smevgate.db`) or `postgres://…`.
    pub database_url: Option<String>,
    /// Folder for the embedded store and generated development keys,
    /// relative to the working folder (not to this file).
    pub var_dir: PathBuf,
    /// PKCS#8 PEM key of the node's own signature (ЭП-СМЭВ). Generated into
    /// `var_dir/keys/` on first start when absent.
    pub key: Option<PathBuf>,
    /// PEM certificate matching `key`.
    pub cert: Option<PathBuf>,
    /// Pin the node's clock to this RFC 3339 instant (fixtures and tests only).
    pub fixed_clock: Option<String>,
    /// TLS certificate chain (PEM) for HTTPS; plain HTTP when absent.
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM) for HTTPS.
    pub tls_key: Option<PathBuf>,
}

/// `[exchange]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExchangeSection {
    /// Seconds after which a MessageID timestamp is stale (default 2 days).
    pub stale_message_id_secs: u64,
    /// Allowed distance of selector/status timestamps from now, in seconds.
    pub timestamp_window_secs: u64,
    /// Pending messages per queue before `DestinationOverflow`.
    pub queue_quota: u64,
    /// Seconds before an unacknowledged message is delivered again.
    pub redelivery_after_secs: u64,
    /// `DestinationName` written into 1.1/1.2 MessageMetadata.
    pub destination_name: String,
    /// Milliseconds between auto-poll passes over the response queues of
    /// the systems with `auto_poll = true` (100 to 3 600 000).
    pub auto_poll_every_ms: u64,
}

/// `[limits]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Deepest accepted element nesting (8 to 256; libxml2's own ceiling).
    pub max_depth: usize,
}

/// `[[systems]]`: one information system.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSection {
    /// The ИС mnemonic (≤ 50 characters).
    pub mnemonic: String,
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// PEM certificates that identify this ИС (several for rotation).
    pub certificates: Vec<PathBuf>,
    /// The ИС private key (PKCS#8 PEM), matching the first certificate. The
    /// node signs with it the requests sent through the integration REST API
    /// (`POST /api/v1/requests`); the command-line client signs with it too.
    pub key: Option<PathBuf>,
    /// The node takes, stores and acks what arrives in this ИС's response
    /// queue itself, for `GET /api/v1/responses/{id}` (auto-poll). Needs `key`.
    #[serde(default)]
    pub auto_poll: bool,
}

/// `[[services]]`: one business message type (ВС).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSection {
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
    /// Mnemonic of the provider ИС that receives the requests.
    pub provider: String,
    /// The XSD (with its imports beside it) that payloads must satisfy.
    pub schema: PathBuf,
    /// Whether requests of this ВС must carry a personal signature (ЭП-СП);
    /// without one they are refused with `InvalidContent`. Default `false`.
    #[serde(default)]
    pub personal_signature_required: bool,
}

/// `[delivery]`: the workers that push messages to ИС endpoints and
/// forward them to upstream nodes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySection {
    /// Milliseconds between two looks at the queues (default 1000).
    pub poll_interval_ms: u64,
    /// CA certificates (PEM) trusted for `https` push and upstream
    /// endpoints; without it only `http` endpoints work.
    pub ca_bundle: Option<PathBuf>,
    /// Schema version (`1.1`, `1.2`, `1.3`) spoken to upstream nodes when
    /// polling them for answers (default `1.2`).
    pub upstream_version: String,
    /// Most messages taken from one queue per look (default 100).
    pub batch: usize,
}

/// `[[points]]`: one integration point. A point without a service covers
/// every service of its ИС; a point of one service wins over it. Points
/// stored through the API replace a configured one of the same ИС and
/// service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointSection {
    /// Mnemonic of the ИС (in `[[systems]]`).
    pub system: String,
    /// Namespace URI of the one service's request root (with `service_root`).
    pub service_namespace: Option<String>,
    /// Local name of the one service's request root.
    pub service_root: Option<String>,
    /// `queue` (the ИС polls), `push` or `upstream`.
    pub kind: String,
    /// `http(s)://` endpoint: the ИС's (push) or another node's `/ws`
    /// (upstream); empty for `queue`.
    #[serde(default)]
    pub url: String,
    /// Attempts before a dead letter, 1 to 100 (default 10).
    pub max_attempts: Option<u32>,
    /// First backoff ceiling in milliseconds (default 1000).
    pub backoff_base_ms: Option<u64>,
    /// Largest backoff ceiling in milliseconds (default 300000).
    pub backoff_cap_ms: Option<u64>,
    /// Timeout of one attempt in milliseconds (default 30000).
    pub timeout_ms: Option<u64>,
}

/// Why a configuration could not be used. Each message names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed or has unknown keys.
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A value breaks a rule.
    #[error("invalid config value `{key}`: {message}")]
    Invalid { key: String, message: String },
}

// === impl Config ===

impl Config {
    /// Reads, parses and validates a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file or the offending key.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config.base_dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        config.validate()?;
        Ok(config)
    }

    /// Resolves a path from the file against the file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.base_dir.join(path)
        }
    }

    /// Checks the rules no type can express.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first offending key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, message: &str| ConfigError::Invalid {
            key,
            message: message.to_owned(),
        };
        if self.node.id.is_empty() {
            return Err(invalid("node.id".into(), "must not be empty"));
        }
        if !(8..=256).contains(&self.limits.max_depth) {
            return Err(invalid("limits.max_depth".into(), "must be from 8 to 256"));
        }
        if self.limits.max_body_bytes < 1024 {
            return Err(invalid(
                "limits.max_body_bytes".into(),
                "must be at least 1024",
            ));
        }
        let ten_years = 10 * 365 * 24 * 3600;
        let windows = [
            (
                "exchange.stale_message_id_secs",
                self.exchange.stale_message_id_secs,
            ),
            (
                "exchange.timestamp_window_secs",
                self.exchange.timestamp_window_secs,
            ),
            (
                "exchange.redelivery_after_secs",
                self.exchange.redelivery_after_secs,
            ),
        ];
        for (key, secs) in windows {
            if secs == 0 || secs > ten_years {
                return Err(invalid(key.into(), "must be from 1 second to 10 years"));
            }
        }
        self.check_auto_poll()?;
        if self.exchange.queue_quota == 0 {
            return Err(invalid("exchange.queue_quota".into(), "must be positive"));
        }
        if self.node.key.is_some() != self.node.cert.is_some() {
            return Err(invalid(
                "node.key".into(),
                "node.key and node.cert go together",
            ));
        }
        if self.node.tls_cert.is_some() != self.node.tls_key.is_some() {
            return Err(invalid(
                "node.tls_cert".into(),
                "tls_cert and tls_key go together",
            ));
        }
        for (i, system) in self.systems.iter().enumerate() {
            let key = format!("systems[{i}].mnemonic");
            if system.mnemonic.is_empty() || system.mnemonic.chars().count() > 50 {
                return Err(invalid(key, "must be 1 to 50 characters"));
            }
            if self.systems[..i]
                .iter()
                .any(|s| s.mnemonic == system.mnemonic)
            {
                return Err(invalid(key, "is declared twice"));
            }
            if system.certificates.is_empty() {
                let key = format!("systems[{i}].certificates");
                return Err(invalid(key, "at least one certificate is needed"));
            }
        }
        for (i, service) in self.services.iter().enumerate() {
            if !self.systems.iter().any(|s| s.mnemonic == service.provider) {
                let key = format!("services[{i}].provider");
                return Err(invalid(key, "names no system in [[systems]]"));
            }
        }
        self.validate_delivery()?;
        self.point_forms().map(|_| ())
    }

    fn validate_delivery(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: &str| ConfigError::Invalid {
            key: key.to_owned(),
            message: message.to_owned(),
        };
        let delivery = &self.delivery;
        if !(1..=3_600_000).contains(&delivery.poll_interval_ms) {
            let message = "must be from 1 to 3600000";
            return Err(invalid("delivery.poll_interval_ms", message));
        }
        if !(1..=10_000).contains(&delivery.batch) {
            return Err(invalid("delivery.batch", "must be from 1 to 10000"));
        }
        if wire::Version::from_label(&delivery.upstream_version).is_none() {
            return Err(invalid(
                "delivery.upstream_version",
                "must be 1.1, 1.2 or 1.3",
            ));
        }
        Ok(())
    }

    /// Auto-poll needs the system's key, and a sane pace.
    fn check_auto_poll(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, message: &str| ConfigError::Invalid {
            key,
            message: message.to_owned(),
        };
        if !(100..=3_600_000).contains(&self.exchange.auto_poll_every_ms) {
            let key = "exchange.auto_poll_every_ms".to_owned();
            return Err(invalid(key, "must be from 100 to 3600000"));
        }
        for (i, system) in self.systems.iter().enumerate() {
            if system.auto_poll && system.key.is_none() {
                let key = format!("systems[{i}].auto_poll");
                let message =
                    "needs the system's key: the node polls only for systems whose key it holds";
                return Err(invalid(key, message));
            }
        }
        Ok(())
    }

    /// The `[[points]]` as domain forms, each checked.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the first offending key.
    pub fn point_forms(&self) -> Result<Vec<cabinet::PointForm>, ConfigError> {
        let mut forms = Vec::with_capacity(self.points.len());
        for (i, section) in self.points.iter().enumerate() {
            let form = section.to_form(i)?;
            let Some(system) = self.systems.iter().find(|s| s.mnemonic == form.system) else {
                return Err(ConfigError::Invalid {
                    key: format!("points[{i}].system"),
                    message: "names no system in [[systems]]".to_owned(),
                });
            };
            if system.auto_poll && form.kind != cabinet::PointKind::Queue {
                return Err(ConfigError::Invalid {
                    key: format!("points[{i}].kind"),
                    message: "the node auto-polls this system; a push or upstream point \
                              would compete with it"
                        .to_owned(),
                });
            }
            forms.push(form);
        }
        Ok(forms)
    }

    /// The database URL: the configured one, or the embedded file under `var_dir`.
    pub fn database_url(&self) -> String {
        match &self.node.database_url {
            Some(url) => url.clone(),
            None => {
                let file = self.node.var_dir.join("smevgate.db");
                format!("sqlite://{}", file.display())
            }
        }
    }
}

// === impl PointSection ===

impl PointSection {
    /// The domain form of `points[index]`, validated.
    fn to_form(&self, index: usize) -> Result<cabinet::PointForm, ConfigError> {
        let invalid = |field: &str, message: &str| ConfigError::Invalid {
            key: format!("points[{index}].{field}"),
            message: message.to_owned(),
        };
        let kind = cabinet::PointKind::parse(&self.kind)
            .ok_or_else(|| invalid("kind", "must be queue, push or upstream"))?;
        let service = match (&self.service_namespace, &self.service_root) {
            (Some(namespace), Some(root)) => Some(cabinet::PointService {
                namespace: namespace.clone(),
                root: root.clone(),
            }),
            (None, None) => None,
            _ => {
                return Err(invalid(
                    "service_namespace",
                    "goes together with service_root",
                ))
            }
        };
        let defaults = cabinet::PointForm::new(&self.system, kind, &self.url);
        let form = cabinet::PointForm {
            service,
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            backoff_base_ms: self.backoff_base_ms.unwrap_or(defaults.backoff_base_ms),
            backoff_cap_ms: self.backoff_cap_ms.unwrap_or(defaults.backoff_cap_ms),
            timeout_ms: self.timeout_ms.unwrap_or(defaults.timeout_ms),
            ..defaults
        };
        if let Err(errors) = form.validate() {
            let first = &errors.errors()[0];
            let field = first
                .field
                .replace("service.namespace", "service_namespace");
            let field = field.replace("service.root", "service_root");
            return Err(invalid(&field, &first.message));
        }
        Ok(form)
    }
}

// === impl DeliverySection ===

impl Default for DeliverySection {
    fn default() -> Self {
        DeliverySection {
            poll_interval_ms: 1000,
            ca_bundle: None,
            upstream_version: "1.2".to_owned(),
            batch: 100,
        }
    }
}

// === impl NodeSection ===

impl Default for NodeSection {
    fn default() -> Self {
        NodeSection {
            id: "smevgate".to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 7575)),
            database_url: None,
            var_dir: PathBuf::from("var"),
            key: None,
            cert: None,
            fixed_clock: None,
            tls_cert: None,
            tls_key: None,
        }
    }
}

// === impl ExchangeSection ===

impl Default for ExchangeSection {
    fn default() -> Self {
        ExchangeSection {
            stale_message_id_secs: 2 * 24 * 3600,
            timestamp_window_secs: 600,
            queue_quota: 1000,
            redelivery_after_secs: 300,
            destination_name: "unknown".to_owned(),
            auto_poll_every_ms: 1000,
        }
    }
}

// === impl LimitsSection ===

impl Default for LimitsSection {
    fn default() -> Self {
        LimitsSection {
            max_body_bytes: 10 * 1024 * 1024,
            max_depth: 256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_point(point: &str) -> Result<Config, ConfigError> {
        let text = format!(
            "[[systems]]\nmnemonic = \"PROVIDER01\"\ncertificates = [\"c.pem\"]\n\n[[points]]\n{point}"
        );
        let config: Config = toml::from_str(&text).expect("parses");
        config.validate().map(|()| config)
    }

    fn invalid_key(result: Result<Config, ConfigError>) -> String {
        match result {
            Err(ConfigError::Invalid { key, .. }) => key,
            other => panic!("expected an invalid key, got {other:?}"),
        }
    }

    #[test]
    fn point_push_with_defaults_becomes_a_form() {
        let config =
            with_point("system = \"PROVIDER01\"\nkind = \"push\"\nurl = \"http://127.0.0.1:9/p\"");
        let forms = config.unwrap().point_forms().unwrap();
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].kind, cabinet::PointKind::Push);
        assert_eq!(forms[0].max_attempts, 10);
        assert!(forms[0].service.is_none());
    }

    #[test]
    fn point_bad_values_name_their_key() {
        let cases = [
            ("system = \"PROVIDER01\"\nkind = \"poll\"", "points[0].kind"),
            ("system = \"NOBODY\"\nkind = \"queue\"", "points[0].system"),
            (
                "system = \"PROVIDER01\"\nkind = \"push\"\nurl = \"ftp://x\"",
                "points[0].url",
            ),
            (
                "system = \"PROVIDER01\"\nkind = \"push\"\nurl = \"http://x\"\nmax_attempts = 101",
                "points[0].max_attempts",
            ),
            (
                "system = \"PROVIDER01\"\nkind = \"queue\"\nservice_root = \"X\"",
                "points[0].service_namespace",
            ),
        ];
        for (point, key) in cases {
            assert_eq!(invalid_key(with_point(point)), key, "{point}");
        }
    }

    #[test]
    fn push_point_of_an_auto_polled_system_names_its_kind() {
        let text = "[[systems]]\nmnemonic = \"ACCOUNTING01\"\ncertificates = [\"c.pem\"]\n\
                    key = \"k.pem\"\nauto_poll = true\n\n[[points]]\nsystem = \"ACCOUNTING01\"\n\
                    kind = \"push\"\nurl = \"http://127.0.0.1:9/p\"";
        let config: Config = toml::from_str(text).expect("parses");
        assert_eq!(
            invalid_key(config.validate().map(|()| Config::default())),
            "points[0].kind"
        );
    }

    #[test]
    fn delivery_bad_values_name_their_key() {
        let mut config = Config::default();
        config.delivery.poll_interval_ms = 0;
        assert_eq!(
            invalid_key(config.validate().map(|()| Config::default())),
            "delivery.poll_interval_ms"
        );
        let mut config = Config::default();
        config.delivery.upstream_version = "2.0".into();
        assert_eq!(
            invalid_key(config.validate().map(|()| Config::default())),
            "delivery.upstream_version"
        );
    }
}
