//! The registry as it is changed at run time: the systems and services of
//! the configuration (the node's start-up registry) plus those stored by
//! the cabinet (`store::registry`), rebuilt after every change and swapped
//! in for new messages — new messages see it, running ones
//! keep theirs.
//!
//! Also the checks an upload must pass before it is stored: a certificate
//! must parse, carry a GOST R 34.10-2012 256-bit key and be valid now; a
//! schema must compile with its imports.
//!
//! Integration points (configured, then stored) ride along, so a changed
//! point reaches the delivery workers the same way.
//!
//! Other nodes on the same PostgreSQL notice a change through
//! `registry_version`, which the SOAP path compares at most once per second
//! ([`Node::refresh_registry_if_due`]).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cabinet::{CertificateFacts, SchemaFiles};
use gost::KeyAlgorithm;
use store::cabinet::CabinetStoreError;
use store::registry::StoredRegistry;
use time::OffsetDateTime;

use crate::node::Node;
use crate::registry::{InformationSystem, Registry, RegistryError, Service};

/// How often the SOAP path looks at `registry_version` at most.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Why an uploaded certificate is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateRefusal {
    /// Neither a PEM nor a DER X.509 certificate.
    #[error("not a certificate: {0}")]
    Unparsable(String),
    /// The key is not GOST R 34.10-2012 with 256 bits on a supported curve.
    #[error("key algorithm is not GOST R 34.10-2012 256: {0}")]
    NotGost256(String),
    /// Its validity ended.
    #[error("expired at {0}")]
    Expired(OffsetDateTime),
    /// Its validity has not begun.
    #[error("not valid before {0}")]
    NotYetValid(OffsetDateTime),
}

/// Why the registry could not be rebuilt from the store.
#[derive(Debug, thiserror::Error)]
pub enum RegistrySourceError {
    /// The store could not be read.
    #[error("reading the stored registry")]
    Store(#[from] CabinetStoreError),
    /// Configuration and stored rows contradict each other.
    #[error("building the registry")]
    Registry(#[from] RegistryError),
}

/// What the node last loaded from the store, and when it last looked.
#[derive(Debug)]
pub(crate) struct Seen {
    version: AtomicI64,
    checked: Mutex<Option<Instant>>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            version: AtomicI64::new(-1),
            checked: Mutex::new(None),
        }
    }
}

/// Checks an uploaded certificate (PEM or DER) at `now`.
///
/// # Errors
/// The first [`CertificateRefusal`] that applies.
pub fn check_certificate(
    bytes: &[u8],
    now: OffsetDateTime,
) -> Result<CertificateFacts, CertificateRefusal> {
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) if text.trim_start().starts_with("-----BEGIN") => {
            gost::Certificate::from_pem(text)
        }
        _ => gost::Certificate::from_der(bytes),
    };
    let cert = parsed.map_err(|e| CertificateRefusal::Unparsable(e.to_string()))?;
    if !matches!(cert.key_algorithm(), KeyAlgorithm::Gost2012_256 { .. }) {
        let algorithm = format!("{:?}", cert.key_algorithm());
        return Err(CertificateRefusal::NotGost256(algorithm));
    }
    if now > cert.not_after() {
        return Err(CertificateRefusal::Expired(cert.not_after()));
    }
    if now < cert.not_before() {
        return Err(CertificateRefusal::NotYetValid(cert.not_before()));
    }
    Ok(CertificateFacts {
        fingerprint: cert.fingerprint(),
        der: cert.to_der(),
        subject: cert.subject(),
        not_before: cert.not_before(),
        not_after: cert.not_after(),
    })
}

/// Compiles a service's schema files.
///
/// # Errors
/// Every message of the compiler (libxml2 names the unresolved type or
/// import), or why the set is unusable (no entry, duplicate names).
pub fn compile_schema(files: &SchemaFiles) -> Result<xml::SchemaSet, Vec<String>> {
    xml::SchemaSet::compile(&files.entry, &files.files).map_err(|error| match error {
        xml::SchemaError::Compile { messages, .. } => messages,
        other => vec![other.to_string()],
    })
}

/// `base` (the configuration) plus the stored systems and services.
/// Services without an uploaded schema are not part of the exchange yet.
///
/// # Errors
/// [`RegistryError`] when stored rows clash with the configuration.
pub fn combine(base: &Registry, stored: &StoredRegistry) -> Result<Registry, RegistryError> {
    let mut systems = base.systems().to_vec();
    for record in &stored.systems {
        let certificates = record
            .certificates
            .iter()
            .filter_map(|c| gost::Certificate::from_der(&c.der).ok())
            .collect();
        systems.push(InformationSystem {
            mnemonic: record.form.mnemonic.clone(),
            name: record.form.name.clone(),
            certificates,
            signing: None,
        });
    }
    let mut services: Vec<Service> = base.services().cloned().collect();
    for record in &stored.services {
        let Some(files) = &record.schema else {
            continue;
        };
        let schema = match compile_schema(files) {
            Ok(schema) => Arc::new(schema),
            Err(messages) => {
                tracing::warn!(
                    service = record.id,
                    ?messages,
                    "stored schema does not compile"
                );
                continue;
            }
        };
        services.push(Service {
            name: record.form.name.clone(),
            namespace: record.form.namespace.clone(),
            root: record.form.root.clone(),
            provider: record.form.provider.clone(),
            schema,
            personal_signature_required: record.form.personal_signature_required,
        });
    }
    let registry = Registry::new(systems, services)?;
    Ok(registry.with_points(base.points().iter().cloned()))
}

// === impl Node ===

impl Node {
    /// The configured registry (start-up, or the last
    /// [`Node::replace_registry`]), without stored entries.
    pub fn base_registry(&self) -> Arc<Registry> {
        let base = self
            .base_registry
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        base.clone()
    }

    /// Rebuilds the registry from the configuration and the store and swaps
    /// it in.
    ///
    /// # Errors
    /// [`RegistrySourceError`]; the current registry stays then.
    pub async fn reload_registry(&self) -> Result<(), RegistrySourceError> {
        let stored = self.store.stored_registry().await?;
        let points = self.store.integration_points().await?;
        let registry = combine(&self.base_registry(), &stored)?;
        let registry = registry.with_points(points.into_iter().map(|p| p.form));
        self.swap_registry(Arc::new(registry));
        self.registry_seen
            .version
            .store(stored.version, Ordering::SeqCst);
        Ok(())
    }

    /// On the SOAP path: at most once per [`REFRESH_INTERVAL`], compares
    /// `registry_version` with what was loaded and reloads when another node
    /// (or a restart) changed it. Failures are logged; the old registry
    /// stays.
    pub async fn refresh_registry_if_due(&self) {
        if !self.registry_check_due() {
            return;
        }
        let seen = self.registry_seen.version.load(Ordering::SeqCst);
        match self.store.registry_version().await {
            Ok(current) if current == seen => {}
            Ok(_) => {
                if let Err(error) = self.reload_registry().await {
                    tracing::error!(%error, "registry reload failed");
                }
            }
            Err(error) => tracing::error!(%error, "registry version unreadable"),
        }
    }

    fn registry_check_due(&self) -> bool {
        let mut checked = self
            .registry_seen
            .checked
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let due = checked.is_none_or(|last| now.duration_since(last) >= REFRESH_INTERVAL);
        if due {
            *checked = Some(now);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[test]
    fn check_certificate_gost_pem_and_der_give_the_same_facts() {
        let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
        let cert = gost::self_signed(&key, "CHECK01", None, 30);

        let from_pem = check_certificate(cert.to_pem().as_bytes(), now()).unwrap();
        let from_der = check_certificate(cert.as_der(), now()).unwrap();

        assert_eq!(from_pem, from_der);
        assert_eq!(from_der.fingerprint, cert.fingerprint());
        assert_eq!(from_der.der, cert.to_der());
    }

    #[test]
    fn check_certificate_before_and_after_validity_is_refused() {
        let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
        let cert = gost::self_signed(&key, "CHECK02", None, 30);
        let later = cert.not_after() + time::Duration::seconds(1);
        let earlier = cert.not_before() - time::Duration::seconds(1);

        let expired = check_certificate(cert.as_der(), later);
        let early = check_certificate(cert.as_der(), earlier);

        assert_eq!(expired, Err(CertificateRefusal::Expired(cert.not_after())));
        assert_eq!(
            early,
            Err(CertificateRefusal::NotYetValid(cert.not_before()))
        );
    }

    #[test]
    fn check_certificate_garbage_is_unparsable() {
        let refused = check_certificate(b"not a certificate", now());
        assert!(matches!(refused, Err(CertificateRefusal::Unparsable(_))));
    }

    #[test]
    fn compile_schema_unresolved_type_names_it() {
        let xsd = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
            xmlns:t="urn:t" targetNamespace="urn:t">
            <xs:element name="A" type="t:Nowhere"/></xs:schema>"#;
        let files = SchemaFiles {
            entry: "a.xsd".into(),
            files: vec![("a.xsd".into(), xsd.as_bytes().to_vec())],
        };

        let messages = compile_schema(&files).err().unwrap();

        assert!(
            messages.iter().any(|m| m.contains("Nowhere")),
            "{messages:?}"
        );
    }

    #[test]
    fn combine_stored_system_joins_and_schemaless_service_waits() {
        let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
        let cert = gost::self_signed(&key, "STORED01", None, 30);
        let facts = check_certificate(cert.as_der(), now()).unwrap();
        let system = store::registry::SystemRecord {
            form: cabinet::SystemForm {
                mnemonic: "STORED01".into(),
                name: "stored".into(),
                kind: "consumer".into(),
            },
            version: 2,
            certificates: vec![facts],
            created_at: now(),
        };
        let service = store::registry::ServiceRecord {
            id: 1,
            version: 1,
            form: cabinet::ServiceForm {
                namespace: "urn:x".into(),
                root: "X".into(),
                provider: "STORED01".into(),
                ..cabinet::ServiceForm::default()
            },
            schema: None,
            created_at: now(),
        };
        let stored = StoredRegistry {
            version: 3,
            systems: vec![system],
            services: vec![service],
        };

        let registry = combine(&Registry::default(), &stored).unwrap();

        let found = registry.system_by_certificate(cert.as_der()).unwrap();
        assert_eq!(found.mnemonic, "STORED01");
        assert!(registry.service("urn:x", "X").is_none());
    }
}
