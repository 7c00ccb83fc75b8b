//! Storage of the participant's cabinet: the organisation card, users,
//! sessions, API tokens, API clients and the append-only audit journal, on
//! both backends.
//!
//! # Rules
//!
//! - Forms are validated before anything is written; a bad form returns
//!   [`CabinetStoreError::Invalid`] with every bad field and writes nothing.
//! - Every mutable row has a version. A change names the version it was
//!   based on (the REST edge's `If-Match`); a different current version
//!   gives [`CabinetStoreError::Conflict`] and writes nothing.
//! - Every administrative change writes its audit entry, with the object
//!   before and after, in the same transaction as the change.
//! - Session and API token secrets are handed out once; the store keeps only
//!   their hashes and finds them by hash.
//!
//! Backends: `sqlite::cabinet` and `postgres::cabinet`.

mod clients;
mod credentials;
pub(crate) mod rows;

use std::fmt;

use cabinet::audit::AuditContext;
use cabinet::password::{self, PasswordHash};
use cabinet::{
    AccessVerdict, AuditRecord, CabinetError, FieldErrors, LoginState, ObjectKind, Organisation,
    OrganisationForm, Secret, Session, User, UserForm,
};
use time::OffsetDateTime;

use crate::error::StoreError;
use crate::Store;

pub(crate) use self::clients::{ClientChange, ClientValues};
pub use self::clients::{ClientRecord, QuotaReservation, TOKEN_KEY};
pub use self::credentials::SESSION_TTL;
pub(crate) use self::rows::{OrganisationRow, StoredUser, UserRow, UserValues};

/// A stored object with its id and the version a change must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// Row id (the organisation card is always 1).
    pub id: i64,
    /// Current version, starting at 1, up by one with every change.
    pub version: i64,
    /// The object.
    pub value: T,
}

/// A stored user with its login-failure state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Row id.
    pub id: i64,
    /// Current version.
    pub version: i64,
    /// The user.
    pub user: User,
    /// Failed logins and lock.
    pub login_state: LoginState,
    /// When the user was created.
    pub created_at: OffsetDateTime,
}

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in: a new session whose secret goes to the user once.
    Success {
        /// The user (boxed: the other outcomes are small).
        user: Box<UserRecord>,
        /// The session secret, to set as the cookie.
        secret: Secret,
        /// The session.
        session: Session,
    },
    /// Unknown login or wrong password (deliberately not told apart).
    BadCredentials,
    /// Too many failures: refused until then, whatever the password.
    Locked {
        /// When logins are accepted again.
        until: OffsetDateTime,
    },
    /// The password was right, but the account, address or time is not.
    Refused(AccessVerdict),
}

/// Which audit entries [`Store::audit_entries`] returns; unset fields match all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries about this kind of object.
    pub object_kind: Option<ObjectKind>,
    /// Only entries about the object with this id.
    pub object_id: Option<String>,
    /// Only entries by this actor.
    pub actor: Option<String>,
    /// At most this many, oldest first.
    pub limit: Option<u32>,
}

/// Why a cabinet store call failed.
#[derive(Debug, thiserror::Error)]
pub enum CabinetStoreError {
    /// The submitted form has bad fields; nothing was written.
    #[error("{0}")]
    Invalid(FieldErrors),

    /// The object changed since the version the caller saw; nothing was written.
    #[error("{kind:?} {id} is at version {current}, not {expected}")]
    Conflict {
        /// Kind of the object.
        kind: ObjectKind,
        /// Its id.
        id: String,
        /// The version the caller based the change on.
        expected: i64,
        /// The version it is at now.
        current: i64,
    },

    /// No such object.
    #[error("{kind:?} {id} not found")]
    NotFound {
        /// Kind of the object.
        kind: ObjectKind,
        /// Its id.
        id: String,
    },

    /// The object exists already (the organisation card, a login).
    #[error("{kind:?} {id} already exists")]
    AlreadyExists {
        /// Kind of the object.
        kind: ObjectKind,
        /// Its id or login.
        id: String,
    },

    /// The change would leave the organisation without an enabled
    /// technical administrator; nothing was written.
    #[error("user {id} is the last active technical administrator")]
    LastAdministrator {
        /// The user's id.
        id: String,
    },

    /// Hashing or randomness failed.
    #[error("cabinet")]
    Cabinet(#[from] CabinetError),

    /// The database failed.
    #[error("store")]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, CabinetStoreError>;

/// Id of the only organisation row.
pub(crate) const ORGANISATION_ID: i64 = 1;

// === impl Store ===

impl Store {
    /// The organisation card, if filled in.
    ///
    /// # Errors
    /// A backend error.
    pub async fn organisation(&self) -> Result<Option<Versioned<Organisation>>> {
        match self {
            Store::Sqlite(store) => store.organisation().await,
            Store::Postgres(store) => store.organisation().await,
        }
    }

    /// Fills in the organisation card for the first time, at version 1.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], [`CabinetStoreError::AlreadyExists`],
    /// or a backend error.
    pub async fn create_organisation(
        &self,
        form: &OrganisationForm,
        context: &AuditContext,
    ) -> Result<Versioned<Organisation>> {
        let organisation = form.validate().map_err(CabinetStoreError::Invalid)?;
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.create_organisation(organisation, context).await,
            Store::Postgres(store) => store.create_organisation(organisation, context).await,
        }
    }

    /// Replaces the organisation card, if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], [`CabinetStoreError::NotFound`],
    /// [`CabinetStoreError::Conflict`], or a backend error.
    pub async fn update_organisation(
        &self,
        form: &OrganisationForm,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<Versioned<Organisation>> {
        let organisation = form.validate().map_err(CabinetStoreError::Invalid)?;
        let (context, expected) = (context.clone(), expected_version);
        match self {
            Store::Sqlite(store) => {
                store
                    .update_organisation(organisation, expected, context)
                    .await
            }
            Store::Postgres(store) => {
                store
                    .update_organisation(organisation, expected, context)
                    .await
            }
        }
    }

    /// Creates a user with `password`, at version 1.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`] (form or password strength, all bad
    /// fields together), [`CabinetStoreError::AlreadyExists`] for a taken
    /// login, or a backend or hashing error.
    pub async fn create_user(
        &self,
        form: &UserForm,
        password: &str,
        context: &AuditContext,
    ) -> Result<UserRecord> {
        let mut errors = FieldErrors::new();
        let user = form.validate().map_err(|bad| errors.extend(bad)).ok();
        let strong =
            password::check_strength("password", password).map_err(|bad| errors.extend(bad));
        let (Some(user), Ok(())) = (user, strong) else {
            return Err(CabinetStoreError::Invalid(errors));
        };

        let hash = hash_password(password.to_owned()).await?;
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.create_user(user, hash, context).await,
            Store::Postgres(store) => store.create_user(user, hash, context).await,
        }
    }

    /// The user with this id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>> {
        let stored = self.stored_user(UserKey::Id(id)).await?;
        Ok(stored.map(|s| s.record))
    }

    /// The user with this login.
    ///
    /// # Errors
    /// A backend error.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>> {
        let stored = self.stored_user(UserKey::Login(login.to_owned())).await?;
        Ok(stored.map(|s| s.record))
    }

    /// Every user, ordered by login.
    ///
    /// # Errors
    /// A backend error.
    pub async fn users(&self) -> Result<Vec<UserRecord>> {
        match self {
            Store::Sqlite(store) => store.users().await,
            Store::Postgres(store) => store.users().await,
        }
    }

    async fn stored_user(&self, key: UserKey) -> Result<Option<StoredUser>> {
        match self {
            Store::Sqlite(store) => store.stored_user(key).await,
            Store::Postgres(store) => store.stored_user(key).await,
        }
    }

    /// Replaces user `id`'s profile, if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], [`CabinetStoreError::NotFound`],
    /// [`CabinetStoreError::Conflict`], [`CabinetStoreError::AlreadyExists`]
    /// when the new login is taken, or a backend error.
    pub async fn update_user(
        &self,
        id: i64,
        form: &UserForm,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<UserRecord> {
        let user = form.validate().map_err(CabinetStoreError::Invalid)?;
        let change = UserChange::Profile(Box::new(user));
        self.change_user(id, change, expected_version, context)
            .await
    }

    /// Sets user `id`'s password, if the user is still at `expected_version`.
    ///
    /// # Errors
    /// As [`Store::update_user`], and a hashing error.
    pub async fn set_password(
        &self,
        id: i64,
        password: &str,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<UserRecord> {
        password::check_strength("password", password).map_err(CabinetStoreError::Invalid)?;
        let hash = hash_password(password.to_owned()).await?;
        let change = UserChange::Password(hash);
        self.change_user(id, change, expected_version, context)
            .await
    }

    /// Clears user `id`'s failed logins and lock.
    ///
    /// # Errors
    /// As [`Store::update_user`].
    pub async fn unlock_user(
        &self,
        id: i64,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<UserRecord> {
        self.change_user(id, UserChange::Unlock, expected_version, context)
            .await
    }

    async fn change_user(
        &self,
        id: i64,
        change: UserChange,
        expected: i64,
        context: &AuditContext,
    ) -> Result<UserRecord> {
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.change_user(id, change, expected, context).await,
            Store::Postgres(store) => store.change_user(id, change, expected, context).await,
        }
    }

    /// Removes user `id` with their sessions and tokens, if the user is still
    /// at `expected_version`.
    ///
    /// # Errors
    /// [`CabinetStoreError::NotFound`], [`CabinetStoreError::Conflict`], or a
    /// backend error.
    pub async fn delete_user(
        &self,
        id: i64,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<()> {
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.delete_user(id, expected_version, context).await,
            Store::Postgres(store) => store.delete_user(id, expected_version, context).await,
        }
    }

    /// The audit entries matching `filter`, oldest first.
    ///
    /// # Errors
    /// A backend error.
    pub async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let filter = filter.clone();
        match self {
            Store::Sqlite(store) => store.audit_entries(filter).await,
            Store::Postgres(store) => store.audit_entries(filter).await,
        }
    }
}

/// Whether changing `current` into `after` (`None`: deleting it) removes
/// an active technical administrator; the backend then counts the others
/// under its lock.
pub(crate) fn demotes_administrator(current: &User, after: Option<&User>) -> bool {
    current.is_active_administrator() && !after.is_some_and(User::is_active_administrator)
}

/// The refusal when `id` is the last active technical administrator.
pub(crate) fn last_administrator(id: i64) -> CabinetStoreError {
    CabinetStoreError::LastAdministrator { id: id.to_string() }
}

/// How a backend finds a user.
#[derive(Debug, Clone)]
pub(crate) enum UserKey {
    Id(i64),
    Login(String),
}

/// An administrative change to one user.
#[derive(Debug, Clone)]
pub(crate) enum UserChange {
    Profile(Box<User>),
    Password(PasswordHash),
    Unlock,
}

// === impl UserKey ===

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserKey::Id(id) => write!(f, "{id}"),
            UserKey::Login(login) => f.write_str(login),
        }
    }
}

// === impl CabinetStoreError ===

impl CabinetStoreError {
    /// A [`CabinetStoreError::Conflict`] unless `current == expected`.
    pub(crate) fn check_version(
        kind: ObjectKind,
        id: i64,
        expected: i64,
        current: i64,
    ) -> Result<()> {
        if current == expected {
            return Ok(());
        }
        Err(CabinetStoreError::Conflict {
            kind,
            id: id.to_string(),
            expected,
            current,
        })
    }

    pub(crate) fn not_found(kind: ObjectKind, id: impl ToString) -> Self {
        CabinetStoreError::NotFound {
            kind,
            id: id.to_string(),
        }
    }
}

/// Hashes off the async runtime: argon2id takes tens of milliseconds.
async fn hash_password(password: String) -> Result<PasswordHash> {
    let task = tokio::task::spawn_blocking(move || PasswordHash::new(&password));
    let hash = task.await.map_err(StoreError::Worker)??;
    Ok(hash)
}

/// Verifies off the async runtime; `None` stands for "no such user".
async fn verify_password(hash: Option<PasswordHash>, password: String) -> Result<bool> {
    let task = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => hash.verify(&password),
        None => PasswordHash::verify_nothing(&password),
    });
    Ok(task.await.map_err(StoreError::Worker)?)
}
