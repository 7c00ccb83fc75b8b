//! Who takes part: registered information systems (ИС) with their
//! certificates, and business message types (ВС) with their provider and
//! payload schema.
//!
//! Invariant: a certificate identifies at most one ИС, and a root QName
//! names at most one ВС. The registry is immutable once built; a changed
//! configuration builds a new one.

use std::collections::HashMap;
use std::sync::Arc;

/// A registered information system.
#[derive(Debug, Clone)]
pub struct InformationSystem {
    /// The mnemonic SMEV writes into MessageMetadata.
    pub mnemonic: String,
    /// Human-readable name.
    pub name: String,
    /// Certificates that identify this system's ЭП-ОВ.
    pub certificates: Vec<gost::Certificate>,
    /// The system's own key and certificate, when the node signs on its
    /// behalf (requests sent through the integration REST API).
    pub signing: Option<Arc<SigningIdentity>>,
}

/// A private key with the certificate that vouches for it.
pub type SigningIdentity = (gost::SigningKey, gost::Certificate);

/// A registered business message type.
#[derive(Clone)]
pub struct Service {
    /// Human-readable name.
    pub name: String,
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
    /// Mnemonic of the providing system.
    pub provider: String,
    /// Compiled payload schema (requests and responses of this type).
    pub schema: Arc<xml::SchemaSet>,
    /// Whether a request must carry a personal signature (ЭП-СП,
    /// `PersonalSignature` in SenderProvidedRequestData); one without it is
    /// refused with `InvalidContent` before it is queued.
    pub personal_signature_required: bool,
}

/// All participants of one node.
#[derive(Default, Clone)]
pub struct Registry {
    systems: Vec<InformationSystem>,
    by_certificate: HashMap<Vec<u8>, usize>,
    services: HashMap<(String, String), Service>,
    points: Vec<cabinet::PointForm>,
}

/// Why a registry could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Two systems share a mnemonic.
    #[error("system `{0}` is registered twice")]
    DuplicateSystem(String),
    /// One certificate is registered for two systems.
    #[error("a certificate of `{second}` is already registered for `{first}`")]
    SharedCertificate { first: String, second: String },
    /// Two services share a root QName.
    #[error("service {{{namespace}}}{root} is registered twice")]
    DuplicateService { namespace: String, root: String },
    /// A service names an unknown provider.
    #[error("service {{{namespace}}}{root} names unknown provider `{provider}`")]
    UnknownProvider {
        namespace: String,
        root: String,
        provider: String,
    },
}

// === impl Registry ===

impl Registry {
    /// Builds a registry, checking its invariants.
    ///
    /// # Errors
    /// [`RegistryError`] for duplicates and dangling providers.
    pub fn new(
        systems: Vec<InformationSystem>,
        services: Vec<Service>,
    ) -> Result<Registry, RegistryError> {
        let mut registry = Registry::default();
        for system in systems {
            registry.add_system(system)?;
        }
        for service in services {
            registry.add_service(service)?;
        }
        Ok(registry)
    }

    fn add_system(&mut self, system: InformationSystem) -> Result<(), RegistryError> {
        if self.system(&system.mnemonic).is_some() {
            return Err(RegistryError::DuplicateSystem(system.mnemonic));
        }
        let index = self.systems.len();
        for cert in &system.certificates {
            let der = cert.to_der();
            if let Some(&other) = self.by_certificate.get(&der) {
                return Err(RegistryError::SharedCertificate {
                    first: self.systems[other].mnemonic.clone(),
                    second: system.mnemonic.clone(),
                });
            }
            self.by_certificate.insert(der, index);
        }
        self.systems.push(system);
        Ok(())
    }

    fn add_service(&mut self, service: Service) -> Result<(), RegistryError> {
        if self.system(&service.provider).is_none() {
            return Err(RegistryError::UnknownProvider {
                namespace: service.namespace,
                root: service.root,
                provider: service.provider,
            });
        }
        let key = (service.namespace.clone(), service.root.clone());
        if self.services.contains_key(&key) {
            return Err(RegistryError::DuplicateService {
                namespace: service.namespace,
                root: service.root,
            });
        }
        self.services.insert(key, service);
        Ok(())
    }

    /// The system with this mnemonic.
    pub fn system(&self, mnemonic: &str) -> Option<&InformationSystem> {
        self.systems.iter().find(|s| s.mnemonic == mnemonic)
    }

    /// The system a certificate (DER) identifies.
    pub fn system_by_certificate(&self, der: &[u8]) -> Option<&InformationSystem> {
        self.by_certificate.get(der).map(|&i| &self.systems[i])
    }

    /// The service whose request root is `{namespace}local`.
    pub fn service(&self, namespace: &str, local: &str) -> Option<&Service> {
        self.services.get(&(namespace.to_owned(), local.to_owned()))
    }

    /// Every registered system.
    pub fn systems(&self) -> &[InformationSystem] {
        &self.systems
    }

    /// Every registered service.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values()
    }

    /// The same registry with `points` added; a point for the same system
    /// and service as an earlier one replaces it (stored points come after
    /// configured ones, so the cabinet overrides the file).
    pub fn with_points(mut self, points: impl IntoIterator<Item = cabinet::PointForm>) -> Self {
        for point in points {
            let same =
                |p: &cabinet::PointForm| p.system == point.system && p.service == point.service;
            self.points.retain(|p| !same(p));
            self.points.push(point);
        }
        self
    }

    /// Every integration point (issue #3).
    pub fn points(&self) -> &[cabinet::PointForm] {
        &self.points
    }

    /// The point that decides who takes a message of `system` with payload
    /// root `{namespace}root` out: the most specific one (a point of that
    /// service wins over one for every service); `None` means the ИС polls.
    pub fn point_for(
        &self,
        system: &str,
        namespace: &str,
        root: &str,
    ) -> Option<&cabinet::PointForm> {
        self.points
            .iter()
            .filter(|p| p.covers(system, namespace, root))
            .max_by_key(|p| cabinet::PointService::specificity(p.service.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use cabinet::{PointForm, PointKind, PointService};

    use super::*;

    fn echo() -> PointService {
        PointService {
            namespace: "urn:echo".into(),
            root: "EchoRequest".into(),
        }
    }

    #[test]
    fn point_for_service_point_wins_over_catch_all() {
        let catch_all = PointForm::new("P01", PointKind::Push, "http://a");
        let only_echo = PointForm {
            service: Some(echo()),
            ..PointForm::new("P01", PointKind::Queue, "")
        };
        let registry = Registry::default().with_points([catch_all, only_echo]);

        let echo_point = registry
            .point_for("P01", "urn:echo", "EchoRequest")
            .unwrap();
        let other_point = registry.point_for("P01", "urn:other", "Other").unwrap();

        assert_eq!(echo_point.kind, PointKind::Queue, "the ИС polls for echo");
        assert_eq!(other_point.kind, PointKind::Push);
        assert!(registry
            .point_for("P02", "urn:echo", "EchoRequest")
            .is_none());
    }

    #[test]
    fn with_points_later_point_of_same_system_and_service_replaces() {
        let configured = PointForm::new("P01", PointKind::Push, "http://configured");
        let stored = PointForm::new("P01", PointKind::Upstream, "http://stored/ws");
        let registry = Registry::default()
            .with_points([configured])
            .with_points([stored]);

        assert_eq!(registry.points().len(), 1);
        let point = registry.point_for("P01", "urn:any", "Any").unwrap();
        assert_eq!(point.url, "http://stored/ws");
    }
}
