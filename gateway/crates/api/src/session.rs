//! `/session`: logging in with login and password for a bearer session
//! token, and logging out.
//!
//! A wrong login, a wrong password and a locked-out login all answer the
//! same 401: the answer tells a stranger neither which part was wrong nor
//! whether the login exists (administrators see the lock in
//! `GET /users/{id}`). Only after the password was right does a refused
//! account, address or time answer 403 with its reason.

//!
//! Failures are also counted per address ([`crate::login_limit`]): an
//! address over the limit is refused with 429 and `Retry-After` before any
//! password is checked, whatever the login.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use cabinet::AccessRequest;
use serde::{Deserialize, Serialize};
use store::cabinet::{LoginOutcome, SESSION_TTL};

use crate::auth::{Caller, Credential, Peer};
use crate::body::{secret_json, JsonBody};
use crate::instant;
use crate::login_limit::retry_after_secs;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::users::UserJson;

/// `POST /session` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginJson {
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
}

/// `POST /session` answer: the bearer token, shown once.
#[derive(Debug, Serialize)]
pub struct SessionJson {
    /// The bearer token for `Authorization: Bearer`.
    pub token: String,
    /// When the session ends.
    pub expires_at: String,
    /// Who logged in.
    pub user: UserJson,
}

/// `POST /session`: log in.
pub async fn login(
    State(state): State<ApiState>,
    Peer(remote): Peer,
    JsonBody(body): JsonBody<LoginJson>,
) -> Result<Response, ApiError> {
    let now = state.now();
    if let Err(wait) = state.login_limit().check(remote, now) {
        let retry_after_secs = retry_after_secs(wait);
        tracing::info!(peer.ip = %remote, retry_after_secs, "login refused: too many failures");
        return Err(ApiError::TooManyLogins { retry_after_secs });
    }
    let access = AccessRequest {
        ip: remote,
        at: now,
    };
    let outcome = state
        .store()
        .authenticate(
            &body.login,
            &body.password,
            &access,
            state.lockout(),
            SESSION_TTL,
        )
        .await?;
    match outcome {
        LoginOutcome::Success {
            user,
            secret,
            session,
        } => {
            let answer = SessionJson {
                token: secret.expose().to_owned(),
                expires_at: instant::to_text(session.expires_at),
                user: UserJson::from_record(&user),
            };
            Ok(secret_json(StatusCode::CREATED, &answer))
        }
        LoginOutcome::BadCredentials | LoginOutcome::Locked { .. } => {
            state.login_limit().record_failure(remote, now);
            Err(ApiError::BadCredentials)
        }
        LoginOutcome::Refused(verdict) => Err(ApiError::AccessRefused(verdict)),
    }
}

/// `DELETE /session`: end the session presented as the bearer.
pub async fn logout(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<StatusCode, ApiError> {
    if caller.credential != Credential::Session {
        return Err(ApiError::bad_parameter(
            "Authorization",
            "Выход завершает сессию; API-токен отзывается через DELETE /api/v1/tokens/{id}",
        ));
    }
    state.store().end_session(&caller.presented).await?;
    Ok(StatusCode::NO_CONTENT)
}
