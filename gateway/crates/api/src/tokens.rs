//! `/tokens`: API tokens for information systems acting as a user. The
//! secret is in the `POST` answer only; the node keeps its hash.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use cabinet::{ApiToken, FieldErrors, ObjectKind};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::body::{json, secret_json, JsonBody, QueryParams};
use crate::instant;
use crate::path::Path;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::users::ListJson;

/// `GET /tokens` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenQuery {
    /// Whose tokens; the caller's when absent.
    pub user_id: Option<i64>,
}

/// `POST /tokens` body.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewTokenJson {
    /// What the token is for.
    pub label: String,
    /// Whom it acts as; the caller when absent.
    pub user_id: Option<i64>,
    /// When it stops working (RFC 3339); never when absent.
    pub expires_at: Option<String>,
}

/// A token as answered (never with its secret).
#[derive(Debug, Serialize)]
pub struct TokenJson {
    /// Id.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// What it is for.
    pub label: String,
    /// When it was issued.
    pub created_at: String,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// `POST /tokens` answer: the token and its secret, shown this once.
#[derive(Debug, Serialize)]
pub struct IssuedTokenJson {
    /// The token.
    pub token: TokenJson,
    /// The bearer secret; the node cannot show it again.
    pub secret: String,
}

// === impl TokenJson ===

impl TokenJson {
    fn from_token(token: &ApiToken) -> Self {
        TokenJson {
            id: token.id,
            user_id: token.user_id,
            label: token.label.clone(),
            created_at: instant::to_text(token.created_at),
            expires_at: token.expires_at.map(instant::to_text),
            revoked_at: token.revoked_at.map(instant::to_text),
        }
    }
}

/// `GET /tokens?user_id=`.
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    QueryParams(query): QueryParams<TokenQuery>,
) -> Result<Response, ApiError> {
    let user_id = query.user_id.unwrap_or(caller.user()?.id);
    let tokens = state.store().api_tokens(user_id).await?;
    let items = tokens.iter().map(TokenJson::from_token).collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /tokens`: 201 with the secret.
pub async fn issue(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<NewTokenJson>,
) -> Result<Response, ApiError> {
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(text) => Some(future_instant(text, caller.at)?),
    };
    let user_id = body.user_id.unwrap_or(caller.user()?.id);
    let context = caller.audit_context();
    let store = state.store();
    let (secret, token) = store
        .issue_api_token(user_id, &body.label, expires_at, &context)
        .await?;
    let answer = IssuedTokenJson {
        token: TokenJson::from_token(&token),
        secret: secret.expose().to_owned(),
    };
    Ok(secret_json(StatusCode::CREATED, &answer))
}

/// `DELETE /tokens/{id}`: revoke; revoking again is harmless.
pub async fn revoke(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let not_found = || ApiError::NotFound {
        kind: ObjectKind::ApiToken,
        id: id.clone(),
    };
    let token_id = id.parse::<i64>().map_err(|_| not_found())?;
    let context = caller.audit_context();
    state.store().revoke_api_token(token_id, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An RFC 3339 instant after `now`, or a 422 naming `expires_at`.
fn future_instant(text: &str, now: time::OffsetDateTime) -> Result<time::OffsetDateTime, ApiError> {
    let at = instant::parse(text).filter(|at| *at > now);
    at.ok_or_else(|| {
        let mut errors = FieldErrors::new();
        let message = "Укажите будущий момент в формате RFC 3339, например 2030-01-01T00:00:00Z";
        errors.push("expires_at", message);
        ApiError::Invalid(errors)
    })
}
