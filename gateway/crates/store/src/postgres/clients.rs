//! The API client tables on PostgreSQL: every change one transaction that
//! locks the row (`FOR UPDATE`), checks its version, writes, and appends
//! its audit entry. A quota reservation is one upsert whose `WHERE` compares
//! the count with the limit on the locked row, so nodes sharing the
//! database never let more messages through than the quota.

use cabinet::audit::AuditContext;
use cabinet::{snapshot, ApiClient, AuditAction, AuditEntry, ObjectKind, SecretHash};
use deadpool_postgres::Transaction;
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use super::cabinet::insert_audit;
use super::PgStore;
use crate::cabinet::{CabinetStoreError, ClientChange, ClientRecord, ClientValues};
use crate::error::StoreError;

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const CLIENT_COLUMNS: &str = "id, version, name, system, scopes, allowed_services, ip_allow, \
     window_start, window_end, window_zone, rate_requests, rate_per, rate_burst, \
     quota_messages, quota_per, disabled, secret_hash, secret_generation, created_at";

const INSERT_CLIENT: &str = "
INSERT INTO api_clients (name, system, scopes, allowed_services, ip_allow, window_start,
    window_end, window_zone, rate_requests, rate_per, rate_burst, quota_messages, quota_per,
    disabled, secret_hash, secret_generation, version, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, 1, $16)
RETURNING id";

/// Disabling a client also moves its secret generation on, so that tokens
/// issued before stay dead when it is enabled again (the SET expressions
/// read the row as it was).
const UPDATE_PROFILE: &str = "
UPDATE api_clients SET name = $1, system = $2, scopes = $3, allowed_services = $4,
    ip_allow = $5, window_start = $6, window_end = $7, window_zone = $8, rate_requests = $9,
    rate_per = $10, rate_burst = $11, quota_messages = $12, quota_per = $13, disabled = $14,
    version = $15,
    secret_generation = secret_generation + CASE WHEN $14 AND NOT disabled THEN 1 ELSE 0 END
WHERE id = $16";

const RESERVE: &str = "
INSERT INTO api_client_usage (client_id, period_start, used) VALUES ($1, $2, 1)
ON CONFLICT (client_id, period_start)
    DO UPDATE SET used = api_client_usage.used + 1 WHERE api_client_usage.used < $3
RETURNING used";

// === impl PgStore ===

impl PgStore {
    pub(crate) async fn create_client(
        &self,
        client: ApiClient,
        hash: SecretHash,
        context: AuditContext,
    ) -> Result<ClientRecord> {
        let mut db = self.client().await?;
        let tx = begin(&mut db).await?;
        let values = ClientValues::of(&client);
        let mut params = client_params(&values);
        let hex = hash.to_hex();
        params.extend([&hex as &(dyn ToSql + Sync), &context.at]);
        let row = tx
            .query_one(INSERT_CLIENT, &params)
            .await
            .map_err(StoreError::postgres("inserting api client"))?;
        let id: i64 = row.get(0);

        let after = Some(snapshot::api_client(&client));
        let action = AuditAction::ClientCreated;
        let entry = AuditEntry::new(&context, action, id.to_string(), None, after);
        insert_audit(&tx, &entry).await?;
        commit(tx).await?;
        Ok(ClientRecord {
            id,
            version: 1,
            client,
            secret_generation: 1,
            created_at: context.at,
        })
    }

    pub(crate) async fn stored_client(
        &self,
        id: i64,
    ) -> Result<Option<(ClientRecord, SecretHash)>> {
        let db = self.client().await?;
        Ok(select_client(&**db, id, "").await?)
    }

    pub(crate) async fn clients(&self) -> Result<Vec<ClientRecord>> {
        let db = self.client().await?;
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM api_clients ORDER BY id");
        let rows = db
            .query(&sql, &[])
            .await
            .map_err(StoreError::postgres("listing api clients"))?;
        let mut clients = Vec::with_capacity(rows.len());
        for row in &rows {
            clients.push(decode_client(row)?.0);
        }
        Ok(clients)
    }

    pub(crate) async fn change_client(
        &self,
        id: i64,
        change: ClientChange,
        expected: i64,
        context: AuditContext,
    ) -> Result<ClientRecord> {
        let mut db = self.client().await?;
        let tx = begin(&mut db).await?;
        let current = locked_client(&tx, id, expected).await?;
        let entry = apply_client_change(&tx, &current, &change, &context).await?;
        insert_audit(&tx, &entry).await?;
        let (changed, _) = select_client(&*tx, id, "")
            .await?
            .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::ApiClient, id))?;
        commit(tx).await?;
        Ok(changed)
    }

    pub(crate) async fn delete_client(
        &self,
        id: i64,
        expected: i64,
        context: AuditContext,
    ) -> Result<()> {
        let mut db = self.client().await?;
        let tx = begin(&mut db).await?;
        let current = locked_client(&tx, id, expected).await?;
        tx.execute("DELETE FROM api_clients WHERE id = $1", &[&id])
            .await
            .map_err(StoreError::postgres("deleting api client"))?;
        let before = Some(snapshot::api_client(&current.client));
        let action = AuditAction::ClientDeleted;
        let entry = AuditEntry::new(&context, action, id.to_string(), before, None);
        insert_audit(&tx, &entry).await?;
        commit(tx).await
    }

    pub(crate) async fn reserve_message(
        &self,
        id: i64,
        period_start: OffsetDateTime,
        limit: i64,
    ) -> SqlResult<bool> {
        let db = self.client().await?;
        let row = db
            .query_opt(RESERVE, &[&id, &period_start, &limit])
            .await
            .map_err(StoreError::postgres("reserving a message"))?;
        let Some(row) = row else {
            return Ok(false);
        };
        // The first message of a period forgets the periods before it.
        if row.get::<_, i64>(0) == 1 {
            db.execute(
                "DELETE FROM api_client_usage WHERE client_id = $1 AND period_start < $2",
                &[&id, &period_start],
            )
            .await
            .map_err(StoreError::postgres("forgetting past periods"))?;
        }
        Ok(true)
    }

    pub(crate) async fn release_message(
        &self,
        id: i64,
        period_start: OffsetDateTime,
    ) -> SqlResult<()> {
        let db = self.client().await?;
        db.execute(
            "UPDATE api_client_usage SET used = used - 1
             WHERE client_id = $1 AND period_start = $2 AND used > 0",
            &[&id, &period_start],
        )
        .await
        .map_err(StoreError::postgres("releasing a message"))?;
        Ok(())
    }

    pub(crate) async fn messages_used(
        &self,
        id: i64,
        period_start: OffsetDateTime,
    ) -> SqlResult<i64> {
        let db = self.client().await?;
        let row = db
            .query_opt(
                "SELECT used FROM api_client_usage WHERE client_id = $1 AND period_start = $2",
                &[&id, &period_start],
            )
            .await
            .map_err(StoreError::postgres("reading quota usage"))?;
        Ok(row.map_or(0, |row| row.get(0)))
    }

    pub(crate) async fn node_key(
        &self,
        name: String,
        candidate: String,
        at: OffsetDateTime,
    ) -> SqlResult<String> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO node_keys (name, key_hex, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
            &[&name, &candidate, &at],
        )
        .await
        .map_err(StoreError::postgres("storing a node key"))?;
        let row = db
            .query_one("SELECT key_hex FROM node_keys WHERE name = $1", &[&name])
            .await
            .map_err(StoreError::postgres("reading a node key"))?;
        Ok(row.get(0))
    }
}

async fn begin(db: &mut deadpool_postgres::Object) -> SqlResult<Transaction<'_>> {
    db.transaction()
        .await
        .map_err(StoreError::postgres("beginning api client change"))
}

async fn commit(tx: Transaction<'_>) -> Result<()> {
    tx.commit()
        .await
        .map_err(StoreError::postgres("committing api client change"))?;
    Ok(())
}

/// Parameters `$1..$14` of [`INSERT_CLIENT`] and [`UPDATE_PROFILE`].
fn client_params(values: &ClientValues) -> Vec<&(dyn ToSql + Sync)> {
    let [start, end, zone] = &values.window;
    vec![
        &values.name,
        &values.system,
        &values.scopes,
        &values.allowed_services,
        &values.ip_allow,
        start,
        end,
        zone,
        &values.rate.0,
        &values.rate.1,
        &values.rate.2,
        &values.quota.0,
        &values.quota.1,
        &values.disabled,
    ]
}

/// Client `id`, locked, at `expected` version.
async fn locked_client(tx: &Transaction<'_>, id: i64, expected: i64) -> Result<ClientRecord> {
    let kind = ObjectKind::ApiClient;
    let (current, _) = select_client(&**tx, id, " FOR UPDATE")
        .await?
        .ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
    CabinetStoreError::check_version(kind, id, expected, current.version)?;
    Ok(current)
}

/// Writes `change` over `current` with the next version; returns its audit entry.
async fn apply_client_change(
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
            let values = ClientValues::of(client);
            let mut params = client_params(&values);
            params.extend([&version as &(dyn ToSql + Sync), &id]);
            tx.execute(UPDATE_PROFILE, &params)
                .await
                .map_err(StoreError::postgres("updating api client"))?;
            let after = Some(snapshot::api_client(client));
            Ok(entry(AuditAction::ClientUpdated, after))
        }
        ClientChange::Secret(hash) => {
            tx.execute(
                "UPDATE api_clients SET secret_hash = $2, version = $3,
                     secret_generation = secret_generation + 1
                 WHERE id = $1",
                &[&id, &hash.to_hex(), &version],
            )
            .await
            .map_err(StoreError::postgres("rotating client secret"))?;
            let after = Some(snapshot::secret_rotated());
            Ok(entry(AuditAction::ClientSecretRotated, after))
        }
    }
}

/// Reads one client; `lock` is `""` or a locking clause.
async fn select_client(
    db: &impl GenericClient,
    id: i64,
    lock: &str,
) -> SqlResult<Option<(ClientRecord, SecretHash)>> {
    let sql = format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = $1{lock}");
    let row = db
        .query_opt(&sql, &[&id])
        .await
        .map_err(StoreError::postgres("reading api client"))?;
    row.as_ref().map(decode_client).transpose()
}

fn decode_client(row: &Row) -> SqlResult<(ClientRecord, SecretHash)> {
    let values = ClientValues {
        name: row.get("name"),
        system: row.get("system"),
        scopes: row.get("scopes"),
        allowed_services: row.get("allowed_services"),
        ip_allow: row.get("ip_allow"),
        window: [
            row.get("window_start"),
            row.get("window_end"),
            row.get("window_zone"),
        ],
        rate: (
            row.get("rate_requests"),
            row.get("rate_per"),
            row.get("rate_burst"),
        ),
        quota: (row.get("quota_messages"), row.get("quota_per")),
        disabled: row.get("disabled"),
    };
    let hash: String = row.get("secret_hash");
    let hash = SecretHash::from_hex(&hash).ok_or(StoreError::Corrupt {
        what: "client secret hash",
    })?;
    let record = ClientRecord {
        id: row.get("id"),
        version: row.get("version"),
        client: values.decode()?,
        secret_generation: row.get("secret_generation"),
        created_at: row.get("created_at"),
    };
    Ok((record, hash))
}
