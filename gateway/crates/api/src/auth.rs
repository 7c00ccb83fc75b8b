//! Who is calling: the bearer token (a cabinet session or an API token) is
//! looked up, the user's account, address allow-list and time window are
//! checked against the peer address and the clock, then the route's action
//! against the user's role. The guard puts the [`Caller`] into the request.

use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cabinet::audit::AuditContext;
use cabinet::{AccessRequest, Action};
use store::cabinet::UserRecord;
use time::OffsetDateTime;

use crate::problem::ApiError;
use crate::routes::Access;
use crate::state::ApiState;

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A cabinet session from `POST /session`.
    Session,
    /// An API token, with its id.
    ApiToken(i64),
}

/// An authenticated caller, allowed in by the guard.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user.
    pub record: UserRecord,
    /// What they presented.
    pub credential: Credential,
    /// The presented secret (to end the session on logout).
    pub presented: String,
    /// Where the request came from.
    pub remote: IpAddr,
    /// When the request arrived, by the API clock.
    pub at: OffsetDateTime,
}

// === impl Caller ===

impl Caller {
    /// The audit context of a change this caller makes.
    pub fn audit_context(&self) -> AuditContext {
        AuditContext {
            actor: self.record.user.login().to_owned(),
            remote: Some(self.remote),
            at: self.at,
        }
    }
}

/// The access guard of one route: refuses with a problem answer, or runs
/// the handler with the [`Caller`] in the request extensions.
pub async fn guard(state: ApiState, access: Access, mut request: Request, next: Next) -> Response {
    match authorise(&state, access, request.headers(), request.extensions()).await {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(error) => {
            let status = error.status().as_u16();
            tracing::info!(http.status = status, reason = %error, "api access refused");
            error.into_response()
        }
    }
}

async fn authorise(
    state: &ApiState,
    access: Access,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Result<Caller, ApiError> {
    let remote = peer(extensions)?;
    let presented = bearer(headers).ok_or(ApiError::Unauthenticated)?;
    let at = state.now();
    let (record, credential) = lookup(state, presented, at).await?;

    let verdict = record.user.check_access(&AccessRequest { ip: remote, at });
    if !verdict.is_allowed() {
        return Err(ApiError::AccessRefused(verdict));
    }
    if let Access::Requires(action) = access {
        check_role(&record, action)?;
    }
    Ok(Caller {
        record,
        credential,
        presented: presented.to_owned(),
        remote,
        at,
    })
}

/// The user behind `presented`: a live session first, then a live token.
async fn lookup(
    state: &ApiState,
    presented: &str,
    at: OffsetDateTime,
) -> Result<(UserRecord, Credential), ApiError> {
    let store = state.store();
    if let Some((_, record)) = store.session(presented, at).await? {
        return Ok((record, Credential::Session));
    }
    if let Some((token, record)) = store.api_token(presented, at).await? {
        return Ok((record, Credential::ApiToken(token.id)));
    }
    Err(ApiError::Unauthenticated)
}

fn check_role(record: &UserRecord, action: Action) -> Result<(), ApiError> {
    match record.user.may(action) {
        true => Ok(()),
        false => Err(ApiError::Forbidden {
            role: record.user.role(),
            action,
        }),
    }
}

/// The peer address the accept loop recorded.
///
/// # Errors
/// [`ApiError::Internal`] when the router runs without the accept loop.
pub fn peer(extensions: &Extensions) -> Result<IpAddr, ApiError> {
    let info = extensions.get::<ConnectInfo<SocketAddr>>();
    let info = info.ok_or_else(|| ApiError::Internal("no peer address on request".to_owned()))?;
    Ok(info.0.ip())
}

/// The peer address of a request, as an extractor.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        peer(&parts.extensions).map(Peer)
    }
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    let is_bearer = scheme.eq_ignore_ascii_case("bearer") && !token.is_empty();
    is_bearer.then_some(token)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(value).unwrap();
        headers.insert(header::AUTHORIZATION, value);
        headers
    }

    #[test]
    fn bearer_token_is_read_whatever_the_scheme_case() {
        assert_eq!(bearer(&with_authorization("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&with_authorization("bearer  abc ")), Some("abc"));
    }

    #[test]
    fn bearer_other_scheme_or_empty_is_none() {
        assert_eq!(bearer(&with_authorization("Basic YWJj")), None);
        assert_eq!(bearer(&with_authorization("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
