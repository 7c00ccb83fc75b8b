//! The cabinet tables on SQLite: every change one `BEGIN IMMEDIATE`
//! transaction holding the version check, the write and its audit entry.

use std::net::IpAddr;

use cabinet::audit::AuditContext;
use cabinet::password::PasswordHash;
use cabinet::{
    snapshot, ApiToken, AuditAction, AuditEntry, AuditRecord, LockoutPolicy, LoginState,
    ObjectKind, Organisation, OrganisationForm, SecretHash, Session, User,
};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use time::OffsetDateTime;

use super::{begin_write, from_micros, to_micros, SqliteStore};
use crate::cabinet::rows::{corrupt, user_form};
use crate::cabinet::{
    demotes_administrator, last_administrator, AuditFilter, CabinetStoreError, OrganisationRow,
    StoredUser, UserChange, UserKey, UserRecord, UserRow, UserValues, Versioned, ORGANISATION_ID,
};
use crate::error::StoreError;

type Result<T> = std::result::Result<T, CabinetStoreError>;
type SqlResult<T> = std::result::Result<T, StoreError>;

const ORGANISATION_COLUMNS: &str =
    "full_name, short_name, inn, ogrn, kpp, address, email, phone, status, version";

const USER_COLUMNS: &str = "id, version, login, full_name, role, allowed_services, ip_allow, \
     window_start, window_end, window_zone, message_bodies_granted, disabled, password_hash, \
     failed_logins, first_failure_at, locked_until, created_at";

const TOKEN_COLUMNS: &str = "id, user_id, label, created_at, expires_at, revoked_at";

// === impl SqliteStore ===

impl SqliteStore {
    /// Runs `work` on the connection; its cabinet error comes back as is.
    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        self.call(move |conn| Ok(work(conn))).await?
    }

    pub(crate) async fn organisation(&self) -> Result<Option<Versioned<Organisation>>> {
        self.run(|conn| {
            let row = select_organisation(conn)?;
            Ok(row.map(OrganisationRow::decode).transpose()?)
        })
        .await
    }

    pub(crate) async fn create_organisation(
        &self,
        organisation: Organisation,
        context: AuditContext,
    ) -> Result<Versioned<Organisation>> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            if select_organisation(&tx)?.is_some() {
                let id = ORGANISATION_ID.to_string();
                let kind = ObjectKind::Organisation;
                return Err(CabinetStoreError::AlreadyExists { kind, id });
            }
            write_organisation(&tx, &organisation, 1, context.at)?;
            let after = Some(snapshot::organisation(&organisation));
            let action = AuditAction::OrganisationCreated;
            insert_audit(&tx, &AuditEntry::new(&context, action, "1", None, after))?;
            commit(tx)?;
            Ok(Versioned {
                id: ORGANISATION_ID,
                version: 1,
                value: organisation,
            })
        })
        .await
    }

    pub(crate) async fn update_organisation(
        &self,
        organisation: Organisation,
        expected: i64,
        context: AuditContext,
    ) -> Result<Versioned<Organisation>> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            let kind = ObjectKind::Organisation;
            let Some(current) = select_organisation(&tx)? else {
                return Err(CabinetStoreError::not_found(kind, ORGANISATION_ID));
            };
            CabinetStoreError::check_version(kind, ORGANISATION_ID, expected, current.version)?;
            let before = current.decode()?;

            let version = expected + 1;
            write_organisation(&tx, &organisation, version, context.at)?;
            let before = Some(snapshot::organisation(&before.value));
            let after = Some(snapshot::organisation(&organisation));
            let action = AuditAction::OrganisationUpdated;
            insert_audit(&tx, &AuditEntry::new(&context, action, "1", before, after))?;
            commit(tx)?;
            Ok(Versioned {
                id: ORGANISATION_ID,
                version,
                value: organisation,
            })
        })
        .await
    }

    pub(crate) async fn create_user(
        &self,
        user: User,
        hash: PasswordHash,
        context: AuditContext,
    ) -> Result<UserRecord> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            refuse_taken_login(&tx, user.login(), None)?;
            let id = insert_user(&tx, &UserValues::of(&user), &hash, context.at)?;

            let after = Some(snapshot::user(&user));
            let action = AuditAction::UserCreated;
            insert_audit(
                &tx,
                &AuditEntry::new(&context, action, id.to_string(), None, after),
            )?;
            commit(tx)?;
            Ok(UserRecord {
                id,
                version: 1,
                user,
                login_state: LoginState::default(),
                created_at: context.at,
            })
        })
        .await
    }

    pub(crate) async fn stored_user(&self, key: UserKey) -> Result<Option<StoredUser>> {
        self.run(move |conn| Ok(select_user(conn, &key)?)).await
    }

    pub(crate) async fn users(&self) -> Result<Vec<UserRecord>> {
        self.run(|conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login");
            let mut statement = conn
                .prepare(&sql)
                .map_err(StoreError::sqlite("preparing user list"))?;
            let rows = statement
                .query_map([], read_user)
                .map_err(StoreError::sqlite("listing users"))?;
            let mut users = Vec::new();
            for row in rows {
                let row = row.map_err(StoreError::sqlite("reading user"))?;
                users.push(row.decode()?.decode()?.record);
            }
            Ok(users)
        })
        .await
    }

    pub(crate) async fn change_user(
        &self,
        id: i64,
        change: UserChange,
        expected: i64,
        context: AuditContext,
    ) -> Result<UserRecord> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            let current = locked_user(&tx, id, expected)?;
            if let UserChange::Profile(after) = &change {
                keep_an_administrator(&tx, &current, Some(after))?;
            }
            let audit = apply_user_change(&tx, &current, &change, &context)?;
            insert_audit(&tx, &audit)?;
            let changed = select_user(&tx, &UserKey::Id(id))?
                .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::User, id))?;
            commit(tx)?;
            Ok(changed.record)
        })
        .await
    }

    pub(crate) async fn delete_user(
        &self,
        id: i64,
        expected: i64,
        context: AuditContext,
    ) -> Result<()> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            let current = locked_user(&tx, id, expected)?;
            keep_an_administrator(&tx, &current, None)?;
            tx.execute("DELETE FROM users WHERE id = ?1", [id])
                .map_err(StoreError::sqlite("deleting user"))?;
            let before = Some(snapshot::user(&current.record.user));
            let action = AuditAction::UserDeleted;
            insert_audit(
                &tx,
                &AuditEntry::new(&context, action, id.to_string(), before, None),
            )?;
            commit(tx)
        })
        .await
    }

    pub(crate) async fn record_login_failure(
        &self,
        id: i64,
        policy: LockoutPolicy,
        now: OffsetDateTime,
    ) -> Result<LoginState> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            let current = select_user(&tx, &UserKey::Id(id))?
                .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::User, id))?;
            let state = policy.after_failure(current.record.login_state, now);
            write_login_state(&tx, id, &state)?;
            commit(tx)?;
            Ok(state)
        })
        .await
    }

    pub(crate) async fn open_session(
        &self,
        hash: SecretHash,
        session: Session,
    ) -> Result<UserRecord> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            write_login_state(&tx, session.user_id, &LoginState::default())?;
            tx.execute(
                "INSERT INTO sessions (secret_hash, user_id, created_at, expires_at, remote)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    hash.to_hex(),
                    session.user_id,
                    to_micros(session.created_at),
                    to_micros(session.expires_at),
                    session.remote.map(|ip| ip.to_string()),
                ],
            )
            .map_err(StoreError::sqlite("inserting session"))?;
            let user = select_user(&tx, &UserKey::Id(session.user_id))?
                .ok_or_else(|| CabinetStoreError::not_found(ObjectKind::User, session.user_id))?;
            commit(tx)?;
            Ok(user.record)
        })
        .await
    }

    pub(crate) async fn session(&self, hash: SecretHash) -> Result<Option<(Session, UserRecord)>> {
        self.run(move |conn| {
            let Some(session) = select_session(conn, &hash)? else {
                return Ok(None);
            };
            let user = select_user(conn, &UserKey::Id(session.user_id))?
                .ok_or_else(|| corrupt("session user"))?;
            Ok(Some((session, user.record)))
        })
        .await
    }

    pub(crate) async fn end_session(&self, hash: SecretHash) -> Result<bool> {
        self.run(move |conn| {
            let deleted = conn
                .execute(
                    "DELETE FROM sessions WHERE secret_hash = ?1",
                    [hash.to_hex()],
                )
                .map_err(StoreError::sqlite("deleting session"))?;
            Ok(deleted > 0)
        })
        .await
    }

    pub(crate) async fn issue_api_token(
        &self,
        hash: SecretHash,
        token: ApiToken,
        context: AuditContext,
    ) -> Result<ApiToken> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            if select_user(&tx, &UserKey::Id(token.user_id))?.is_none() {
                return Err(CabinetStoreError::not_found(
                    ObjectKind::User,
                    token.user_id,
                ));
            }
            let token = insert_token(&tx, &hash, token)?;

            let after = Some(snapshot::api_token(&token));
            let action = AuditAction::ApiTokenIssued;
            let entry = AuditEntry::new(&context, action, token.id.to_string(), None, after);
            insert_audit(&tx, &entry)?;
            commit(tx)?;
            Ok(token)
        })
        .await
    }

    pub(crate) async fn api_token(
        &self,
        hash: SecretHash,
    ) -> Result<Option<(ApiToken, UserRecord)>> {
        self.run(move |conn| {
            let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = ?1");
            let Some(token) = select_token(conn, &sql, &hash.to_hex())? else {
                return Ok(None);
            };
            let user = select_user(conn, &UserKey::Id(token.user_id))?
                .ok_or_else(|| corrupt("api token user"))?;
            Ok(Some((token, user.record)))
        })
        .await
    }

    pub(crate) async fn revoke_api_token(
        &self,
        id: i64,
        context: AuditContext,
    ) -> Result<ApiToken> {
        self.run(move |conn| {
            let tx = begin_write(conn)?;
            let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = ?1");
            let Some(token) = select_token(&tx, &sql, &id)? else {
                return Err(CabinetStoreError::not_found(ObjectKind::ApiToken, id));
            };
            if token.revoked_at.is_some() {
                return Ok(token);
            }

            tx.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1",
                params![id, to_micros(context.at)],
            )
            .map_err(StoreError::sqlite("revoking api token"))?;
            let revoked = ApiToken {
                revoked_at: Some(context.at),
                ..token.clone()
            };
            let before = Some(snapshot::api_token(&token));
            let after = Some(snapshot::api_token(&revoked));
            let action = AuditAction::ApiTokenRevoked;
            insert_audit(
                &tx,
                &AuditEntry::new(&context, action, id.to_string(), before, after),
            )?;
            commit(tx)?;
            Ok(revoked)
        })
        .await
    }

    pub(crate) async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        self.run(move |conn| {
            let sql =
                format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ?1 ORDER BY id");
            let mut statement = conn
                .prepare(&sql)
                .map_err(StoreError::sqlite("preparing token list"))?;
            let rows = statement
                .query_map([user_id], read_token)
                .map_err(StoreError::sqlite("listing api tokens"))?;
            let mut tokens = Vec::new();
            for row in rows {
                let raw = row.map_err(StoreError::sqlite("reading api token"))?;
                tokens.push(raw.decode()?);
            }
            Ok(tokens)
        })
        .await
    }

    pub(crate) async fn audit_entries(&self, filter: AuditFilter) -> Result<Vec<AuditRecord>> {
        self.run(move |conn| Ok(query_audit(conn, &filter)?)).await
    }
}

fn commit(tx: Transaction<'_>) -> Result<()> {
    tx.commit()
        .map_err(StoreError::sqlite("committing cabinet change"))?;
    Ok(())
}

fn select_organisation(conn: &Connection) -> SqlResult<Option<OrganisationRow>> {
    let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisation WHERE id = 1");
    conn.query_row(&sql, [], |row| {
        let form = OrganisationForm {
            full_name: row.get(0)?,
            short_name: row.get(1)?,
            inn: row.get(2)?,
            ogrn: row.get(3)?,
            kpp: row.get(4)?,
            address: row.get(5)?,
            email: row.get(6)?,
            phone: row.get(7)?,
            status: row.get(8)?,
        };
        Ok(OrganisationRow {
            form,
            version: row.get(9)?,
        })
    })
    .optional()
    .map_err(StoreError::sqlite("reading organisation"))
}

fn write_organisation(
    tx: &Transaction<'_>,
    organisation: &Organisation,
    version: i64,
    at: OffsetDateTime,
) -> SqlResult<()> {
    let form = organisation.to_form();
    tx.execute(
        "INSERT INTO organisation (id, full_name, short_name, inn, ogrn, kpp, address, email,
             phone, status, version, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name,
             short_name = excluded.short_name, inn = excluded.inn, ogrn = excluded.ogrn,
             kpp = excluded.kpp, address = excluded.address, email = excluded.email,
             phone = excluded.phone, status = excluded.status, version = excluded.version,
             updated_at = excluded.updated_at",
        params![
            form.full_name,
            form.short_name,
            form.inn,
            form.ogrn,
            form.kpp,
            form.address,
            form.email,
            form.phone,
            form.status,
            version,
            to_micros(at),
        ],
    )
    .map_err(StoreError::sqlite("writing organisation"))?;
    Ok(())
}

fn insert_user(
    tx: &Transaction<'_>,
    values: &UserValues,
    hash: &PasswordHash,
    at: OffsetDateTime,
) -> SqlResult<i64> {
    tx.execute(
        "INSERT INTO users (login, full_name, role, allowed_services, ip_allow,
             window_start, window_end, window_zone, message_bodies_granted, disabled,
             password_hash, version, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12)",
        params![
            values.login,
            values.full_name,
            values.role,
            values.allowed_services,
            values.ip_allow,
            values.window_start,
            values.window_end,
            values.window_zone,
            values.message_bodies_granted,
            values.disabled,
            hash.as_phc(),
            to_micros(at),
        ],
    )
    .map_err(StoreError::sqlite("inserting user"))?;
    Ok(tx.last_insert_rowid())
}

/// The user `id`, at `expected` version, inside the write transaction.
fn locked_user(tx: &Transaction<'_>, id: i64, expected: i64) -> Result<StoredUser> {
    let kind = ObjectKind::User;
    let current =
        select_user(tx, &UserKey::Id(id))?.ok_or_else(|| CabinetStoreError::not_found(kind, id))?;
    CabinetStoreError::check_version(kind, id, expected, current.record.version)?;
    Ok(current)
}

/// Refuses to turn `current` into `after` (`None`: delete it) when that
/// leaves no active technical administrator. The write transaction
/// (`BEGIN IMMEDIATE`) keeps every other writer out meanwhile.
fn keep_an_administrator(
    tx: &Transaction<'_>,
    current: &StoredUser,
    after: Option<&User>,
) -> Result<()> {
    if !demotes_administrator(&current.record.user, after) {
        return Ok(());
    }
    let others: i64 = tx
        .query_row(
            "SELECT count(*) FROM users WHERE role = 'technical_administrator' \
             AND disabled = 0 AND id <> ?1",
            [current.record.id],
            |row| row.get(0),
        )
        .map_err(StoreError::sqlite("counting administrators"))?;
    if others == 0 {
        return Err(last_administrator(current.record.id));
    }
    Ok(())
}

/// Writes `change` over `current` with the next version; returns its audit entry.
fn apply_user_change(
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
            refuse_taken_login(tx, user.login(), Some(id))?;
            write_profile(tx, id, version, &UserValues::of(user))?;
            Ok(entry(AuditAction::UserUpdated, Some(snapshot::user(user))))
        }
        UserChange::Password(hash) => {
            tx.execute(
                "UPDATE users SET password_hash = ?2, version = ?3 WHERE id = ?1",
                params![id, hash.as_phc(), version],
            )
            .map_err(StoreError::sqlite("setting password"))?;
            Ok(entry(
                AuditAction::PasswordSet,
                Some(snapshot::password_changed()),
            ))
        }
        UserChange::Unlock => {
            write_login_state(tx, id, &LoginState::default())?;
            tx.execute(
                "UPDATE users SET version = ?2 WHERE id = ?1",
                params![id, version],
            )
            .map_err(StoreError::sqlite("unlocking user"))?;
            let after = Some(snapshot::user(&current.record.user));
            Ok(entry(AuditAction::UserUnlocked, after))
        }
    }
}

fn write_profile(
    tx: &Transaction<'_>,
    id: i64,
    version: i64,
    values: &UserValues,
) -> SqlResult<()> {
    tx.execute(
        "UPDATE users SET login = ?2, full_name = ?3, role = ?4, allowed_services = ?5,
             ip_allow = ?6, window_start = ?7, window_end = ?8, window_zone = ?9,
             message_bodies_granted = ?10, disabled = ?11, version = ?12
         WHERE id = ?1",
        params![
            id,
            values.login,
            values.full_name,
            values.role,
            values.allowed_services,
            values.ip_allow,
            values.window_start,
            values.window_end,
            values.window_zone,
            values.message_bodies_granted,
            values.disabled,
            version,
        ],
    )
    .map_err(StoreError::sqlite("updating user"))?;
    Ok(())
}

fn refuse_taken_login(tx: &Transaction<'_>, login: &str, except: Option<i64>) -> Result<()> {
    let taken: bool = tx
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE login = ?1 AND id IS NOT ?2)",
            params![login, except],
            |row| row.get(0),
        )
        .map_err(StoreError::sqlite("checking login"))?;
    match taken {
        true => Err(CabinetStoreError::AlreadyExists {
            kind: ObjectKind::User,
            id: login.to_owned(),
        }),
        false => Ok(()),
    }
}

fn write_login_state(tx: &Transaction<'_>, id: i64, state: &LoginState) -> SqlResult<()> {
    tx.execute(
        "UPDATE users SET failed_logins = ?2, first_failure_at = ?3, locked_until = ?4
         WHERE id = ?1",
        params![
            id,
            i64::from(state.failures),
            state.first_failure_at.map(to_micros),
            state.locked_until.map(to_micros),
        ],
    )
    .map_err(StoreError::sqlite("writing login state"))?;
    Ok(())
}

fn select_user(conn: &Connection, key: &UserKey) -> SqlResult<Option<StoredUser>> {
    let (column, value): (&str, &dyn rusqlite::ToSql) = match key {
        UserKey::Id(id) => ("id", id),
        UserKey::Login(login) => ("login", login),
    };
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1");
    let raw = conn
        .query_row(&sql, [value], read_user)
        .optional()
        .map_err(StoreError::sqlite("reading user"))?;
    match raw {
        Some(raw) => Ok(Some(raw.decode()?.decode()?)),
        None => Ok(None),
    }
}

/// A users row as SQLite gives it, times still in microseconds.
struct RawUser {
    ids: [i64; 3],
    texts: [String; 6],
    window: [Option<String>; 3],
    flags: [bool; 2],
    times: [Option<i64>; 2],
    created_at: i64,
}

fn read_user(row: &Row<'_>) -> rusqlite::Result<RawUser> {
    Ok(RawUser {
        // id, version, failed_logins
        ids: [row.get(0)?, row.get(1)?, row.get(13)?],
        // login, full_name, role, allowed_services, ip_allow, password_hash
        texts: [
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(12)?,
        ],
        window: [row.get(7)?, row.get(8)?, row.get(9)?],
        flags: [row.get(10)?, row.get(11)?],
        times: [row.get(14)?, row.get(15)?],
        created_at: row.get(16)?,
    })
}

// === impl RawUser ===

impl RawUser {
    fn decode(self) -> SqlResult<UserRow> {
        let [id, version, failed_logins] = self.ids;
        let [login, full_name, role, services, ip_allow, password_hash] = self.texts;
        let [bodies, disabled] = self.flags;
        let [first_failure_at, locked_until] = self.times;
        let values = user_form(
            [login, full_name, role],
            [&services, &ip_allow],
            self.window,
            [bodies, disabled],
        );
        Ok(UserRow {
            id,
            version,
            values,
            password_hash,
            failed_logins,
            first_failure_at: first_failure_at.map(from_micros).transpose()?,
            locked_until: locked_until.map(from_micros).transpose()?,
            created_at: from_micros(self.created_at)?,
        })
    }
}

fn select_session(conn: &Connection, hash: &SecretHash) -> SqlResult<Option<Session>> {
    let found = conn
        .query_row(
            "SELECT user_id, created_at, expires_at, remote FROM sessions
             WHERE secret_hash = ?1",
            [hash.to_hex()],
            |row| {
                let times: (i64, i64) = (row.get(1)?, row.get(2)?);
                let remote: Option<String> = row.get(3)?;
                Ok((row.get::<_, i64>(0)?, times, remote))
            },
        )
        .optional()
        .map_err(StoreError::sqlite("looking session up"))?;
    let Some((user_id, (created_at, expires_at), remote)) = found else {
        return Ok(None);
    };
    Ok(Some(Session {
        user_id,
        created_at: from_micros(created_at)?,
        expires_at: from_micros(expires_at)?,
        remote: parse_remote(remote)?,
    }))
}

fn insert_token(tx: &Transaction<'_>, hash: &SecretHash, token: ApiToken) -> SqlResult<ApiToken> {
    tx.execute(
        "INSERT INTO api_tokens (secret_hash, user_id, label, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            hash.to_hex(),
            token.user_id,
            token.label,
            to_micros(token.created_at),
            token.expires_at.map(to_micros),
        ],
    )
    .map_err(StoreError::sqlite("inserting api token"))?;
    Ok(ApiToken {
        id: tx.last_insert_rowid(),
        ..token
    })
}

fn select_token(
    conn: &Connection,
    sql: &str,
    key: &dyn rusqlite::ToSql,
) -> SqlResult<Option<ApiToken>> {
    let raw = conn
        .query_row(sql, [key], read_token)
        .optional()
        .map_err(StoreError::sqlite("reading api token"))?;
    raw.map(RawToken::decode).transpose()
}

/// An api_tokens row as SQLite gives it.
struct RawToken {
    id: i64,
    user_id: i64,
    label: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
}

fn read_token(row: &Row<'_>) -> rusqlite::Result<RawToken> {
    Ok(RawToken {
        id: row.get(0)?,
        user_id: row.get(1)?,
        label: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        revoked_at: row.get(5)?,
    })
}

// === impl RawToken ===

impl RawToken {
    fn decode(self) -> SqlResult<ApiToken> {
        Ok(ApiToken {
            id: self.id,
            user_id: self.user_id,
            label: self.label,
            created_at: from_micros(self.created_at)?,
            expires_at: self.expires_at.map(from_micros).transpose()?,
            revoked_at: self.revoked_at.map(from_micros).transpose()?,
        })
    }
}

pub(super) fn insert_audit(tx: &Transaction<'_>, entry: &AuditEntry) -> SqlResult<i64> {
    tx.execute(
        "INSERT INTO audit_journal (at, actor, remote, action, object_kind, object_id,
             before_json, after_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            to_micros(entry.at),
            entry.actor,
            entry.remote.map(|ip| ip.to_string()),
            entry.action.as_str(),
            entry.object_kind.as_str(),
            entry.object_id,
            entry.before,
            entry.after,
        ],
    )
    .map_err(StoreError::sqlite("inserting audit entry"))?;
    Ok(tx.last_insert_rowid())
}

/// An audit_journal row as SQLite gives it.
type RawAudit = (i64, i64, [String; 4], [Option<String>; 3]);

fn query_audit(conn: &Connection, filter: &AuditFilter) -> SqlResult<Vec<AuditRecord>> {
    let mut statement = conn
        .prepare_cached(
            "SELECT id, at, actor, remote, action, object_kind, object_id, before_json,
                 after_json
             FROM audit_journal
             WHERE (?1 IS NULL OR object_kind = ?1) AND (?2 IS NULL OR object_id = ?2)
               AND (?3 IS NULL OR actor = ?3)
             ORDER BY id LIMIT ?4",
        )
        .map_err(StoreError::sqlite("preparing audit query"))?;
    let kind = filter.object_kind.map(ObjectKind::as_str);
    let limit = filter.limit.map_or(-1, i64::from);
    let rows = statement
        .query_map(
            params![kind, filter.object_id, filter.actor, limit],
            |row| {
                let texts = [row.get(2)?, row.get(4)?, row.get(5)?, row.get(6)?];
                let optional = [row.get(3)?, row.get(7)?, row.get(8)?];
                Ok((row.get(0)?, row.get(1)?, texts, optional))
            },
        )
        .map_err(StoreError::sqlite("querying audit journal"))?;
    let mut records = Vec::new();
    for row in rows {
        let raw: RawAudit = row.map_err(StoreError::sqlite("reading audit entry"))?;
        records.push(decode_audit(raw)?);
    }
    Ok(records)
}

fn decode_audit(raw: RawAudit) -> SqlResult<AuditRecord> {
    let (id, at, [actor, action, kind, object_id], [remote, before, after]) = raw;
    let entry = AuditEntry {
        at: from_micros(at)?,
        actor,
        remote: parse_remote(remote)?,
        action: AuditAction::parse(&action).ok_or_else(|| corrupt("audit action"))?,
        object_kind: ObjectKind::parse(&kind).ok_or_else(|| corrupt("audit object kind"))?,
        object_id,
        before,
        after,
    };
    Ok(AuditRecord { id, entry })
}

fn parse_remote(remote: Option<String>) -> SqlResult<Option<IpAddr>> {
    let parse = |text: String| {
        text.parse::<IpAddr>()
            .map_err(|_| corrupt("remote address"))
    };
    remote.map(parse).transpose()
}
