//! The registry tables on PostgreSQL: every change one transaction that
//! locks `registry_version` first (so changes from several nodes queue up),
//! checks the row's version, writes, appends its audit entry and bumps the
//! counter.

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, AuditEntry, CertificateFacts, ObjectKind, SchemaFiles};
use cabinet::{ServiceForm, SystemForm};
use deadpool_postgres::Transaction;
use tokio_postgres::GenericClient;

use super::cabinet::insert_audit;
use super::PgStore;
use crate::cabinet::CabinetStoreError;
use crate::error::StoreError;
use crate::registry::{
    audit_entry, check_version, Select, ServiceChange, ServiceRecord, StoredRegistry, SystemChange,
    SystemRecord,
};

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const LOCK_VERSION: &str = "SELECT version FROM registry_version WHERE id = 1 FOR UPDATE";

const SELECT_SYSTEMS: &str = "
SELECT mnemonic, name, kind, version, created_at FROM registry_systems
WHERE $1::text IS NULL OR mnemonic = $1 ORDER BY mnemonic";

const SELECT_CERTIFICATES: &str = "
SELECT system, fingerprint, der, subject, not_before, not_after FROM registry_certificates
WHERE $1::text IS NULL OR system = $1 ORDER BY not_before, fingerprint";

const SELECT_SERVICES: &str = "
SELECT id, version, namespace, root, name, description, regulation_text, regulation_link,
    provider, format, personal_signature_required, attachment_signature_required,
    schema_entry, created_at
FROM registry_services WHERE $1::bigint IS NULL OR id = $1 ORDER BY id";

const INSERT_SERVICE: &str = "
INSERT INTO registry_services (namespace, root, name, description, regulation_text,
    regulation_link, provider, format, personal_signature_required,
    attachment_signature_required, version, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)
RETURNING id";

const UPDATE_SERVICE: &str = "
UPDATE registry_services SET namespace = $2, root = $3, name = $4, description = $5,
    regulation_text = $6, regulation_link = $7, provider = $8, format = $9,
    personal_signature_required = $10, attachment_signature_required = $11
WHERE id = $1";

// === impl PgStore ===

impl PgStore {
    pub(crate) async fn registry_version(&self) -> Result<i64> {
        let client = self.client().await?;
        Ok(read_version(&**client).await?)
    }

    pub(crate) async fn select_registry(&self, select: Select) -> Result<StoredRegistry> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let selected = select_all(&*tx, &select).await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("ending registry read"))?;
        Ok(selected)
    }

    pub(crate) async fn create_system(
        &self,
        form: SystemForm,
        context: AuditContext,
    ) -> Result<SystemRecord> {
        let mut client = self.client().await?;
        let tx = begin_change(&mut client).await?;
        let inserted = tx
            .execute(
                "INSERT INTO registry_systems (mnemonic, name, kind, version, created_at)
                 VALUES ($1, $2, $3, 1, $4) ON CONFLICT (mnemonic) DO NOTHING",
                &[&form.mnemonic, &form.name, &form.kind, &context.at],
            )
            .await
            .map_err(StoreError::postgres("inserting system"))?;
        if inserted == 0 {
            let kind = ObjectKind::InformationSystem;
            return Err(CabinetStoreError::AlreadyExists {
                kind,
                id: form.mnemonic,
            });
        }
        let record = SystemRecord {
            form,
            version: 1,
            certificates: Vec::new(),
            created_at: context.at,
        };
        let id = record.form.mnemonic.clone();
        let after = Some(record.snapshot());
        let entry = audit_entry(&context, AuditAction::SystemCreated, id, None, after);
        finish(tx, &entry).await?;
        Ok(record)
    }

    pub(crate) async fn change_system(
        &self,
        mnemonic: String,
        change: SystemChange,
        expected: Option<i64>,
        context: AuditContext,
    ) -> Result<Option<SystemRecord>> {
        let mut client = self.client().await?;
        let tx = begin_change(&mut client).await?;
        let kind = ObjectKind::InformationSystem;
        let current = select_all(&*tx, &Select::System(mnemonic.clone()))
            .await?
            .systems
            .pop()
            .ok_or_else(|| CabinetStoreError::not_found(kind, &mnemonic))?;
        check_version(kind, &mnemonic, expected, current.version)?;
        if let SystemChange::AddCertificate(cert) = &change {
            if current
                .certificates
                .iter()
                .any(|c| c.fingerprint == cert.fingerprint)
            {
                return Ok(Some(current));
            }
        }
        let next = change.apply(&current)?;
        write_system_change(&tx, &mnemonic, &change, current.version + 1).await?;
        let after = next.as_ref().map(SystemRecord::snapshot);
        let before = Some(current.snapshot());
        let entry = audit_entry(&context, change.action(), mnemonic, before, after);
        finish(tx, &entry).await?;
        Ok(next)
    }

    pub(crate) async fn create_service(
        &self,
        form: ServiceForm,
        context: AuditContext,
    ) -> Result<ServiceRecord> {
        let mut client = self.client().await?;
        let tx = begin_change(&mut client).await?;
        refuse_taken_root(&tx, &form, None).await?;
        let row = tx
            .query_one(
                INSERT_SERVICE,
                &[
                    &form.namespace,
                    &form.root,
                    &form.name,
                    &form.description,
                    &form.regulation_text,
                    &form.regulation_link,
                    &form.provider,
                    &form.format,
                    &form.personal_signature_required,
                    &form.attachment_signature_required,
                    &context.at,
                ],
            )
            .await
            .map_err(StoreError::postgres("inserting service"))?;
        let id: i64 = row.get(0);
        let record = ServiceRecord {
            id,
            version: 1,
            form,
            schema: None,
            created_at: context.at,
        };
        let after = Some(record.snapshot());
        let action = AuditAction::ServiceCreated;
        finish(
            tx,
            &audit_entry(&context, action, id.to_string(), None, after),
        )
        .await?;
        Ok(record)
    }

    pub(crate) async fn change_service(
        &self,
        id: i64,
        change: ServiceChange,
        expected: Option<i64>,
        context: AuditContext,
    ) -> Result<Option<ServiceRecord>> {
        let mut client = self.client().await?;
        let tx = begin_change(&mut client).await?;
        let kind = ObjectKind::Service;
        let current = select_all(&*tx, &Select::Service(id))
            .await?
            .services
            .pop()
            .ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
        check_version(kind, &id.to_string(), expected, current.version)?;
        if let ServiceChange::Describe(form) = &change {
            refuse_taken_root(&tx, form, Some(id)).await?;
        }
        let next = change.apply(&current);
        write_service_change(&tx, id, &change, current.version + 1).await?;
        let after = next.as_ref().map(ServiceRecord::snapshot);
        let before = Some(current.snapshot());
        let entry = audit_entry(&context, change.action(), id.to_string(), before, after);
        finish(tx, &entry).await?;
        Ok(next)
    }
}

async fn begin(client: &mut deadpool_postgres::Object) -> SqlResult<Transaction<'_>> {
    client
        .transaction()
        .await
        .map_err(StoreError::postgres("beginning registry transaction"))
}

/// A transaction holding the `registry_version` row: one change at a time.
pub(super) async fn begin_change(
    client: &mut deadpool_postgres::Object,
) -> SqlResult<Transaction<'_>> {
    let tx = begin(client).await?;
    tx.execute(LOCK_VERSION, &[])
        .await
        .map_err(StoreError::postgres("locking registry version"))?;
    Ok(tx)
}

/// Writes the audit entry, bumps `registry_version` and commits.
pub(super) async fn finish(tx: Transaction<'_>, entry: &AuditEntry) -> Result<()> {
    insert_audit(&tx, entry).await?;
    tx.execute(
        "UPDATE registry_version SET version = version + 1 WHERE id = 1",
        &[],
    )
    .await
    .map_err(StoreError::postgres("bumping registry version"))?;
    tx.commit()
        .await
        .map_err(StoreError::postgres("committing registry change"))?;
    Ok(())
}

async fn write_system_change(
    tx: &Transaction<'_>,
    mnemonic: &str,
    change: &SystemChange,
    version: i64,
) -> Result<()> {
    let result = match change {
        SystemChange::Describe(form) => {
            tx.execute(
                "UPDATE registry_systems SET name = $2, kind = $3 WHERE mnemonic = $1",
                &[&mnemonic, &form.name, &form.kind],
            )
            .await
        }
        SystemChange::AddCertificate(cert) => {
            let inserted = tx
                .execute(
                    "INSERT INTO registry_certificates
                         (fingerprint, system, der, subject, not_before, not_after)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (fingerprint) DO NOTHING",
                    &[
                        &cert.fingerprint,
                        &mnemonic,
                        &cert.der,
                        &cert.subject,
                        &cert.not_before,
                        &cert.not_after,
                    ],
                )
                .await
                .map_err(StoreError::postgres("adding certificate"))?;
            if inserted == 0 {
                let kind = ObjectKind::Certificate;
                let id = cert.fingerprint.clone();
                return Err(CabinetStoreError::AlreadyExists { kind, id });
            }
            Ok(inserted)
        }
        SystemChange::RemoveCertificate(fingerprint) => {
            tx.execute(
                "DELETE FROM registry_certificates WHERE fingerprint = $1 AND system = $2",
                &[fingerprint, &mnemonic],
            )
            .await
        }
        SystemChange::Delete => {
            tx.execute(
                "DELETE FROM registry_systems WHERE mnemonic = $1",
                &[&mnemonic],
            )
            .await
        }
    };
    result.map_err(StoreError::postgres("changing system"))?;
    tx.execute(
        "UPDATE registry_systems SET version = $2 WHERE mnemonic = $1",
        &[&mnemonic, &version],
    )
    .await
    .map_err(StoreError::postgres("versioning system"))?;
    Ok(())
}

async fn write_service_change(
    tx: &Transaction<'_>,
    id: i64,
    change: &ServiceChange,
    version: i64,
) -> SqlResult<()> {
    match change {
        ServiceChange::Describe(form) => {
            tx.execute(
                UPDATE_SERVICE,
                &[
                    &id,
                    &form.namespace,
                    &form.root,
                    &form.name,
                    &form.description,
                    &form.regulation_text,
                    &form.regulation_link,
                    &form.provider,
                    &form.format,
                    &form.personal_signature_required,
                    &form.attachment_signature_required,
                ],
            )
            .await
            .map_err(StoreError::postgres("changing service"))?;
        }
        ServiceChange::Schema(files) => write_schema(tx, id, files).await?,
        ServiceChange::Delete => {
            tx.execute("DELETE FROM registry_services WHERE id = $1", &[&id])
                .await
                .map_err(StoreError::postgres("deleting service"))?;
        }
    }
    tx.execute(
        "UPDATE registry_services SET version = $2 WHERE id = $1",
        &[&id, &version],
    )
    .await
    .map_err(StoreError::postgres("versioning service"))?;
    Ok(())
}

async fn write_schema(tx: &Transaction<'_>, id: i64, files: &SchemaFiles) -> SqlResult<()> {
    tx.execute(
        "DELETE FROM registry_schema_files WHERE service = $1",
        &[&id],
    )
    .await
    .map_err(StoreError::postgres("clearing schema files"))?;
    for (name, content) in &files.files {
        tx.execute(
            "INSERT INTO registry_schema_files (service, name, content) VALUES ($1, $2, $3)",
            &[&id, name, content],
        )
        .await
        .map_err(StoreError::postgres("writing schema file"))?;
    }
    tx.execute(
        "UPDATE registry_services SET schema_entry = $2 WHERE id = $1",
        &[&id, &files.entry],
    )
    .await
    .map_err(StoreError::postgres("setting schema entry"))?;
    Ok(())
}

/// `AlreadyExists` when another service has `form`'s root QName.
async fn refuse_taken_root(
    tx: &Transaction<'_>,
    form: &ServiceForm,
    except: Option<i64>,
) -> Result<()> {
    let other = tx
        .query_opt(
            "SELECT id FROM registry_services
             WHERE namespace = $1 AND root = $2 AND id IS DISTINCT FROM $3",
            &[&form.namespace, &form.root, &except],
        )
        .await
        .map_err(StoreError::postgres("finding service root"))?;
    match other {
        Some(_) => Err(CabinetStoreError::AlreadyExists {
            kind: ObjectKind::Service,
            id: format!("{{{}}}{}", form.namespace, form.root),
        }),
        None => Ok(()),
    }
}

async fn read_version<C: GenericClient>(client: &C) -> SqlResult<i64> {
    let row = client
        .query_one("SELECT version FROM registry_version WHERE id = 1", &[])
        .await
        .map_err(StoreError::postgres("reading registry version"))?;
    Ok(row.get(0))
}

async fn select_all<C: GenericClient>(client: &C, select: &Select) -> SqlResult<StoredRegistry> {
    let version = read_version(client).await?;
    let (systems, services) = match select {
        Select::All => (
            select_systems(client, None).await?,
            select_services(client, None).await?,
        ),
        Select::System(m) => (select_systems(client, Some(m)).await?, Vec::new()),
        Select::Service(id) => (Vec::new(), select_services(client, Some(*id)).await?),
    };
    Ok(StoredRegistry {
        version,
        systems,
        services,
    })
}

async fn select_systems<C: GenericClient>(
    client: &C,
    only: Option<&String>,
) -> SqlResult<Vec<SystemRecord>> {
    let rows = client
        .query(SELECT_SYSTEMS, &[&only])
        .await
        .map_err(StoreError::postgres("reading systems"))?;
    let mut systems: Vec<SystemRecord> = rows
        .iter()
        .map(|row| SystemRecord {
            form: SystemForm {
                mnemonic: row.get(0),
                name: row.get(1),
                kind: row.get(2),
            },
            version: row.get(3),
            certificates: Vec::new(),
            created_at: row.get(4),
        })
        .collect();
    let rows = client
        .query(SELECT_CERTIFICATES, &[&only])
        .await
        .map_err(StoreError::postgres("reading certificates"))?;
    for row in rows {
        let owner: String = row.get(0);
        let cert = CertificateFacts {
            fingerprint: row.get(1),
            der: row.get(2),
            subject: row.get(3),
            not_before: row.get(4),
            not_after: row.get(5),
        };
        if let Some(system) = systems.iter_mut().find(|s| s.form.mnemonic == owner) {
            system.certificates.push(cert);
        }
    }
    Ok(systems)
}

async fn select_services<C: GenericClient>(
    client: &C,
    only: Option<i64>,
) -> SqlResult<Vec<ServiceRecord>> {
    let rows = client
        .query(SELECT_SERVICES, &[&only])
        .await
        .map_err(StoreError::postgres("reading services"))?;
    let mut services = Vec::new();
    for row in rows {
        let id: i64 = row.get(0);
        let entry: Option<String> = row.get(12);
        let schema = match entry {
            Some(entry) => Some(SchemaFiles {
                entry,
                files: select_files(client, id).await?,
            }),
            None => None,
        };
        services.push(ServiceRecord {
            id,
            version: row.get(1),
            form: ServiceForm {
                namespace: row.get(2),
                root: row.get(3),
                name: row.get(4),
                description: row.get(5),
                regulation_text: row.get(6),
                regulation_link: row.get(7),
                provider: row.get(8),
                format: row.get(9),
                personal_signature_required: row.get(10),
                attachment_signature_required: row.get(11),
            },
            schema,
            created_at: row.get(13),
        });
    }
    Ok(services)
}

async fn select_files<C: GenericClient>(client: &C, id: i64) -> SqlResult<Vec<(String, Vec<u8>)>> {
    let rows = client
        .query(
            "SELECT name, content FROM registry_schema_files WHERE service = $1 ORDER BY name",
            &[&id],
        )
        .await
        .map_err(StoreError::postgres("reading schema files"))?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}
