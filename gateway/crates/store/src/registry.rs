//! Storage of the run-time registry: information systems with their
//! certificates, services with their schema files, and the
//! `registry_version` counter other nodes poll, on both backends.
//!
//! # Rules
//!
//! - Forms are validated before anything is written
//!   ([`CabinetStoreError::Invalid`]).
//! - Systems and services carry a version; a change names the version it
//!   was based on, as for the cabinet ([`CabinetStoreError::Conflict`]).
//!   Adding or removing a certificate moves its system's version, uploading
//!   a schema moves its service's version.
//! - Every change writes its audit entry and bumps `registry_version` in
//!   the same transaction.
//! - A certificate (by fingerprint) belongs to one system at most
//!   ([`CabinetStoreError::AlreadyExists`] of kind `Certificate`).
//!
//! Backends: `sqlite::registry` and `postgres::registry`.

use cabinet::audit::AuditContext;
use cabinet::{registry, ObjectKind};
use cabinet::{AuditAction, AuditEntry, CertificateFacts, SchemaFiles, ServiceForm, SystemForm};
use time::OffsetDateTime;

use crate::cabinet::CabinetStoreError;
use crate::Store;

type Result<T> = std::result::Result<T, CabinetStoreError>;

/// A stored information system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemRecord {
    /// Mnemonic, name and kind.
    pub form: SystemForm,
    /// Current version.
    pub version: i64,
    /// Its certificates, oldest first.
    pub certificates: Vec<CertificateFacts>,
    /// When it was registered.
    pub created_at: OffsetDateTime,
}

/// A stored service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    /// Row id.
    pub id: i64,
    /// Current version.
    pub version: i64,
    /// What it is.
    pub form: ServiceForm,
    /// Its payload schema, once uploaded.
    pub schema: Option<SchemaFiles>,
    /// When it was registered.
    pub created_at: OffsetDateTime,
}

/// Everything stored, read in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredRegistry {
    /// The `registry_version` this content belongs to.
    pub version: i64,
    /// Systems, by mnemonic.
    pub systems: Vec<SystemRecord>,
    /// Services, by id.
    pub services: Vec<ServiceRecord>,
}

/// Which rows a backend reads.
#[derive(Debug, Clone)]
pub(crate) enum Select {
    /// Everything.
    All,
    /// One system (no services).
    System(String),
    /// One service (no systems).
    Service(i64),
}

/// A change to one stored system, applied by a backend.
#[derive(Debug, Clone)]
pub(crate) enum SystemChange {
    /// Replace name and kind.
    Describe(SystemForm),
    /// Add a certificate.
    AddCertificate(CertificateFacts),
    /// Remove the certificate with this fingerprint.
    RemoveCertificate(String),
    /// Remove the system and its certificates.
    Delete,
}

/// What [`Store::change_service`] does to one stored service.
#[derive(Debug, Clone)]
pub enum ServiceChange {
    /// Replace the description (namespace and root included).
    Describe(ServiceForm),
    /// Replace the schema files (compiled by the caller beforehand).
    Schema(SchemaFiles),
    /// Remove the service.
    Delete,
}

// === impl Store ===

impl Store {
    /// The `registry_version` counter: up by one with every change.
    ///
    /// # Errors
    /// A backend error.
    pub async fn registry_version(&self) -> Result<i64> {
        match self {
            Store::Sqlite(store) => store.registry_version().await,
            Store::Postgres(store) => store.registry_version().await,
        }
    }

    /// Every stored system and service with the version they belong to.
    ///
    /// # Errors
    /// A backend error.
    pub async fn stored_registry(&self) -> Result<StoredRegistry> {
        self.select(Select::All).await
    }

    /// The stored system `mnemonic`.
    ///
    /// # Errors
    /// A backend error.
    pub async fn stored_system(&self, mnemonic: &str) -> Result<Option<SystemRecord>> {
        let selected = self.select(Select::System(mnemonic.to_owned())).await?;
        Ok(selected.systems.into_iter().next())
    }

    /// The stored service `id`.
    ///
    /// # Errors
    /// A backend error.
    pub async fn stored_service(&self, id: i64) -> Result<Option<ServiceRecord>> {
        let selected = self.select(Select::Service(id)).await?;
        Ok(selected.services.into_iter().next())
    }

    /// Registers a system at version 1, without certificates.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], [`CabinetStoreError::AlreadyExists`],
    /// or a backend error.
    pub async fn create_system(
        &self,
        form: &SystemForm,
        context: &AuditContext,
    ) -> Result<SystemRecord> {
        form.validate().map_err(CabinetStoreError::Invalid)?;
        let (form, context) = (form.clone(), context.clone());
        match self {
            Store::Sqlite(store) => store.create_system(form, context).await,
            Store::Postgres(store) => store.create_system(form, context).await,
        }
    }

    /// Replaces a system's name and kind (the mnemonic stays).
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], `NotFound`, `Conflict`, or a backend error.
    pub async fn update_system(
        &self,
        mnemonic: &str,
        form: &SystemForm,
        expected: i64,
        context: &AuditContext,
    ) -> Result<Option<SystemRecord>> {
        let form = SystemForm {
            mnemonic: mnemonic.to_owned(),
            ..form.clone()
        };
        form.validate().map_err(CabinetStoreError::Invalid)?;
        let change = SystemChange::Describe(form);
        self.change_system(mnemonic, change, Some(expected), context)
            .await
    }

    /// Applies `change` to system `mnemonic`; the system afterwards, or
    /// `None` once deleted. Without `expected` the current version is used.
    ///
    /// # Errors
    /// `NotFound` (system or certificate), `Conflict`, `AlreadyExists` (a
    /// certificate of another system), or a backend error.
    pub(crate) async fn change_system(
        &self,
        mnemonic: &str,
        change: SystemChange,
        expected: Option<i64>,
        context: &AuditContext,
    ) -> Result<Option<SystemRecord>> {
        let (mnemonic, context) = (mnemonic.to_owned(), context.clone());
        match self {
            Store::Sqlite(store) => {
                store
                    .change_system(mnemonic, change, expected, context)
                    .await
            }
            Store::Postgres(store) => {
                store
                    .change_system(mnemonic, change, expected, context)
                    .await
            }
        }
    }

    /// Removes system `mnemonic` and its certificates.
    ///
    /// # Errors
    /// `NotFound`, `Conflict`, or a backend error.
    pub async fn delete_system(
        &self,
        mnemonic: &str,
        expected: i64,
        context: &AuditContext,
    ) -> Result<()> {
        let change = SystemChange::Delete;
        self.change_system(mnemonic, change, Some(expected), context)
            .await?;
        Ok(())
    }

    /// Adds a checked certificate to system `mnemonic` (again: no change).
    ///
    /// # Errors
    /// `NotFound`, `AlreadyExists` when another system has it, or a backend
    /// error.
    pub async fn add_certificate(
        &self,
        mnemonic: &str,
        certificate: CertificateFacts,
        context: &AuditContext,
    ) -> Result<SystemRecord> {
        let change = SystemChange::AddCertificate(certificate);
        let record = self.change_system(mnemonic, change, None, context).await?;
        record.ok_or_else(|| CabinetStoreError::not_found(ObjectKind::InformationSystem, mnemonic))
    }

    /// Removes the certificate `fingerprint` from system `mnemonic`.
    ///
    /// # Errors
    /// `NotFound` (system or certificate), or a backend error.
    pub async fn remove_certificate(
        &self,
        mnemonic: &str,
        fingerprint: &str,
        context: &AuditContext,
    ) -> Result<SystemRecord> {
        let change = SystemChange::RemoveCertificate(fingerprint.to_owned());
        let record = self.change_system(mnemonic, change, None, context).await?;
        record.ok_or_else(|| CabinetStoreError::not_found(ObjectKind::InformationSystem, mnemonic))
    }

    /// Registers a service at version 1, without a schema.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], `AlreadyExists` (same root QName), or
    /// a backend error.
    pub async fn create_service(
        &self,
        form: &ServiceForm,
        context: &AuditContext,
    ) -> Result<ServiceRecord> {
        form.validate().map_err(CabinetStoreError::Invalid)?;
        let (form, context) = (form.clone(), context.clone());
        match self {
            Store::Sqlite(store) => store.create_service(form, context).await,
            Store::Postgres(store) => store.create_service(form, context).await,
        }
    }

    /// Applies `change` to service `id`; the service afterwards, or `None`
    /// once deleted. Without `expected` the current version is used.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`] (a bad form), `NotFound`, `Conflict`,
    /// `AlreadyExists` (another service has the root QName), or a backend
    /// error.
    pub async fn change_service(
        &self,
        id: i64,
        change: ServiceChange,
        expected: Option<i64>,
        context: &AuditContext,
    ) -> Result<Option<ServiceRecord>> {
        if let ServiceChange::Describe(form) = &change {
            form.validate().map_err(CabinetStoreError::Invalid)?;
        }
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.change_service(id, change, expected, context).await,
            Store::Postgres(store) => store.change_service(id, change, expected, context).await,
        }
    }

    async fn select(&self, select: Select) -> Result<StoredRegistry> {
        match self {
            Store::Sqlite(store) => store.select_registry(select).await,
            Store::Postgres(store) => store.select_registry(select).await,
        }
    }
}

// === impl SystemRecord ===

impl SystemRecord {
    /// The fingerprints of its certificates.
    pub fn fingerprints(&self) -> Vec<String> {
        self.certificates
            .iter()
            .map(|c| c.fingerprint.clone())
            .collect()
    }

    /// Its audit snapshot.
    pub(crate) fn snapshot(&self) -> String {
        registry::system_snapshot(&self.form, &self.fingerprints())
    }
}

// === impl ServiceRecord ===

impl ServiceRecord {
    /// Its audit snapshot.
    pub(crate) fn snapshot(&self) -> String {
        registry::service_snapshot(&self.form, self.schema.as_ref())
    }
}

// === impl SystemChange ===

impl SystemChange {
    /// The audit action of this change.
    pub(crate) fn action(&self) -> AuditAction {
        match self {
            SystemChange::Describe(_) => AuditAction::SystemUpdated,
            SystemChange::AddCertificate(_) => AuditAction::CertificateAdded,
            SystemChange::RemoveCertificate(_) => AuditAction::CertificateRemoved,
            SystemChange::Delete => AuditAction::SystemDeleted,
        }
    }

    /// The system after the change (`None` once deleted), at the next
    /// version; an unknown certificate to remove is `NotFound`.
    pub(crate) fn apply(&self, current: &SystemRecord) -> Result<Option<SystemRecord>> {
        let mut next = current.clone();
        next.version += 1;
        match self {
            SystemChange::Describe(form) => next.form = form.clone(),
            SystemChange::AddCertificate(cert) => next.certificates.push(cert.clone()),
            SystemChange::RemoveCertificate(fingerprint) => {
                let before = next.certificates.len();
                next.certificates.retain(|c| &c.fingerprint != fingerprint);
                if next.certificates.len() == before {
                    let kind = ObjectKind::Certificate;
                    return Err(CabinetStoreError::not_found(kind, fingerprint));
                }
            }
            SystemChange::Delete => return Ok(None),
        }
        Ok(Some(next))
    }
}

// === impl ServiceChange ===

impl ServiceChange {
    /// The audit action of this change.
    pub(crate) fn action(&self) -> AuditAction {
        match self {
            ServiceChange::Describe(_) => AuditAction::ServiceUpdated,
            ServiceChange::Schema(_) => AuditAction::ServiceSchemaSet,
            ServiceChange::Delete => AuditAction::ServiceDeleted,
        }
    }

    /// The service after the change (`None` once deleted), next version.
    pub(crate) fn apply(&self, current: &ServiceRecord) -> Option<ServiceRecord> {
        let mut next = current.clone();
        next.version += 1;
        match self {
            ServiceChange::Describe(form) => next.form = form.clone(),
            ServiceChange::Schema(files) => next.schema = Some(files.clone()),
            ServiceChange::Delete => return None,
        }
        Some(next)
    }
}

/// The audit entry of a change from `before` to `after` (snapshots).
pub(crate) fn audit_entry(
    context: &AuditContext,
    action: AuditAction,
    id: impl Into<String>,
    before: Option<String>,
    after: Option<String>,
) -> AuditEntry {
    AuditEntry::new(context, action, id, before, after)
}

/// The conflict of a change based on `expected` when `current` is stored.
pub(crate) fn check_version(
    kind: ObjectKind,
    id: &str,
    expected: Option<i64>,
    current: i64,
) -> Result<()> {
    match expected {
        Some(expected) if expected != current => Err(CabinetStoreError::Conflict {
            kind,
            id: id.to_owned(),
            expected,
            current,
        }),
        _ => Ok(()),
    }
}
