//! Integration points and delivery state on SQLite: every change one
//! `BEGIN IMMEDIATE` transaction with its journal or audit entries.

use cabinet::audit::AuditContext;
use cabinet::{AuditAction, ObjectKind, PointForm, PointKind, PointService};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::cabinet::insert_audit;
use super::registry::finish;
use super::{begin_write, corrupt, from_micros, insert_journal, to_micros, SqliteStore};
use crate::cabinet::CabinetStoreError;
use crate::delivery::{redrive_entries, DeadLetter, FailureUpdate, PointChange, PointRecord};
use crate::error::StoreError;
use crate::message::{MessageKind, QueueId, QueueKind};
use crate::registry::{audit_entry, check_version};

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const POINT_COLUMNS: &str = "id, version, system, service_ns, service_root, kind, url, \
     max_attempts, backoff_base_ms, backoff_cap_ms, timeout_ms, created_at";

const DEAD_COLUMNS: &str = "message_id, kind, queue_owner, queue_kind, sender, recipient, \
     attempts, last_error, settled_at";

// === impl SqliteStore ===

impl SqliteStore {
    pub(crate) async fn select_points(&self, id: Option<i64>) -> Result<Vec<PointRecord>> {
        Ok(self.call(move |conn| select_points(conn, id)).await?)
    }

    pub(crate) async fn create_point(
        &self,
        form: PointForm,
        context: AuditContext,
    ) -> Result<PointRecord> {
        self.call(move |conn| Ok(create_point(conn, form, &context)))
            .await?
    }

    pub(crate) async fn change_point(
        &self,
        id: i64,
        change: PointChange,
        expected: i64,
        context: AuditContext,
    ) -> Result<Option<PointRecord>> {
        self.call(move |conn| Ok(change_point(conn, id, &change, expected, &context)))
            .await?
    }

    pub(crate) async fn record_failure(&self, update: FailureUpdate) -> SqlResult<bool> {
        self.call(move |conn| record_failure(conn, &update)).await
    }

    pub(crate) async fn dead_letters(&self, limit: u32) -> SqlResult<Vec<DeadLetter>> {
        self.call(move |conn| {
            let sql = format!(
                "SELECT {DEAD_COLUMNS} FROM messages WHERE state = 'dead'
                 ORDER BY settled_at, seq LIMIT ?1"
            );
            let mut statement = conn
                .prepare_cached(&sql)
                .map_err(StoreError::sqlite("preparing dead letters"))?;
            let rows = statement
                .query_map([i64::from(limit)], read_dead)
                .map_err(StoreError::sqlite("reading dead letters"))?;
            let mut letters = Vec::new();
            for row in rows {
                letters.push(decode_dead(
                    row.map_err(StoreError::sqlite("reading dead letter"))?,
                )?);
            }
            Ok(letters)
        })
        .await
    }

    pub(crate) async fn redrive(
        &self,
        message_id: String,
        context: AuditContext,
        node_id: String,
    ) -> Result<Option<DeadLetter>> {
        self.call(move |conn| Ok(redrive(conn, &message_id, &context, &node_id)))
            .await?
    }
}

fn select_points(conn: &Connection, id: Option<i64>) -> SqlResult<Vec<PointRecord>> {
    let sql = format!(
        "SELECT {POINT_COLUMNS} FROM integration_points WHERE ?1 IS NULL OR id = ?1 ORDER BY id"
    );
    let mut statement = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("preparing point lookup"))?;
    let rows = statement
        .query_map([id], read_point)
        .map_err(StoreError::sqlite("reading points"))?;
    let mut points = Vec::new();
    for row in rows {
        points.push(decode_point(
            row.map_err(StoreError::sqlite("reading point"))?,
        )?);
    }
    Ok(points)
}

fn create_point(
    conn: &mut Connection,
    form: PointForm,
    context: &AuditContext,
) -> Result<PointRecord> {
    let tx = begin_write(conn)?;
    refuse_taken_service(&tx, &form, None)?;
    let (namespace, root) = PointRecord::service_columns(&form);
    tx.execute(
        "INSERT INTO integration_points (system, service_ns, service_root, kind, url,
             max_attempts, backoff_base_ms, backoff_cap_ms, timeout_ms, version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10)",
        params![
            form.system,
            namespace,
            root,
            form.kind.as_str(),
            form.url,
            form.max_attempts,
            millis(form.backoff_base_ms),
            millis(form.backoff_cap_ms),
            millis(form.timeout_ms),
            to_micros(context.at),
        ],
    )
    .map_err(StoreError::sqlite("inserting point"))?;
    let record = PointRecord {
        id: tx.last_insert_rowid(),
        version: 1,
        form,
        created_at: context.at,
    };
    let after = Some(record.snapshot());
    let action = AuditAction::PointCreated;
    finish(
        tx,
        &audit_entry(context, action, record.id.to_string(), None, after),
    )?;
    Ok(record)
}

fn change_point(
    conn: &mut Connection,
    id: i64,
    change: &PointChange,
    expected: i64,
    context: &AuditContext,
) -> Result<Option<PointRecord>> {
    let tx = begin_write(conn)?;
    let kind = ObjectKind::IntegrationPoint;
    let current = select_points(&tx, Some(id))?
        .pop()
        .ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
    check_version(kind, &id.to_string(), Some(expected), current.version)?;
    let next = change.apply(&current);
    match &next {
        Some(next) => {
            refuse_taken_service(&tx, &next.form, Some(id))?;
            update_point(&tx, next)?;
        }
        None => {
            tx.execute("DELETE FROM integration_points WHERE id = ?1", [id])
                .map_err(StoreError::sqlite("deleting point"))?;
        }
    }
    let after = next.as_ref().map(PointRecord::snapshot);
    let before = Some(current.snapshot());
    finish(
        tx,
        &audit_entry(context, change.action(), id.to_string(), before, after),
    )?;
    Ok(next)
}

fn update_point(tx: &Transaction<'_>, next: &PointRecord) -> SqlResult<()> {
    let form = &next.form;
    let (namespace, root) = PointRecord::service_columns(form);
    tx.execute(
        "UPDATE integration_points SET service_ns = ?2, service_root = ?3, kind = ?4, url = ?5,
             max_attempts = ?6, backoff_base_ms = ?7, backoff_cap_ms = ?8, timeout_ms = ?9,
             version = ?10
         WHERE id = ?1",
        params![
            next.id,
            namespace,
            root,
            form.kind.as_str(),
            form.url,
            form.max_attempts,
            millis(form.backoff_base_ms),
            millis(form.backoff_cap_ms),
            millis(form.timeout_ms),
            next.version,
        ],
    )
    .map_err(StoreError::sqlite("updating point"))?;
    Ok(())
}

/// `AlreadyExists` when another point has the same system and service.
fn refuse_taken_service(tx: &Transaction<'_>, form: &PointForm, except: Option<i64>) -> Result<()> {
    let (namespace, root) = PointRecord::service_columns(form);
    let other: Option<i64> = tx
        .query_row(
            "SELECT id FROM integration_points
             WHERE system = ?1 AND service_ns = ?2 AND service_root = ?3
               AND (?4 IS NULL OR id <> ?4)",
            params![form.system, namespace, root, except],
            |row| row.get(0),
        )
        .optional()
        .map_err(StoreError::sqlite("checking point service"))?;
    match other {
        Some(id) => Err(CabinetStoreError::AlreadyExists {
            kind: ObjectKind::IntegrationPoint,
            id: id.to_string(),
        }),
        None => Ok(()),
    }
}

fn record_failure(conn: &mut Connection, update: &FailureUpdate) -> SqlResult<bool> {
    let tx = begin_write(conn)?;
    let sql = match update.retry_at {
        Some(_) => {
            "UPDATE messages SET lease_until = ?2, last_error = ?3
             WHERE message_id = ?1 AND state = 'pending'
             RETURNING kind, sender, recipient"
        }
        None => {
            "UPDATE messages SET state = 'dead', lease_until = NULL, last_error = ?2,
                 settled_at = ?3
             WHERE message_id = ?1 AND state = 'pending'
             RETURNING kind, sender, recipient"
        }
    };
    let read = |row: &Row<'_>| Ok((row.get(0)?, row.get(1)?, row.get(2)?));
    let row: Option<(String, String, String)> = match update.retry_at {
        Some(retry_at) => {
            let retry_at = to_micros(retry_at);
            tx.query_row(
                sql,
                params![update.message_id, retry_at, update.error],
                read,
            )
        }
        None => {
            let now = to_micros(update.now);
            tx.query_row(sql, params![update.message_id, update.error, now], read)
        }
    }
    .optional()
    .map_err(StoreError::sqlite("recording failed attempt"))?;
    let Some((kind, sender, recipient)) = row else {
        return Ok(false);
    };
    let kind = MessageKind::from_stored(&kind)?;
    for entry in update.entries_for(kind, &sender, &recipient) {
        insert_journal(&tx, &entry)?;
    }
    tx.commit()
        .map_err(StoreError::sqlite("committing failed attempt"))?;
    Ok(true)
}

fn redrive(
    conn: &mut Connection,
    message_id: &str,
    context: &AuditContext,
    node_id: &str,
) -> Result<Option<DeadLetter>> {
    let tx = begin_write(conn)?;
    let sql =
        format!("SELECT {DEAD_COLUMNS} FROM messages WHERE message_id = ?1 AND state = 'dead'");
    let raw = tx
        .query_row(&sql, [message_id], read_dead)
        .optional()
        .map_err(StoreError::sqlite("finding dead letter"))?;
    let Some(raw) = raw else {
        return Ok(None);
    };
    let letter = decode_dead(raw)?;
    tx.execute(
        "UPDATE messages SET state = 'pending', attempts = 0, lease_until = NULL,
             settled_at = NULL
         WHERE message_id = ?1",
        [message_id],
    )
    .map_err(StoreError::sqlite("re-driving message"))?;
    let (entry, audit) = redrive_entries(&letter, context, node_id);
    insert_journal(&tx, &entry)?;
    insert_audit(&tx, &audit)?;
    tx.commit()
        .map_err(StoreError::sqlite("committing re-drive"))?;
    Ok(Some(letter))
}

struct RawPoint {
    id: i64,
    version: i64,
    texts: [String; 5],
    max_attempts: i64,
    millis: [i64; 3],
    created_at: i64,
}

fn read_point(row: &Row<'_>) -> rusqlite::Result<RawPoint> {
    Ok(RawPoint {
        id: row.get(0)?,
        version: row.get(1)?,
        // system, service_ns, service_root, kind, url
        texts: [
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
        ],
        max_attempts: row.get(7)?,
        millis: [row.get(8)?, row.get(9)?, row.get(10)?],
        created_at: row.get(11)?,
    })
}

fn decode_point(raw: RawPoint) -> SqlResult<PointRecord> {
    let [system, namespace, root, kind, url] = raw.texts;
    let service = (!namespace.is_empty()).then_some(PointService { namespace, root });
    let [base, cap, timeout] = raw.millis;
    let form = PointForm {
        system,
        service,
        kind: PointKind::parse(&kind).ok_or_else(|| corrupt("point kind"))?,
        url,
        max_attempts: u32::try_from(raw.max_attempts).map_err(|_| corrupt("point attempts"))?,
        backoff_base_ms: base.unsigned_abs(),
        backoff_cap_ms: cap.unsigned_abs(),
        timeout_ms: timeout.unsigned_abs(),
    };
    Ok(PointRecord {
        id: raw.id,
        version: raw.version,
        form,
        created_at: from_micros(raw.created_at)?,
    })
}

struct RawDead {
    texts: [String; 6],
    attempts: i64,
    last_error: Option<String>,
    settled_at: Option<i64>,
}

fn read_dead(row: &Row<'_>) -> rusqlite::Result<RawDead> {
    Ok(RawDead {
        // message_id, kind, queue_owner, queue_kind, sender, recipient
        texts: [
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        ],
        attempts: row.get(6)?,
        last_error: row.get(7)?,
        settled_at: row.get(8)?,
    })
}

fn decode_dead(raw: RawDead) -> SqlResult<DeadLetter> {
    let [message_id, kind, owner, queue_kind, sender, recipient] = raw.texts;
    let dead_at = raw.settled_at.ok_or_else(|| corrupt("dead letter time"))?;
    Ok(DeadLetter {
        message_id,
        kind: MessageKind::from_stored(&kind)?,
        queue: QueueId::new(owner, QueueKind::from_stored(&queue_kind)?),
        sender,
        recipient,
        attempts: u32::try_from(raw.attempts).map_err(|_| corrupt("attempts"))?,
        last_error: raw.last_error,
        dead_at: from_micros(dead_at)?,
    })
}

/// Milliseconds as SQLite stores them.
fn millis(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
