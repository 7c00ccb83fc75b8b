//! Integration points and delivery state on PostgreSQL. A point change
//! locks `registry_version` first (changes from several nodes queue up);
//! a failed attempt, a dead letter and a re-drive are each one transaction
//! with their journal (and audit) entries.

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, ObjectKind, PointForm, PointKind, PointService};
use deadpool_postgres::Transaction;
use tokio_postgres::{GenericClient, Row};

use super::cabinet::insert_audit;
use super::registry::{begin_change, finish};
use super::{PgStore, APPEND};
use crate::cabinet::CabinetStoreError;
use crate::delivery::{redrive_entries, DeadLetter, FailureUpdate, PointChange, PointRecord};
use crate::error::StoreError;
use crate::journal::JournalEntry;
use crate::message::{MessageKind, QueueId, QueueKind};
use crate::registry::{audit_entry, check_version};

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const SELECT_POINTS: &str = "
SELECT id, version, system, service_ns, service_root, kind, url, max_attempts,
    backoff_base_ms, backoff_cap_ms, timeout_ms, created_at
FROM integration_points WHERE $1::bigint IS NULL OR id = $1 ORDER BY id";

const INSERT_POINT: &str = "
INSERT INTO integration_points (system, service_ns, service_root, kind, url, max_attempts,
    backoff_base_ms, backoff_cap_ms, timeout_ms, version, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)
RETURNING id";

const UPDATE_POINT: &str = "
UPDATE integration_points SET service_ns = $2, service_root = $3, kind = $4, url = $5,
    max_attempts = $6, backoff_base_ms = $7, backoff_cap_ms = $8, timeout_ms = $9, version = $10
WHERE id = $1";

const TAKEN_SERVICE: &str = "
SELECT id FROM integration_points
WHERE system = $1 AND service_ns = $2 AND service_root = $3 AND ($4::bigint IS NULL OR id <> $4)";

const DEFER: &str = "
UPDATE messages SET lease_until = $2, last_error = $3
WHERE message_id = $1 AND state = 'pending'
RETURNING kind, sender, recipient";

const BURY: &str = "
UPDATE messages SET state = 'dead', lease_until = NULL, last_error = $2, settled_at = $3
WHERE message_id = $1 AND state = 'pending'
RETURNING kind, sender, recipient";

const DEAD_COLUMNS: &str = "message_id, kind, queue_owner, queue_kind, sender, recipient, \
     attempts, last_error, settled_at";

// === impl PgStore ===

impl PgStore {
    pub(crate) async fn select_points(&self, id: Option<i64>) -> Result<Vec<PointRecord>> {
        let client = self.client().await?;
        Ok(select_points(&**client, id).await?)
    }

    pub(crate) async fn create_point(
        &self,
        form: PointForm,
        context: AuditContext,
    ) -> Result<PointRecord> {
        let mut client = self.client().await?;
        let tx = begin_change(&mut client).await?;
        refuse_taken_service(&tx, &form, None).await?;
        let (namespace, root) = PointRecord::service_columns(&form);
        let attempts = i32::try_from(form.max_attempts).unwrap_or(i32::MAX);
        let [base, cap, timeout] = millis(&form);
        let row = tx
            .query_one(
                INSERT_POINT,
                &[
                    &form.system,
                    &namespace,
                    &root,
                    &form.kind.as_str(),
                    &form.url,
                    &attempts,
                    &base,
                    &cap,
                    &timeout,
                    &context.at,
                ],
            )
            .await
            .map_err(StoreError::postgres("inserting point"))?;
        let record = PointRecord {
            id: row.get(0),
            version: 1,
            form,
            created_at: context.at,
        };
        let after = Some(record.snapshot());
        let entry = audit_entry(
            &context,
            AuditAction::PointCreated,
            record.id.to_string(),
            None,
            after,
        );
        finish(tx, &entry).await?;
        Ok(record)
    }

    pub(crate) async fn change_point(
        &self,
        id: i64,
        change: PointChange,
        expected: i64,
        context: AuditContext,
    ) -> Result<Option<PointRecord>> {
        let mut client = self.client().await?;
        let tx = begin_change(&mut client).await?;
        let kind = ObjectKind::IntegrationPoint;
        let current = select_points(&*tx, Some(id))
            .await?
            .pop()
            .ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
        check_version(kind, &id.to_string(), Some(expected), current.version)?;
        let next = change.apply(&current);
        match &next {
            Some(next) => {
                refuse_taken_service(&tx, &next.form, Some(id)).await?;
                update_point(&tx, next).await?;
            }
            None => {
                tx.execute("DELETE FROM integration_points WHERE id = $1", &[&id])
                    .await
                    .map_err(StoreError::postgres("deleting point"))?;
            }
        }
        let after = next.as_ref().map(PointRecord::snapshot);
        let before = Some(current.snapshot());
        let entry = audit_entry(&context, change.action(), id.to_string(), before, after);
        finish(tx, &entry).await?;
        Ok(next)
    }

    pub(crate) async fn record_failure(&self, update: FailureUpdate) -> SqlResult<bool> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("beginning failed attempt"))?;
        let row = match update.retry_at {
            Some(retry_at) => {
                tx.query_opt(DEFER, &[&update.message_id, &retry_at, &update.error])
                    .await
            }
            None => {
                tx.query_opt(BURY, &[&update.message_id, &update.error, &update.now])
                    .await
            }
        }
        .map_err(StoreError::postgres("recording failed attempt"))?;
        let Some(row) = row else {
            return Ok(false);
        };
        let kind = MessageKind::from_stored(row.get("kind"))?;
        let (sender, recipient): (String, String) = (row.get("sender"), row.get("recipient"));
        for entry in update.entries_for(kind, &sender, &recipient) {
            append_in(&tx, &entry).await?;
        }
        tx.commit()
            .await
            .map_err(StoreError::postgres("committing failed attempt"))?;
        Ok(true)
    }

    pub(crate) async fn dead_letters(&self, limit: u32) -> SqlResult<Vec<DeadLetter>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {DEAD_COLUMNS} FROM messages WHERE state = 'dead'
             ORDER BY settled_at, seq LIMIT $1"
        );
        let rows = client
            .query(&sql, &[&i64::from(limit)])
            .await
            .map_err(StoreError::postgres("reading dead letters"))?;
        rows.iter().map(decode_dead).collect()
    }

    pub(crate) async fn redrive(
        &self,
        message_id: String,
        context: AuditContext,
        node_id: String,
    ) -> Result<Option<DeadLetter>> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("beginning re-drive"))?;
        let sql = format!(
            "SELECT {DEAD_COLUMNS} FROM messages WHERE message_id = $1 AND state = 'dead'
             FOR UPDATE"
        );
        let row = tx
            .query_opt(&sql, &[&message_id])
            .await
            .map_err(StoreError::postgres("finding dead letter"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let letter = decode_dead(&row)?;
        tx.execute(
            "UPDATE messages SET state = 'pending', attempts = 0, lease_until = NULL,
                 settled_at = NULL
             WHERE message_id = $1",
            &[&message_id],
        )
        .await
        .map_err(StoreError::postgres("re-driving message"))?;
        let (entry, audit) = redrive_entries(&letter, &context, &node_id);
        append_in(&tx, &entry).await?;
        insert_audit(&tx, &audit).await?;
        tx.commit()
            .await
            .map_err(StoreError::postgres("committing re-drive"))?;
        Ok(Some(letter))
    }
}

async fn select_points(
    client: &impl GenericClient,
    id: Option<i64>,
) -> SqlResult<Vec<PointRecord>> {
    let rows = client
        .query(SELECT_POINTS, &[&id])
        .await
        .map_err(StoreError::postgres("reading points"))?;
    rows.iter().map(decode_point).collect()
}

async fn update_point(tx: &Transaction<'_>, next: &PointRecord) -> SqlResult<()> {
    let form = &next.form;
    let (namespace, root) = PointRecord::service_columns(form);
    let attempts = i32::try_from(form.max_attempts).unwrap_or(i32::MAX);
    let [base, cap, timeout] = millis(form);
    tx.execute(
        UPDATE_POINT,
        &[
            &next.id,
            &namespace,
            &root,
            &form.kind.as_str(),
            &form.url,
            &attempts,
            &base,
            &cap,
            &timeout,
            &next.version,
        ],
    )
    .await
    .map_err(StoreError::postgres("updating point"))?;
    Ok(())
}

/// `AlreadyExists` when another point has the same system and service.
async fn refuse_taken_service(
    tx: &Transaction<'_>,
    form: &PointForm,
    except: Option<i64>,
) -> Result<()> {
    let (namespace, root) = PointRecord::service_columns(form);
    let other = tx
        .query_opt(TAKEN_SERVICE, &[&form.system, &namespace, &root, &except])
        .await
        .map_err(StoreError::postgres("checking point service"))?;
    match other {
        Some(row) => Err(CabinetStoreError::AlreadyExists {
            kind: ObjectKind::IntegrationPoint,
            id: row.get::<_, i64>(0).to_string(),
        }),
        None => Ok(()),
    }
}

pub(super) async fn append_in(tx: &Transaction<'_>, entry: &JournalEntry) -> SqlResult<()> {
    let kind = entry.message_kind.map(MessageKind::as_str);
    tx.execute(
        APPEND,
        &[
            &entry.at,
            &entry.node_id,
            &entry.operation,
            &kind,
            &entry.status,
            &entry.message_id,
            &entry.sender,
            &entry.recipient,
            &entry.fault_code,
            &entry.bounded_detail(),
        ],
    )
    .await
    .map_err(StoreError::postgres("inserting journal entry"))?;
    Ok(())
}

fn millis(form: &PointForm) -> [i64; 3] {
    [form.backoff_base_ms, form.backoff_cap_ms, form.timeout_ms]
        .map(|value| i64::try_from(value).unwrap_or(i64::MAX))
}

fn decode_point(row: &Row) -> SqlResult<PointRecord> {
    let corrupt = |what| StoreError::Corrupt { what };
    let namespace: String = row.get("service_ns");
    let root: String = row.get("service_root");
    let service = (!namespace.is_empty()).then_some(PointService { namespace, root });
    let kind: &str = row.get("kind");
    let attempts: i32 = row.get("max_attempts");
    let form = PointForm {
        system: row.get("system"),
        service,
        kind: PointKind::parse(kind).ok_or_else(|| corrupt("point kind"))?,
        url: row.get("url"),
        max_attempts: u32::try_from(attempts).map_err(|_| corrupt("point attempts"))?,
        backoff_base_ms: row.get::<_, i64>("backoff_base_ms").unsigned_abs(),
        backoff_cap_ms: row.get::<_, i64>("backoff_cap_ms").unsigned_abs(),
        timeout_ms: row.get::<_, i64>("timeout_ms").unsigned_abs(),
    };
    Ok(PointRecord {
        id: row.get("id"),
        version: row.get("version"),
        form,
        created_at: row.get("created_at"),
    })
}

fn decode_dead(row: &Row) -> SqlResult<DeadLetter> {
    let corrupt = |what| StoreError::Corrupt { what };
    let attempts: i32 = row.get("attempts");
    Ok(DeadLetter {
        message_id: row.get("message_id"),
        kind: MessageKind::from_stored(row.get("kind"))?,
        queue: QueueId::new(
            row.get::<_, String>("queue_owner"),
            QueueKind::from_stored(row.get("queue_kind"))?,
        ),
        sender: row.get("sender"),
        recipient: row.get("recipient"),
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
        last_error: row.get("last_error"),
        dead_at: row
            .get::<_, Option<time::OffsetDateTime>>("settled_at")
            .ok_or_else(|| corrupt("dead letter time"))?,
    })
}
