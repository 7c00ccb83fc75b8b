//! The registry tables on SQLite: every change one `BEGIN IMMEDIATE`
//! transaction holding the version check, the write, its audit entry and
//! the `registry_version` bump.

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, CertificateFacts, ObjectKind, SchemaFiles, ServiceForm, SystemForm};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::cabinet::insert_audit;
use super::{begin_write, from_micros, to_micros, SqliteStore};
use crate::cabinet::CabinetStoreError;
use crate::error::StoreError;
use crate::registry::{
    audit_entry, check_version, Select, ServiceChange, ServiceRecord, StoredRegistry, SystemChange,
    SystemRecord,
};

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const SERVICE_COLUMNS: &str = "id, version, namespace, root, name, description, \
     regulation_text, regulation_link, provider, format, personal_signature_required, \
     attachment_signature_required, schema_entry, created_at";

// === impl SqliteStore ===

impl SqliteStore {
    async fn run_registry<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.call(move |conn| Ok(work(conn))).await?
    }

    pub(crate) async fn registry_version(&self) -> Result<i64> {
        self.run_registry(|conn| Ok(read_version(conn)?)).await
    }

    pub(crate) async fn select_registry(&self, select: Select) -> Result<StoredRegistry> {
        self.run_registry(move |conn| Ok(select_all(conn, &select)?))
            .await
    }

    pub(crate) async fn create_system(
        &self,
        form: SystemForm,
        context: AuditContext,
    ) -> Result<SystemRecord> {
        self.run_registry(move |conn| {
            let tx = begin_write(conn)?;
            let taken = select_all(&tx, &Select::System(form.mnemonic.clone()))?;
            if !taken.systems.is_empty() {
                let kind = ObjectKind::InformationSystem;
                return Err(CabinetStoreError::AlreadyExists {
                    kind,
                    id: form.mnemonic,
                });
            }
            tx.execute(
                "INSERT INTO registry_systems (mnemonic, name, kind, version, created_at)
                 VALUES (?1, ?2, ?3, 1, ?4)",
                params![form.mnemonic, form.name, form.kind, to_micros(context.at)],
            )
            .map_err(StoreError::sqlite("inserting system"))?;
            let record = SystemRecord {
                form,
                version: 1,
                certificates: Vec::new(),
                created_at: context.at,
            };
            let action = AuditAction::SystemCreated;
            let id = record.form.mnemonic.clone();
            let entry = audit_entry(&context, action, id, None, Some(record.snapshot()));
            finish(tx, &entry)?;
            Ok(record)
        })
        .await
    }

    pub(crate) async fn change_system(
        &self,
        mnemonic: String,
        change: SystemChange,
        expected: Option<i64>,
        context: AuditContext,
    ) -> Result<Option<SystemRecord>> {
        self.run_registry(move |conn| {
            let tx = begin_write(conn)?;
            let kind = ObjectKind::InformationSystem;
            let current = select_all(&tx, &Select::System(mnemonic.clone()))?
                .systems
                .pop()
                .ok_or_else(|| CabinetStoreError::not_found(kind, &mnemonic))?;
            check_version(kind, &mnemonic, expected, current.version)?;
            if let SystemChange::AddCertificate(cert) = &change {
                match certificate_owner(&tx, &cert.fingerprint)? {
                    Some(owner) if owner == mnemonic => return Ok(Some(current)),
                    Some(_) => {
                        let (kind, id) = (ObjectKind::Certificate, cert.fingerprint.clone());
                        return Err(CabinetStoreError::AlreadyExists { kind, id });
                    }
                    None => {}
                }
            }
            let next = change.apply(&current)?;
            write_system_change(&tx, &mnemonic, &change, current.version + 1)?;
            let after = next.as_ref().map(SystemRecord::snapshot);
            let before = Some(current.snapshot());
            let entry = audit_entry(&context, change.action(), mnemonic, before, after);
            finish(tx, &entry)?;
            Ok(next)
        })
        .await
    }

    pub(crate) async fn create_service(
        &self,
        form: ServiceForm,
        context: AuditContext,
    ) -> Result<ServiceRecord> {
        self.run_registry(move |conn| {
            let tx = begin_write(conn)?;
            refuse_taken_root(&tx, &form, None)?;
            tx.execute(
                "INSERT INTO registry_services (namespace, root, name, description,
                     regulation_text, regulation_link, provider, format,
                     personal_signature_required, attachment_signature_required, version,
                     created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11)",
                params![
                    form.namespace,
                    form.root,
                    form.name,
                    form.description,
                    form.regulation_text,
                    form.regulation_link,
                    form.provider,
                    form.format,
                    form.personal_signature_required,
                    form.attachment_signature_required,
                    to_micros(context.at),
                ],
            )
            .map_err(StoreError::sqlite("inserting service"))?;
            let id = tx.last_insert_rowid();
            let record = ServiceRecord {
                id,
                version: 1,
                form,
                schema: None,
                created_at: context.at,
            };
            let action = AuditAction::ServiceCreated;
            let after = Some(record.snapshot());
            finish(
                tx,
                &audit_entry(&context, action, id.to_string(), None, after),
            )?;
            Ok(record)
        })
        .await
    }

    pub(crate) async fn change_service(
        &self,
        id: i64,
        change: ServiceChange,
        expected: Option<i64>,
        context: AuditContext,
    ) -> Result<Option<ServiceRecord>> {
        self.run_registry(move |conn| {
            let tx = begin_write(conn)?;
            let kind = ObjectKind::Service;
            let current = select_all(&tx, &Select::Service(id))?
                .services
                .pop()
                .ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
            check_version(kind, &id.to_string(), expected, current.version)?;
            if let ServiceChange::Describe(form) = &change {
                refuse_taken_root(&tx, form, Some(id))?;
            }
            let next = change.apply(&current);
            write_service_change(&tx, id, &change, current.version + 1)?;
            let after = next.as_ref().map(ServiceRecord::snapshot);
            let before = Some(current.snapshot());
            let entry = audit_entry(&context, change.action(), id.to_string(), before, after);
            finish(tx, &entry)?;
            Ok(next)
        })
        .await
    }
}

/// Writes the audit entry, bumps `registry_version` and commits.
pub(super) fn finish(tx: Transaction<'_>, entry: &cabinet::AuditEntry) -> Result<()> {
    insert_audit(&tx, entry)?;
    tx.execute(
        "UPDATE registry_version SET version = version + 1 WHERE id = 1",
        [],
    )
    .map_err(StoreError::sqlite("bumping registry version"))?;
    tx.commit()
        .map_err(StoreError::sqlite("committing registry change"))?;
    Ok(())
}

fn write_system_change(
    tx: &Transaction<'_>,
    mnemonic: &str,
    change: &SystemChange,
    version: i64,
) -> SqlResult<()> {
    let fail = StoreError::sqlite("changing system");
    match change {
        SystemChange::Describe(form) => tx.execute(
            "UPDATE registry_systems SET name = ?2, kind = ?3 WHERE mnemonic = ?1",
            params![mnemonic, form.name, form.kind],
        ),
        SystemChange::AddCertificate(cert) => tx.execute(
            "INSERT INTO registry_certificates
                 (fingerprint, system, der, subject, not_before, not_after)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                cert.fingerprint,
                mnemonic,
                cert.der,
                cert.subject,
                to_micros(cert.not_before),
                to_micros(cert.not_after),
            ],
        ),
        SystemChange::RemoveCertificate(fingerprint) => tx.execute(
            "DELETE FROM registry_certificates WHERE fingerprint = ?1 AND system = ?2",
            params![fingerprint, mnemonic],
        ),
        SystemChange::Delete => tx.execute(
            "DELETE FROM registry_systems WHERE mnemonic = ?1",
            params![mnemonic],
        ),
    }
    .map_err(fail)?;
    tx.execute(
        "UPDATE registry_systems SET version = ?2 WHERE mnemonic = ?1",
        params![mnemonic, version],
    )
    .map_err(StoreError::sqlite("versioning system"))?;
    Ok(())
}

fn write_service_change(
    tx: &Transaction<'_>,
    id: i64,
    change: &ServiceChange,
    version: i64,
) -> SqlResult<()> {
    match change {
        ServiceChange::Describe(form) => {
            tx.execute(
                "UPDATE registry_services SET namespace = ?2, root = ?3, name = ?4,
                     description = ?5, regulation_text = ?6, regulation_link = ?7,
                     provider = ?8, format = ?9, personal_signature_required = ?10,
                     attachment_signature_required = ?11
                 WHERE id = ?1",
                params![
                    id,
                    form.namespace,
                    form.root,
                    form.name,
                    form.description,
                    form.regulation_text,
                    form.regulation_link,
                    form.provider,
                    form.format,
                    form.personal_signature_required,
                    form.attachment_signature_required,
                ],
            )
            .map_err(StoreError::sqlite("changing service"))?;
        }
        ServiceChange::Schema(files) => write_schema(tx, id, files)?,
        ServiceChange::Delete => {
            tx.execute("DELETE FROM registry_services WHERE id = ?1", [id])
                .map_err(StoreError::sqlite("deleting service"))?;
        }
    }
    tx.execute(
        "UPDATE registry_services SET version = ?2 WHERE id = ?1",
        params![id, version],
    )
    .map_err(StoreError::sqlite("versioning service"))?;
    Ok(())
}

fn write_schema(tx: &Transaction<'_>, id: i64, files: &SchemaFiles) -> SqlResult<()> {
    let fail = StoreError::sqlite("writing schema files");
    tx.execute("DELETE FROM registry_schema_files WHERE service = ?1", [id])
        .map_err(fail)?;
    for (name, content) in &files.files {
        tx.execute(
            "INSERT INTO registry_schema_files (service, name, content) VALUES (?1, ?2, ?3)",
            params![id, name, content],
        )
        .map_err(StoreError::sqlite("writing schema file"))?;
    }
    tx.execute(
        "UPDATE registry_services SET schema_entry = ?2 WHERE id = ?1",
        params![id, files.entry],
    )
    .map_err(StoreError::sqlite("setting schema entry"))?;
    Ok(())
}

fn certificate_owner(conn: &Connection, fingerprint: &str) -> SqlResult<Option<String>> {
    conn.query_row(
        "SELECT system FROM registry_certificates WHERE fingerprint = ?1",
        [fingerprint],
        |row| row.get(0),
    )
    .optional()
    .map_err(StoreError::sqlite("finding certificate"))
}

/// `AlreadyExists` when another service has `form`'s root QName.
fn refuse_taken_root(conn: &Connection, form: &ServiceForm, except: Option<i64>) -> Result<()> {
    let other: Option<i64> = conn
        .query_row(
            "SELECT id FROM registry_services
             WHERE namespace = ?1 AND root = ?2 AND id IS NOT ?3",
            params![form.namespace, form.root, except],
            |row| row.get(0),
        )
        .optional()
        .map_err(StoreError::sqlite("finding service root"))?;
    match other {
        Some(_) => Err(CabinetStoreError::AlreadyExists {
            kind: ObjectKind::Service,
            id: format!("{{{}}}{}", form.namespace, form.root),
        }),
        None => Ok(()),
    }
}

fn read_version(conn: &Connection) -> SqlResult<i64> {
    conn.query_row(
        "SELECT version FROM registry_version WHERE id = 1",
        [],
        |row| row.get(0),
    )
    .map_err(StoreError::sqlite("reading registry version"))
}

fn select_all(conn: &Connection, select: &Select) -> SqlResult<StoredRegistry> {
    let version = read_version(conn)?;
    let (systems, services) = match select {
        Select::All => (select_systems(conn, None)?, select_services(conn, None)?),
        Select::System(m) => (select_systems(conn, Some(m))?, Vec::new()),
        Select::Service(id) => (Vec::new(), select_services(conn, Some(*id))?),
    };
    Ok(StoredRegistry {
        version,
        systems,
        services,
    })
}

fn select_systems(conn: &Connection, only: Option<&String>) -> SqlResult<Vec<SystemRecord>> {
    let fail = || StoreError::sqlite("reading systems");
    let mut statement = conn
        .prepare(
            "SELECT mnemonic, name, kind, version, created_at FROM registry_systems
             WHERE ?1 IS NULL OR mnemonic = ?1 ORDER BY mnemonic",
        )
        .map_err(fail())?;
    let rows = statement
        .query_map([only], |row| {
            let form = SystemForm {
                mnemonic: row.get(0)?,
                name: row.get(1)?,
                kind: row.get(2)?,
            };
            Ok((form, row.get::<_, i64>(3)?, row.get::<_, i64>(4)?))
        })
        .map_err(fail())?;
    let mut systems = Vec::new();
    for row in rows {
        let (form, version, created_at) = row.map_err(fail())?;
        systems.push(SystemRecord {
            form,
            version,
            certificates: Vec::new(),
            created_at: from_micros(created_at)?,
        });
    }
    for (owner, cert) in select_certificates(conn, only)? {
        if let Some(system) = systems.iter_mut().find(|s| s.form.mnemonic == owner) {
            system.certificates.push(cert);
        }
    }
    Ok(systems)
}

fn select_certificates(
    conn: &Connection,
    only: Option<&String>,
) -> SqlResult<Vec<(String, CertificateFacts)>> {
    let fail = || StoreError::sqlite("reading certificates");
    let mut statement = conn
        .prepare(
            "SELECT system, fingerprint, der, subject, not_before, not_after
             FROM registry_certificates WHERE ?1 IS NULL OR system = ?1
             ORDER BY rowid",
        )
        .map_err(fail())?;
    let rows = statement
        .query_map([only], |row| {
            let times = (row.get::<_, i64>(4)?, row.get::<_, i64>(5)?);
            let facts = (row.get(1)?, row.get(2)?, row.get(3)?);
            Ok((row.get::<_, String>(0)?, facts, times))
        })
        .map_err(fail())?;
    let mut certificates = Vec::new();
    for row in rows {
        let (owner, (fingerprint, der, subject), (before, after)) = row.map_err(fail())?;
        let cert = CertificateFacts {
            fingerprint,
            der,
            subject,
            not_before: from_micros(before)?,
            not_after: from_micros(after)?,
        };
        certificates.push((owner, cert));
    }
    Ok(certificates)
}

fn select_services(conn: &Connection, only: Option<i64>) -> SqlResult<Vec<ServiceRecord>> {
    let fail = || StoreError::sqlite("reading services");
    let sql = format!(
        "SELECT {SERVICE_COLUMNS} FROM registry_services WHERE ?1 IS NULL OR id = ?1 ORDER BY id"
    );
    let mut statement = conn.prepare(&sql).map_err(fail())?;
    let rows = statement
        .query_map([only], |row| {
            let form = ServiceForm {
                namespace: row.get(2)?,
                root: row.get(3)?,
                name: row.get(4)?,
                description: row.get(5)?,
                regulation_text: row.get(6)?,
                regulation_link: row.get(7)?,
                provider: row.get(8)?,
                format: row.get(9)?,
                personal_signature_required: row.get(10)?,
                attachment_signature_required: row.get(11)?,
            };
            let entry: Option<String> = row.get(12)?;
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                form,
                entry,
                row.get(13)?,
            ))
        })
        .map_err(fail())?;
    let mut services = Vec::new();
    for row in rows {
        let (id, version, form, entry, created_at) = row.map_err(fail())?;
        let schema = match entry {
            Some(entry) => Some(SchemaFiles {
                entry,
                files: select_files(conn, id)?,
            }),
            None => None,
        };
        let created_at = from_micros(created_at)?;
        services.push(ServiceRecord {
            id,
            version,
            form,
            schema,
            created_at,
        });
    }
    Ok(services)
}

fn select_files(conn: &Connection, id: i64) -> SqlResult<Vec<(String, Vec<u8>)>> {
    let fail = || StoreError::sqlite("reading schema files");
    let mut statement = conn
        .prepare("SELECT name, content FROM registry_schema_files WHERE service = ?1 ORDER BY name")
        .map_err(fail())?;
    let rows = statement
        .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(fail())?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(fail())
}
