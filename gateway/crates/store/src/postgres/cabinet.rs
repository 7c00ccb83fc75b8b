//! The cabinet tables on PostgreSQL: every change one transaction that
//! locks the row (`FOR UPDATE`), checks its version, writes, and appends its
//! audit entry. Inserts that may race (the organisation card, a login) rely
//! on the unique keys rather than on a prior check.

use std::net::IpAddr;

use cabinet::audit::AuditContext;
use cabinet::password::PasswordHash;
use cabinet::{
    snapshot, ApiToken, AuditAction, AuditEntry, AuditRecord, LockoutPolicy, LoginState,
    ObjectKind, Organisation, OrganisationForm, SecretHash, Session, User,
};
use deadpool_postgres::Transaction;
use time::OffsetDateTime;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use super::PgStore;
use crate::cabinet::rows::{corrupt, user_form};
use crate::cabinet::{
    demotes_administrator, last_administrator, AuditFilter, CabinetStoreError, OrganisationRow,
    StoredUser, UserChange, UserKey, UserRecord, UserRow, UserValues, Versioned, ORGANISATION_ID,
};
use crate::error::StoreError;

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const USER_COLUMNS: &str = "id, version, login, full_name, role, allowed_services, ip_allow, \
     window_start, window_end, window_zone, message_bodies_granted, disabled, password_hash, \
     failed_logins, first_failure_at, locked_until, created_at";

/// Advisory lock key serialising changes that remove an administrator
/// ("smevgate admins" in ASCII, truncated to 64 bits).
const ADMINISTRATORS_LOCK: i64 = 0x736d_6576_6164_6d6e;

const TOKEN_COLUMNS: &str = "id, user_id, label, created_at, expires_at, revoked_at";

const SELECT_ORGANISATION: &str = "
SELECT full_name, short_name, inn, ogrn, kpp, address, email, phone, status, version
FROM organisation WHERE id = 1";

const INSERT_ORGANISATION: &str = "
INSERT INTO organisation (id, full_name, short_name, inn, ogrn, kpp, address, email, phone,
    status, version, updated_at)
VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)
ON CONFLICT (id) DO NOTHING";

const UPDATE_ORGANISATION: &str = "
UPDATE organisation SET full_name = $1, short_name = $2, inn = $3, ogrn = $4, kpp = $5,
    address = $6, email = $7, phone = $8, status = $9, updated_at = $10, version = $11
WHERE id = 1";

const INSERT_USER: &str = "
INSERT INTO users (login, full_name, role, allowed_services, ip_allow, window_start,
    window_end, window_zone, message_bodies_granted, disabled, password_hash, version,
    created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12)
ON CONFLICT (login) DO NOTHING
RETURNING id";

const UPDATE_PROFILE: &str = "
UPDATE users SET login = $2, full_name = $3, role = $4, allowed_services = $5, ip_allow = $6,
    window_start = $7, window_end = $8, window_zone = $9, message_bodies_granted = $10,
    disabled = $11, version = $12
WHERE id = $1";

const WRITE_LOGIN_STATE: &str = "
UPDATE users SET failed_logins = $2, first_failure_at = $3, locked_until = $4 WHERE id = $1";

const INSERT_AUDIT: &str = "
INSERT INTO audit_journal (at, actor, remote, action, object_kind, object_id, before_json,
    after_json)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

const QUERY_AUDIT: &str = "
SELECT id, at, actor, remote, action, object_kind, object_id, before_json, after_json
FROM audit_journal
WHERE ($1::text IS NULL OR object_kind = $1) AND ($2::text IS NULL OR object_id = $2)
  AND ($3::text IS NULL OR actor = $3)
ORDER BY id LIMIT $4::bigint";

// === impl PgStore ===

impl PgStore {
    pub(crate) async fn organisation(&self) -> Result<Option<Versioned<Organisation>>> {
        let client = self.client().await?;
        let row = select_organisation(&**client, "").await?;
        Ok(row.map(OrganisationRow::decode).transpose()?)
    }

    pub(crate) async fn create_organisation(
        &self,
        organisation: Organisation,
        context: AuditContext,
    ) -> Result<Versioned<Organisation>> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let form = organisation.to_form();
        let mut params = organisation_params(&form);
        params.push(&context.at);
        let inserted = tx
            .execute(INSERT_ORGANISATION, &params)
            .await
            .map_err(StoreError::postgres("inserting organisation"))?;
        if inserted == 0 {
            let (kind, id) = (ObjectKind::Organisation, ORGANISATION_ID.to_string());
            return Err(CabinetStoreError::AlreadyExists { kind, id });
        }

        let after = Some(snapshot::organisation(&organisation));
        let action = AuditAction::OrganisationCreated;
        insert_audit(&tx, &AuditEntry::new(&context, action, "1", None, after)).await?;
        commit(tx).await?;
        Ok(Versioned {
            id: ORGANISATION_ID,
            version: 1,
            value: organisation,
        })
    }

    pub(crate) async fn update_organisation(
        &self,
        organisation: Organisation,
        expected: i64,
        context: AuditContext,
    ) -> Result<Versioned<Organisation>> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let kind = ObjectKind::Organisation;
        let Some(current) = select_organisation(&*tx, " FOR UPDATE").await? else {
            return Err(CabinetStoreError::not_found(kind, ORGANISATION_ID));
        };
        CabinetStoreError::check_version(kind, ORGANISATION_ID, expected, current.version)?;
        let before = current.decode()?;

        let version = expected + 1;
        let form = organisation.to_form();
        let mut params = organisation_params(&form);
        params.extend([&context.at as &(dyn ToSql + Sync), &version]);
        tx.execute(UPDATE_ORGANISATION, &params)
            .await
            .map_err(StoreError::postgres("updating organisation"))?;
        let before = Some(snapshot::organisation(&before.value));
        let after = Some(snapshot::organisation(&organisation));
        let action = AuditAction::OrganisationUpdated;
        insert_audit(&tx, &AuditEntry::new(&context, action, "1", before, after)).await?;
        commit(tx).await?;
        Ok(Versioned {
            id: ORGANISATION_ID,
            version,
            value: organisation,
        })
    }

    pub(crate) async fn create_user(
        &self,
        user: User,
        hash: PasswordHash,
        context: AuditContext,
    ) -> Result<UserRecord> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let values = UserValues::of(&user);
        let mut params = user_params(&values);
        let phc = hash.as_phc();
        params.extend([&phc as &(dyn ToSql + Sync), &context.at]);
        let row = tx
            .query_opt(INSERT_USER, &params)
            .await
            .map_err(StoreError::postgres("inserting user"))?;
        let Some(row) = row else {
            return Err(login_taken(user.login()));
        };
        let id: i64 = row.get(0);

        let after = Some(snapshot::user(&user));
        let action = AuditAction::UserCreated;
        let entry = AuditEntry::new(&context, action, id.to_string(), None, after);
        insert_audit(&tx, &entry).await?;
        commit(tx).await?;
        Ok(UserRecord {
            id,
            version: 1,
            user,
            login_state: LoginState::default(),
            created_at: context.at,
        })
    }

    pub(crate) async fn stored_user(&self, key: UserKey) -> Result<Option<StoredUser>> {
        let client = self.client().await?;
        Ok(select_user(&**client, &key, "").await?)
    }

    pub(crate) async fn users(&self) -> Result<Vec<UserRecord>> {
        let client = self.client().await?;
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login");
        let rows = client
            .query(&sql, &[])
            .await
            .map_err(StoreError::postgres("listing users"))?;
        let mut users = Vec::with_capacity(rows.len());
        for row in &rows {
            users.push(decode_user(row)?.decode()?.record);
        }
        Ok(users)
    }

    pub(crate) async fn change_user(
        &self,
        id: i64,
        change: UserChange,
        expected: i64,
        context: AuditContext,
    ) -> Result<UserRecord> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let current = locked_user(&tx, id, expected).await?;
        if let UserChange::Profile(after) = &change {
            keep_an_administrator(&tx, &current, Some(after)).await?;
        }
        let audit = apply_user_change(&tx, &current, &change, &context).await?;
        insert_audit(&tx, &audit).await?;
        let changed = select_user(&*tx, &UserKey::Id(id), "")
            .await?
            .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::User, id))?;
        commit(tx).await?;
        Ok(changed.record)
    }

    pub(crate) async fn delete_user(
        &self,
        id: i64,
        expected: i64,
        context: AuditContext,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let current = locked_user(&tx, id, expected).await?;
        keep_an_administrator(&tx, &current, None).await?;
        tx.execute("DELETE FROM users WHERE id = $1", &[&id])
            .await
            .map_err(StoreError::postgres("deleting user"))?;
        let before = Some(snapshot::user(&current.record.user));
        let action = AuditAction::UserDeleted;
        let entry = AuditEntry::new(&context, action, id.to_string(), before, None);
        insert_audit(&tx, &entry).await?;
        commit(tx).await
    }

    pub(crate) async fn record_login_failure(
        &self,
        id: i64,
        policy: LockoutPolicy,
        now: OffsetDateTime,
    ) -> Result<LoginState> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let current = select_user(&*tx, &UserKey::Id(id), " FOR UPDATE")
            .await?
            .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::User, id))?;
        let state = policy.after_failure(current.record.login_state, now);
        write_login_state(&tx, id, &state).await?;
        commit(tx).await?;
        Ok(state)
    }

    pub(crate) async fn open_session(
        &self,
        hash: SecretHash,
        session: Session,
    ) -> Result<UserRecord> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        write_login_state(&tx, session.user_id, &LoginState::default()).await?;
        let remote = session.remote.map(|ip| ip.to_string());
        tx.execute(
            "INSERT INTO sessions (secret_hash, user_id, created_at, expires_at, remote)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &hash.to_hex(),
                &session.user_id,
                &session.created_at,
                &session.expires_at,
                &remote,
            ],
        )
        .await
        .map_err(StoreError::postgres("inserting session"))?;
        let user = select_user(&*tx, &UserKey::Id(session.user_id), "")
            .await?
            .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::User, session.user_id))?;
        commit(tx).await?;
        Ok(user.record)
    }

    pub(crate) async fn session(&self, hash: SecretHash) -> Result<Option<(Session, UserRecord)>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT user_id, created_at, expires_at, remote FROM sessions
                 WHERE secret_hash = $1",
                &[&hash.to_hex()],
            )
            .await
            .map_err(StoreError::postgres("looking session up"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let session = Session {
            user_id: row.get("user_id"),
            created_at: row.get("created_at"),
            expires_at: row.get("expires_at"),
            remote: parse_remote(row.get("remote"))?,
        };
        let user = select_user(&**client, &UserKey::Id(session.user_id), "")
            .await?
            .ok_or_else(|| corrupt("session user"))?;
        Ok(Some((session, user.record)))
    }

    pub(crate) async fn end_session(&self, hash: SecretHash) -> Result<bool> {
        let client = self.client().await?;
        let deleted = client
            .execute(
                "DELETE FROM sessions WHERE secret_hash = $1",
                &[&hash.to_hex()],
            )
            .await
            .map_err(StoreError::postgres("deleting session"))?;
        Ok(deleted > 0)
    }

    pub(crate) async fn issue_api_token(
        &self,
        hash: SecretHash,
        token: ApiToken,
        context: AuditContext,
    ) -> Result<ApiToken> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let user = select_user(&*tx, &UserKey::Id(token.user_id), " FOR SHARE").await?;
        if user.is_none() {
            return Err(CabinetStoreError::not_found(
                ObjectKind::User,
                token.user_id,
            ));
        }
        let row = tx
            .query_one(
                "INSERT INTO api_tokens (secret_hash, user_id, label, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &hash.to_hex(),
                    &token.user_id,
                    &token.label,
                    &token.created_at,
                    &token.expires_at,
                ],
            )
            .await
            .map_err(StoreError::postgres("inserting api token"))?;
        let token = ApiToken {
            id: row.get(0),
            ..token
        };

        let after = Some(snapshot::api_token(&token));
        let action = AuditAction::ApiTokenIssued;
        let entry = AuditEntry::new(&context, action, token.id.to_string(), None, after);
        insert_audit(&tx, &entry).await?;
        commit(tx).await?;
        Ok(token)
    }

    pub(crate) async fn api_token(
        &self,
        hash: SecretHash,
    ) -> Result<Option<(ApiToken, UserRecord)>> {
        let client = self.client().await?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = $1");
        let row = client
            .query_opt(&sql, &[&hash.to_hex()])
            .await
            .map_err(StoreError::postgres("looking api token up"))?;
        let Some(token) = row.as_ref().map(decode_token) else {
            return Ok(None);
        };
        let user = select_user(&**client, &UserKey::Id(token.user_id), "")
            .await?
            .ok_or_else(|| corrupt("api token user"))?;
        Ok(Some((token, user.record)))
    }

    pub(crate) async fn revoke_api_token(
        &self,
        id: i64,
        context: AuditContext,
    ) -> Result<ApiToken> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 FOR UPDATE");
        let row = tx
            .query_opt(&sql, &[&id])
            .await
            .map_err(StoreError::postgres("reading api token"))?;
        let Some(token) = row.as_ref().map(decode_token) else {
            return Err(CabinetStoreError::not_found(ObjectKind::ApiToken, id));
        };
        if token.revoked_at.is_some() {
            return Ok(token);
        }

        tx.execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1",
            &[&id, &context.at],
        )
        .await
        .map_err(StoreError::postgres("revoking api token"))?;
        let revoked = ApiToken {
            revoked_at: Some(context.at),
            ..token.clone()
        };
        let before = Some(snapshot::api_token(&token));
        let after = Some(snapshot::api_token(&revoked));
        let action = AuditAction::ApiTokenRevoked;
        let entry = AuditEntry::new(&context, action, id.to_string(), before, after);
        insert_audit(&tx, &entry).await?;
        commit(tx).await?;
        Ok(revoked)
    }

    pub(crate) async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let client = self.client().await?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id");
        let rows = client
            .query(&sql, &[&user_id])
            .await
            .map_err(StoreError::postgres("listing api tokens"))?;
        Ok(rows.iter().map(decode_token).collect())
    }

    pub(crate) async fn audit_entries(&self, filter: AuditFilter) -> Result<Vec<AuditRecord>> {
        let client = self.client().await?;
        let kind = filter.object_kind.map(ObjectKind::as_str);
        let limit = filter.limit.map(i64::from);
        let rows = client
            .query(
                QUERY_AUDIT,
                &[&kind, &filter.object_id, &filter.actor, &limit],
            )
            .await
            .map_err(StoreError::postgres("querying audit journal"))?;
        let records = rows.iter().map(decode_audit).collect::<SqlResult<_>>()?;
        Ok(records)
    }
}

async fn begin(client: &mut deadpool_postgres::Object) -> SqlResult<Transaction<'_>> {
    client
        .transaction()
        .await
        .map_err(StoreError::postgres("beginning cabinet change"))
}

async fn commit(tx: Transaction<'_>) -> Result<()> {
    tx.commit()
        .await
        .map_err(StoreError::postgres("committing cabinet change"))?;
    Ok(())
}

fn organisation_params(form: &OrganisationForm) -> Vec<&(dyn ToSql + Sync)> {
    vec![
        &form.full_name,
        &form.short_name,
        &form.inn,
        &form.ogrn,
        &form.kpp,
        &form.address,
        &form.email,
        &form.phone,
        &form.status,
    ]
}

/// Reads the organisation row; `lock` is `""` or a locking clause.
async fn select_organisation(
    client: &impl GenericClient,
    lock: &str,
) -> SqlResult<Option<OrganisationRow>> {
    let sql = format!("{SELECT_ORGANISATION}{lock}");
    let row = client
        .query_opt(&sql, &[])
        .await
        .map_err(StoreError::postgres("reading organisation"))?;
    Ok(row.map(|row| OrganisationRow {
        form: OrganisationForm {
            full_name: row.get("full_name"),
            short_name: row.get("short_name"),
            inn: row.get("inn"),
            ogrn: row.get("ogrn"),
            kpp: row.get("kpp"),
            address: row.get("address"),
            email: row.get("email"),
            phone: row.get("phone"),
            status: row.get("status"),
        },
        version: row.get("version"),
    }))
}

/// Parameters `$1..$10` of [`INSERT_USER`] (after `$1` id for [`UPDATE_PROFILE`]).
fn user_params(values: &UserValues) -> Vec<&(dyn ToSql + Sync)> {
    vec![
        &values.login,
        &values.full_name,
        &values.role,
        &values.allowed_services,
        &values.ip_allow,
        &values.window_start,
        &values.window_end,
        &values.window_zone,
        &values.message_bodies_granted,
        &values.disabled,
    ]
}

fn login_taken(login: &str) -> CabinetStoreError {
    CabinetStoreError::AlreadyExists {
        kind: ObjectKind::User,
        id: login.to_owned(),
    }
}

/// The user `id`, locked, at `expected` version.
async fn locked_user(tx: &Transaction<'_>, id: i64, expected: i64) -> Result<StoredUser> {
    let kind = ObjectKind::User;
    let current = select_user(&**tx, &UserKey::Id(id), " FOR UPDATE")
        .await?
        .ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
    CabinetStoreError::check_version(kind, id, expected, current.record.version)?;
    Ok(current)
}

/// Refuses to turn `current` into `after` (`None`: delete it) when that
/// leaves no active technical administrator.
///
/// Two transactions demoting the last two administrators at once would
/// each still see the other one under READ COMMITTED; a transaction-scoped
/// advisory lock taken before counting makes them go one after the other,
/// and the second one counts after the first committed.
async fn keep_an_administrator(
    tx: &Transaction<'_>,
    current: &StoredUser,
    after: Option<&User>,
) -> Result<()> {
    if !demotes_administrator(&current.record.user, after) {
        return Ok(());
    }
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ADMINISTRATORS_LOCK])
        .await
        .map_err(StoreError::postgres("locking administrators"))?;
    let row = tx
        .query_one(
            "SELECT count(*) FROM users WHERE role = 'technical_administrator' \
             AND NOT disabled AND id <> $1",
            &[&current.record.id],
        )
        .await
        .map_err(StoreError::postgres("counting administrators"))?;
    let others: i64 = row
        .try_get(0)
        .map_err(StoreError::postgres("reading the administrator count"))?;
    if others == 0 {
        return Err(last_administrator(current.record.id));
    }
    Ok(())
}

/// Writes `change` over `current` with the next version; returns its audit entry.
async fn apply_user_change(
    tx: &Transaction<'_>,
    current: &StoredUser,
    change: &UserChange,
    context: &AuditContext,
) -> Result<AuditEntry> {
    let id = current.record.id;
    let version = current.record.version + 1;
    let before = Some(snapshot::user(&current.record.user));
    let entry = |action, after| AuditEntry::new(context, action, id.to_string(), before, after);
    match change {
        UserChange::Profile(user) => {
            write_profile(tx, id, version, user).await?;
            Ok(entry(AuditAction::UserUpdated, Some(snapshot::user(user))))
        }
        UserChange::Password(hash) => {
            tx.execute(
                "UPDATE users SET password_hash = $2, version = $3 WHERE id = $1",
                &[&id, &hash.as_phc(), &version],
            )
            .await
            .map_err(StoreError::postgres("setting password"))?;
            let after = Some(snapshot::password_changed());
            Ok(entry(AuditAction::PasswordSet, after))
        }
        UserChange::Unlock => {
            write_login_state(tx, id, &LoginState::default()).await?;
            tx.execute(
                "UPDATE users SET version = $2 WHERE id = $1",
                &[&id, &version],
            )
            .await
            .map_err(StoreError::postgres("unlocking user"))?;
            let after = Some(snapshot::user(&current.record.user));
            Ok(entry(AuditAction::UserUnlocked, after))
        }
    }
}

async fn write_profile(tx: &Transaction<'_>, id: i64, version: i64, user: &User) -> Result<()> {
    let values = UserValues::of(user);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id];
    params.extend(user_params(&values));
    params.push(&version);
    let written = tx.execute(UPDATE_PROFILE, &params).await;
    match written {
        Ok(_) => Ok(()),
        Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            Err(login_taken(user.login()))
        }
        Err(source) => Err(StoreError::Postgres {
            context: "updating user",
            source,
        }
        .into()),
    }
}

async fn write_login_state(tx: &Transaction<'_>, id: i64, state: &LoginState) -> SqlResult<()> {
    let failures = i64::from(state.failures);
    tx.execute(
        WRITE_LOGIN_STATE,
        &[&id, &failures, &state.first_failure_at, &state.locked_until],
    )
    .await
    .map_err(StoreError::postgres("writing login state"))?;
    Ok(())
}

/// Reads one user; `lock` is `""` or a locking clause.
async fn select_user(
    client: &impl GenericClient,
    key: &UserKey,
    lock: &str,
) -> SqlResult<Option<StoredUser>> {
    let (column, value): (&str, &(dyn ToSql + Sync)) = match key {
        UserKey::Id(id) => ("id", id),
        UserKey::Login(login) => ("login", login),
    };
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = $1{lock}");
    let row = client
        .query_opt(&sql, &[value])
        .await
        .map_err(StoreError::postgres("reading user"))?;
    match row {
        Some(row) => Ok(Some(decode_user(&row)?.decode()?)),
        None => Ok(None),
    }
}

fn decode_user(row: &Row) -> SqlResult<UserRow> {
    let services: String = row.get("allowed_services");
    let ip_allow: String = row.get("ip_allow");
    let window = [
        row.get("window_start"),
        row.get("window_end"),
        row.get("window_zone"),
    ];
    let values = user_form(
        [row.get("login"), row.get("full_name"), row.get("role")],
        [&services, &ip_allow],
        window,
        [row.get("message_bodies_granted"), row.get("disabled")],
    );
    Ok(UserRow {
        id: row.get("id"),
        version: row.get("version"),
        values,
        password_hash: row.get("password_hash"),
        failed_logins: row.get("failed_logins"),
        first_failure_at: row.get("first_failure_at"),
        locked_until: row.get("locked_until"),
        created_at: row.get("created_at"),
    })
}

fn decode_token(row: &Row) -> ApiToken {
    ApiToken {
        id: row.get("id"),
        user_id: row.get("user_id"),
        label: row.get("label"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        revoked_at: row.get("revoked_at"),
    }
}

pub(super) async fn insert_audit(tx: &Transaction<'_>, entry: &AuditEntry) -> SqlResult<()> {
    let remote = entry.remote.map(|ip| ip.to_string());
    tx.execute(
        INSERT_AUDIT,
        &[
            &entry.at,
            &entry.actor,
            &remote,
            &entry.action.as_str(),
            &entry.object_kind.as_str(),
            &entry.object_id,
            &entry.before,
            &entry.after,
        ],
    )
    .await
    .map_err(StoreError::postgres("inserting audit entry"))?;
    Ok(())
}

fn decode_audit(row: &Row) -> SqlResult<AuditRecord> {
    let action: &str = row.get("action");
    let kind: &str = row.get("object_kind");
    let entry = AuditEntry {
        at: row.get("at"),
        actor: row.get("actor"),
        remote: parse_remote(row.get("remote"))?,
        action: AuditAction::parse(action).ok_or_else(|| corrupt("audit action"))?,
        object_kind: ObjectKind::parse(kind).ok_or_else(|| corrupt("audit object kind"))?,
        object_id: row.get("object_id"),
        before: row.get("before_json"),
        after: row.get("after_json"),
    };
    Ok(AuditRecord {
        id: row.get("id"),
        entry,
    })
}

fn parse_remote(remote: Option<String>) -> SqlResult<Option<IpAddr>> {
    let parse = |text: String| {
        text.parse::<IpAddr>()
            .map_err(|_| corrupt("remote address"))
    };
    remote.map(parse).transpose()
}
