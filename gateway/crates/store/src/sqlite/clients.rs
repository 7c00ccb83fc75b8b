//! The API client tables on SQLite: every change one `BEGIN IMMEDIATE`
//! transaction holding the version check, the write and its audit entry;
//! a quota reservation is one such transaction too, so the count and the
//! limit are compared under the write lock.

use cabinet::audit::AuditContext;
use cabinet::{snapshot, ApiClient, AuditAction, AuditEntry, ObjectKind, SecretHash};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use time::OffsetDateTime;

use super::cabinet::insert_audit;
use super::{begin_write, from_micros, to_micros, SqliteStore};
use crate::cabinet::{CabinetStoreError, ClientChange, ClientRecord, ClientValues};
use crate::error::StoreError;

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const CLIENT_COLUMNS: &str = "id, version, name, system, scopes, allowed_services, ip_allow, \
     window_start, window_end, window_zone, rate_requests, rate_per, rate_burst, \
     quota_messages, quota_per, disabled, secret_hash, secret_generation, created_at";

// === impl SqliteStore ===

impl SqliteStore {
    async fn run_clients<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.call(move |conn| Ok(work(conn))).await?
    }

    pub(crate) async fn create_client(
        &self,
        client: ApiClient,
        hash: SecretHash,
        context: AuditContext,
    ) -> Result<ClientRecord> {
        self.run_clients(move |conn| {
            let tx = begin_write(conn)?;
            let id = insert_client(&tx, &ClientValues::of(&client), &hash, context.at)?;
            let after = Some(snapshot::api_client(&client));
            let action = AuditAction::ClientCreated;
            let entry = AuditEntry::new(&context, action, id.to_string(), None, after);
            insert_audit(&tx, &entry)?;
            commit(tx)?;
            Ok(ClientRecord {
                id,
                version: 1,
                client,
                secret_generation: 1,
                created_at: context.at,
            })
        })
        .await
    }

    pub(crate) async fn stored_client(
        &self,
        id: i64,
    ) -> Result<Option<(ClientRecord, SecretHash)>> {
        self.run_clients(move |conn| Ok(select_client(conn, id)?))
            .await
    }

    pub(crate) async fn clients(&self) -> Result<Vec<ClientRecord>> {
        self.run_clients(|conn| {
            let sql = format!("SELECT {CLIENT_COLUMNS} FROM api_clients ORDER BY id");
            let mut statement = conn
                .prepare(&sql)
                .map_err(StoreError::sqlite("preparing client list"))?;
            let rows = statement
                .query_map([], read_client)
                .map_err(StoreError::sqlite("listing api clients"))?;
            let mut clients = Vec::new();
            for row in rows {
                let raw = row.map_err(StoreError::sqlite("reading api client"))?;
                clients.push(raw.decode()?.0);
            }
            Ok(clients)
        })
        .await
    }

    pub(crate) async fn change_client(
        &self,
        id: i64,
        change: ClientChange,
        expected: i64,
        context: AuditContext,
    ) -> Result<ClientRecord> {
        self.run_clients(move |conn| {
            let tx = begin_write(conn)?;
            let current = locked_client(&tx, id, expected)?;
            let entry = apply_client_change(&tx, &current, &change, &context)?;
            insert_audit(&tx, &entry)?;
            let (changed, _) = select_client(&tx, id)?
                .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::ApiClient, id))?;
            commit(tx)?;
            Ok(changed)
        })
        .await
    }

    pub(crate) async fn delete_client(
        &self,
        id: i64,
        expected: i64,
        context: AuditContext,
    ) -> Result<()> {
        self.run_clients(move |conn| {
            let tx = begin_write(conn)?;
            let current = locked_client(&tx, id, expected)?;
            tx.execute("DELETE FROM api_clients WHERE id = ?1", [id])
                .map_err(StoreError::sqlite("deleting api client"))?;
            let before = Some(snapshot::api_client(&current.client));
            let action = AuditAction::ClientDeleted;
            let entry = AuditEntry::new(&context, action, id.to_string(), before, None);
            insert_audit(&tx, &entry)?;
            commit(tx)
        })
        .await
    }

    pub(crate) async fn reserve_message(
        &self,
        id: i64,
        period_start: OffsetDateTime,
        limit: i64,
    ) -> SqlResult<bool> {
        self.call(move |conn| {
            let tx = begin_write(conn)?;
            let start = to_micros(period_start);
            let used = usage(&tx, id, start)?;
            if used >= limit {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO api_client_usage (client_id, period_start, used) VALUES (?1, ?2, 1)
                 ON CONFLICT (client_id, period_start) DO UPDATE SET used = used + 1",
                params![id, start],
            )
            .map_err(StoreError::sqlite("reserving a message"))?;
            if used == 0 {
                // The first message of a period forgets the periods before it.
                tx.execute(
                    "DELETE FROM api_client_usage WHERE client_id = ?1 AND period_start < ?2",
                    params![id, start],
                )
                .map_err(StoreError::sqlite("forgetting past periods"))?;
            }
            tx.commit()
                .map_err(StoreError::sqlite("committing a reservation"))?;
            Ok(true)
        })
        .await
    }

    pub(crate) async fn release_message(
        &self,
        id: i64,
        period_start: OffsetDateTime,
    ) -> SqlResult<()> {
        self.call(move |conn| {
            conn.execute(
                "UPDATE api_client_usage SET used = used - 1
                 WHERE client_id = ?1 AND period_start = ?2 AND used > 0",
                params![id, to_micros(period_start)],
            )
            .map_err(StoreError::sqlite("releasing a message"))?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn messages_used(
        &self,
        id: i64,
        period_start: OffsetDateTime,
    ) -> SqlResult<i64> {
        self.call(move |conn| usage(conn, id, to_micros(period_start)))
            .await
    }

    pub(crate) async fn node_key(
        &self,
        name: String,
        candidate: String,
        at: OffsetDateTime,
    ) -> SqlResult<String> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO node_keys (name, key_hex, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
                params![name, candidate, to_micros(at)],
            )
            .map_err(StoreError::sqlite("storing a node key"))?;
            conn.query_row(
                "SELECT key_hex FROM node_keys WHERE name = ?1",
                [&name],
                |row| row.get(0),
            )
            .map_err(StoreError::sqlite("reading a node key"))
        })
        .await
    }
}

fn commit(tx: Transaction<'_>) -> Result<()> {
    tx.commit()
        .map_err(StoreError::sqlite("committing api client change"))?;
    Ok(())
}

fn usage(conn: &Connection, id: i64, start: i64) -> SqlResult<i64> {
    let used: Option<i64> = conn
        .query_row(
            "SELECT used FROM api_client_usage WHERE client_id = ?1 AND period_start = ?2",
            params![id, start],
            |row| row.get(0),
        )
        .optional()
        .map_err(StoreError::sqlite("reading quota usage"))?;
    Ok(used.unwrap_or(0))
}

fn insert_client(
    tx: &Transaction<'_>,
    values: &ClientValues,
    hash: &SecretHash,
    at: OffsetDateTime,
) -> SqlResult<i64> {
    let [start, end, zone] = &values.window;
    tx.execute(
        "INSERT INTO api_clients (name, system, scopes, allowed_services, ip_allow,
             window_start, window_end, window_zone, rate_requests, rate_per, rate_burst,
             quota_messages, quota_per, disabled, secret_hash, secret_generation, version,
             created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, 1, 1, ?16)",
        params![
            values.name,
            values.system,
            values.scopes,
            values.allowed_services,
            values.ip_allow,
            start,
            end,
            zone,
            values.rate.0,
            values.rate.1,
            values.rate.2,
            values.quota.0,
            values.quota.1,
            values.disabled,
            hash.to_hex(),
            to_micros(at),
        ],
    )
    .map_err(StoreError::sqlite("inserting api client"))?;
    Ok(tx.last_insert_rowid())
}

/// Client `id` at `expected` version, inside the write transaction.
fn locked_client(tx: &Transaction<'_>, id: i64, expected: i64) -> Result<ClientRecord> {
    let kind = ObjectKind::ApiClient;
    let (current, _) =
        select_client(tx, id)?.ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
    CabinetStoreError::check_version(kind, id, expected, current.version)?;
    Ok(current)
}

/// Writes `change` over `current` with the next version; returns its audit entry.
fn apply_client_change(
    tx: &Transaction<'_>,
    current: &ClientRecord,
    change: &ClientChange,
    context: &AuditContext,
) -> Result<AuditEntry> {
    let id = current.id;
    let version = current.version + 1;
    let before = Some(snapshot::api_client(&current.client));
    let entry = |action, after| AuditEntry::new(context, action, id.to_string(), before, after);
    match change {
        ClientChange::Profile(client) => {
            write_profile(tx, id, version, &ClientValues::of(client))?;
            let after = Some(snapshot::api_client(client));
            Ok(entry(AuditAction::ClientUpdated, after))
        }
        ClientChange::Secret(hash) => {
            tx.execute(
                "UPDATE api_clients SET secret_hash = ?2, version = ?3,
                     secret_generation = secret_generation + 1
                 WHERE id = ?1",
                params![id, hash.to_hex(), version],
            )
            .map_err(StoreError::sqlite("rotating client secret"))?;
            let after = Some(snapshot::secret_rotated());
            Ok(entry(AuditAction::ClientSecretRotated, after))
        }
    }
}

fn write_profile(
    tx: &Transaction<'_>,
    id: i64,
    version: i64,
    values: &ClientValues,
) -> SqlResult<()> {
    let [start, end, zone] = &values.window;
    tx.execute(
        "UPDATE api_clients SET name = ?2, system = ?3, scopes = ?4, allowed_services = ?5,
             ip_allow = ?6, window_start = ?7, window_end = ?8, window_zone = ?9,
             rate_requests = ?10, rate_per = ?11, rate_burst = ?12, quota_messages = ?13,
             quota_per = ?14, disabled = ?15, version = ?16,
             secret_generation = secret_generation
                 + CASE WHEN ?15 AND NOT disabled THEN 1 ELSE 0 END
         WHERE id = ?1",
        params![
            id,
            values.name,
            values.system,
            values.scopes,
            values.allowed_services,
            values.ip_allow,
            start,
            end,
            zone,
            values.rate.0,
            values.rate.1,
            values.rate.2,
            values.quota.0,
            values.quota.1,
            values.disabled,
            version,
        ],
    )
    .map_err(StoreError::sqlite("updating api client"))?;
    Ok(())
}

fn select_client(conn: &Connection, id: i64) -> SqlResult<Option<(ClientRecord, SecretHash)>> {
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = ?1");
    let raw = conn
        .query_row(&sql, [id], read_client)
        .optional()
        .map_err(StoreError::sqlite("reading api client"))?;
    raw.map(RawClient::decode).transpose()
}

/// An api_clients row as SQLite gives it.
struct RawClient {
    ids: [i64; 3],
    values: ClientValues,
    secret_hash: String,
    created_at: i64,
}

fn read_client(row: &Row<'_>) -> rusqlite::Result<RawClient> {
    let values = ClientValues {
        name: row.get(2)?,
        system: row.get(3)?,
        scopes: row.get(4)?,
        allowed_services: row.get(5)?,
        ip_allow: row.get(6)?,
        window: [row.get(7)?, row.get(8)?, row.get(9)?],
        rate: (row.get(10)?, row.get(11)?, row.get(12)?),
        quota: (row.get(13)?, row.get(14)?),
        disabled: row.get(15)?,
    };
    Ok(RawClient {
        // id, version, secret_generation
        ids: [row.get(0)?, row.get(1)?, row.get(17)?],
        values,
        secret_hash: row.get(16)?,
        created_at: row.get(18)?,
    })
}

// === impl RawClient ===

impl RawClient {
    fn decode(self) -> SqlResult<(ClientRecord, SecretHash)> {
        let [id, version, secret_generation] = self.ids;
        let hash = SecretHash::from_hex(&self.secret_hash).ok_or(StoreError::Corrupt {
            what: "client secret hash",
        })?;
        let record = ClientRecord {
            id,
            version,
            client: self.values.decode()?,
            secret_generation,
            created_at: from_micros(self.created_at)?,
        };
        Ok((record, hash))
    }
}
