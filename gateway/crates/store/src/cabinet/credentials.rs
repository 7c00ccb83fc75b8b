//! Logins, sessions and API tokens: the parts of the cabinet store that
//! check passwords and hand out secrets.

use cabinet::audit::AuditContext;
use cabinet::{AccessRequest, ApiToken, FieldErrors, LockoutPolicy, Secret, SecretHash, Session};
use time::{Duration, OffsetDateTime};

use crate::cabinet::{
    verify_password, CabinetStoreError, LoginOutcome, Result, UserKey, UserRecord,
};
use crate::Store;

// FIXME(#3): expired sessions stay in the table until their user is
// deleted; right is a sweep at login (delete where expires_at < now) or a
// periodic job, and a limit of live sessions per user.

/// How long a cabinet session lasts unless the caller says otherwise.
pub const SESSION_TTL: Duration = Duration::hours(8);

/// Longest API token label, in characters.
const MAX_LABEL: usize = 200;

// === impl Store ===

impl Store {
    /// Checks `login` and `password` for a request from `request.ip` at
    /// `request.at`, applying `policy` to failures, and opens a session of
    /// `session_ttl` on success.
    ///
    /// A wrong password counts towards the lock-out; an unknown login costs
    /// the same hashing time as a known one. The account, address and time
    /// checks run only after the password is right, so they tell a stranger
    /// nothing.
    ///
    /// # Errors
    /// A backend, hashing or randomness error.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
        request: &AccessRequest,
        policy: &LockoutPolicy,
        session_ttl: Duration,
    ) -> Result<LoginOutcome> {
        let now = request.at;
        let stored = self.stored_user(UserKey::Login(login.to_owned())).await?;
        let Some(stored) = stored else {
            verify_password(None, password.to_owned()).await?;
            return Ok(LoginOutcome::BadCredentials);
        };
        if let Some(until) = stored.record.login_state.locked_at(now) {
            // Spend the same hashing time as any other refusal, so the
            // answer's timing does not tell that this login exists.
            verify_password(None, password.to_owned()).await?;
            return Ok(LoginOutcome::Locked { until });
        }

        let right = verify_password(Some(stored.password), password.to_owned()).await?;
        if !right {
            let state = self
                .record_login_failure(stored.record.id, *policy, now)
                .await?;
            return Ok(match state.locked_at(now) {
                Some(until) => LoginOutcome::Locked { until },
                None => LoginOutcome::BadCredentials,
            });
        }

        let verdict = stored.record.user.check_access(request);
        if !verdict.is_allowed() {
            return Ok(LoginOutcome::Refused(verdict));
        }
        let (secret, hash) = Secret::generate()?;
        let session = Session {
            user_id: stored.record.id,
            created_at: now,
            expires_at: now + session_ttl,
            remote: Some(request.ip),
        };
        let user = self.open_session(hash, session.clone()).await?;
        Ok(LoginOutcome::Success {
            user: Box::new(user),
            secret,
            session,
        })
    }

    async fn record_login_failure(
        &self,
        id: i64,
        policy: LockoutPolicy,
        now: OffsetDateTime,
    ) -> Result<cabinet::LoginState> {
        match self {
            Store::Sqlite(store) => store.record_login_failure(id, policy, now).await,
            Store::Postgres(store) => store.record_login_failure(id, policy, now).await,
        }
    }

    /// Clears the user's failures and stores the session, in one transaction.
    async fn open_session(&self, hash: SecretHash, session: Session) -> Result<UserRecord> {
        match self {
            Store::Sqlite(store) => store.open_session(hash, session).await,
            Store::Postgres(store) => store.open_session(hash, session).await,
        }
    }

    /// The live session whose secret was `presented`, with its user.
    ///
    /// Check the user's access (`UserRecord::user.check_access`) on every
    /// request: a session outlives changes to the user's limits.
    ///
    /// # Errors
    /// A backend error.
    pub async fn session(
        &self,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, UserRecord)>> {
        let Some(hash) = SecretHash::of_presented(presented) else {
            return Ok(None);
        };
        let found = match self {
            Store::Sqlite(store) => store.session(hash).await?,
            Store::Postgres(store) => store.session(hash).await?,
        };
        Ok(found.filter(|(session, _)| session.is_live(now)))
    }

    /// Ends the session whose secret was `presented`; `false` when there was
    /// none.
    ///
    /// # Errors
    /// A backend error.
    pub async fn end_session(&self, presented: &str) -> Result<bool> {
        let Some(hash) = SecretHash::of_presented(presented) else {
            return Ok(false);
        };
        match self {
            Store::Sqlite(store) => store.end_session(hash).await,
            Store::Postgres(store) => store.end_session(hash).await,
        }
    }

    /// Issues an API token for user `user_id`; its secret is returned once.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`] for a bad label,
    /// [`CabinetStoreError::NotFound`] for an unknown user, or a backend or
    /// randomness error.
    pub async fn issue_api_token(
        &self,
        user_id: i64,
        label: &str,
        expires_at: Option<OffsetDateTime>,
        context: &AuditContext,
    ) -> Result<(Secret, ApiToken)> {
        let label = label.trim();
        let bad_label = label.is_empty()
            || label.chars().count() > MAX_LABEL
            || label.chars().any(char::is_control);
        if bad_label {
            let mut errors = FieldErrors::new();
            errors.push(
                "label",
                "Укажите назначение токена, не длиннее 200 символов",
            );
            return Err(CabinetStoreError::Invalid(errors));
        }

        let (secret, hash) = Secret::generate()?;
        let token = ApiToken {
            id: 0,
            user_id,
            label: label.to_owned(),
            created_at: context.at,
            expires_at,
            revoked_at: None,
        };
        let context = context.clone();
        let token = match self {
            Store::Sqlite(store) => store.issue_api_token(hash, token, context).await?,
            Store::Postgres(store) => store.issue_api_token(hash, token, context).await?,
        };
        Ok((secret, token))
    }

    /// The live API token whose secret was `presented`, with its user.
    ///
    /// # Errors
    /// A backend error.
    pub async fn api_token(
        &self,
        presented: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiToken, UserRecord)>> {
        let Some(hash) = SecretHash::of_presented(presented) else {
            return Ok(None);
        };
        let found = match self {
            Store::Sqlite(store) => store.api_token(hash).await?,
            Store::Postgres(store) => store.api_token(hash).await?,
        };
        Ok(found.filter(|(token, _)| token.is_live(now)))
    }

    /// Revokes API token `id` at `context.at`; revoking again changes and
    /// audits nothing.
    ///
    /// # Errors
    /// [`CabinetStoreError::NotFound`] or a backend error.
    pub async fn revoke_api_token(&self, id: i64, context: &AuditContext) -> Result<ApiToken> {
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.revoke_api_token(id, context).await,
            Store::Postgres(store) => store.revoke_api_token(id, context).await,
        }
    }

    /// The API tokens of user `user_id`, revoked ones included, by id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        match self {
            Store::Sqlite(store) => store.api_tokens(user_id).await,
            Store::Postgres(store) => store.api_tokens(user_id).await,
        }
    }
}
