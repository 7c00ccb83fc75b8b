//! Who is calling. The bearer is a cabinet session, a user's API token, or
//! an API client's access token (three dot-separated parts, see
//! [`crate::access_token`]). For a user, the account, address allow-list
//! and time window are checked against the peer address and the clock,
//! then the route's action against the role. For a client, the token's
//! signature and expiry, that the client still exists with the same secret,
//! its address list and window, its scopes against the route's action, and
//! its request rate. The guard puts the [`Caller`] into the request.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cabinet::audit::AuditContext;
use cabinet::{AccessRequest, Action, Scope};
use store::cabinet::{ClientRecord, UserRecord};
use time::OffsetDateTime;

use crate::access_token::is_access_token;
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
    /// An API client's access token from `POST /oauth/token`.
    ClientToken,
}

/// Who calls: a cabinet user or an API client.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A user, by session or API token.
    User(UserRecord),
    /// An API client, by access token.
    Client(ClientCaller),
}

/// An API client allowed in, with the scopes it holds on this call.
#[derive(Debug, Clone)]
pub struct ClientCaller {
    /// The client as stored now.
    pub record: ClientRecord,
    /// The token's scopes that the client still has.
    pub scopes: BTreeSet<Scope>,
}

/// An authenticated caller, allowed in by the guard.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who calls.
    pub subject: Subject,
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
    /// The calling user.
    ///
    /// # Errors
    /// [`ApiError::ScopeMissing`] when a client calls (the guard lets
    /// clients into no route of users only, so this is a safety net).
    pub fn user(&self) -> Result<&UserRecord, ApiError> {
        match &self.subject {
            Subject::User(record) => Ok(record),
            Subject::Client(_) => Err(ApiError::ScopeMissing { needed: None }),
        }
    }

    /// The calling client, if a client calls.
    pub fn client(&self) -> Option<&ClientCaller> {
        match &self.subject {
            Subject::Client(client) => Some(client),
            Subject::User(_) => None,
        }
    }

    /// The ИС an API client is bound to; `None` for users and unbound
    /// clients.
    pub fn bound_system(&self) -> Option<&str> {
        self.client().and_then(|c| c.record.client.system())
    }

    /// Whether the caller may do `action`: a user by role, a client by the
    /// scopes it holds on this call.
    pub fn may(&self, action: Action) -> bool {
        match &self.subject {
            Subject::User(record) => record.user.may(action),
            Subject::Client(client) => Scope::allows(&client.scopes, action),
        }
    }

    /// Whether the caller works with `service` (a service name or namespace).
    pub fn may_use_service(&self, service: &str) -> bool {
        match &self.subject {
            Subject::User(record) => record.user.may_use_service(service),
            Subject::Client(client) => client.record.client.may_use_service(service),
        }
    }

    /// The audit context of a change this caller makes: a user by login, a
    /// client as `client:{id}`.
    pub fn audit_context(&self) -> AuditContext {
        let actor = match &self.subject {
            Subject::User(record) => record.user.login().to_owned(),
            Subject::Client(client) => format!("client:{}", client.record.id),
        };
        AuditContext {
            actor,
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
    let request = AccessRequest {
        ip: remote,
        at: state.now(),
    };
    let (subject, credential) = match is_access_token(presented) {
        true => {
            let client = admit_client(state, presented, &request, access).await?;
            (Subject::Client(client), Credential::ClientToken)
        }
        false => {
            let (record, credential) = admit_user(state, presented, &request, access).await?;
            (Subject::User(record), credential)
        }
    };
    Ok(Caller {
        subject,
        credential,
        presented: presented.to_owned(),
        remote,
        at: request.at,
    })
}

/// The user behind `presented`, if they may call this route now.
async fn admit_user(
    state: &ApiState,
    presented: &str,
    request: &AccessRequest,
    access: Access,
) -> Result<(UserRecord, Credential), ApiError> {
    let (record, credential) = lookup(state, presented, request.at).await?;
    let verdict = record.user.check_access(request);
    if !verdict.is_allowed() {
        return Err(ApiError::AccessRefused(verdict));
    }
    if let Access::Requires(action) = access {
        check_role(&record, action)?;
    }
    Ok((record, credential))
}

/// The client of access token `presented`, if it may call this route now;
/// the call takes one token of its rate bucket.
async fn admit_client(
    state: &ApiState,
    presented: &str,
    request: &AccessRequest,
    access: Access,
) -> Result<ClientCaller, ApiError> {
    let key = state.token_key().await?;
    let claims = key
        .verify(presented, request.at)
        .map_err(|_| ApiError::Unauthenticated)?;
    let record = state.store().client(claims.client_id).await?;
    let same_secret = |r: &ClientRecord| r.secret_generation == claims.generation;
    let record = record
        .filter(same_secret)
        .ok_or(ApiError::Unauthenticated)?;

    let verdict = record.client.check_access(request);
    if !verdict.is_allowed() {
        return Err(ApiError::AccessRefused(verdict));
    }
    let held = record.client.scopes();
    let scopes: BTreeSet<Scope> = claims.scopes.intersection(held).copied().collect();
    check_scope(&scopes, access)?;
    let rate = record.client.rate();
    let taken = state.rates().take(record.id, rate, request.at);
    taken.map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    Ok(ClientCaller { record, scopes })
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

/// Clients call only routes whose action one of their scopes allows.
fn check_scope(scopes: &BTreeSet<Scope>, access: Access) -> Result<(), ApiError> {
    match access {
        Access::Requires(action) if Scope::allows(scopes, action) => Ok(()),
        Access::Requires(action) => Err(ApiError::ScopeMissing {
            needed: Some(action),
        }),
        Access::Public => Ok(()),
        Access::Authenticated => Err(ApiError::ScopeMissing { needed: None }),
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

    fn caller(subject: Subject) -> Caller {
        Caller {
            subject,
            credential: Credential::ClientToken,
            presented: String::new(),
            remote: "192.0.2.1".parse().unwrap(),
            at: time::macros::datetime!(2024-03-01 10:00 UTC),
        }
    }

    fn client_record() -> ClientRecord {
        let form = cabinet::ClientForm {
            name: "ИС бухгалтерии".into(),
            scopes: vec!["requests:send".into()],
            allowed_services: vec!["echo".into()],
            ..cabinet::ClientForm::default()
        };
        ClientRecord {
            id: 7,
            version: 1,
            client: form.validate().unwrap(),
            secret_generation: 1,
            created_at: time::macros::datetime!(2024-03-01 09:00 UTC),
        }
    }

    #[test]
    fn client_caller_audits_as_the_client_and_is_no_user() {
        let client = caller(Subject::Client(ClientCaller {
            record: client_record(),
            scopes: [Scope::RequestsSend].into(),
        }));

        let context = client.audit_context();

        assert_eq!(context.actor, "client:7");
        assert_eq!(context.remote, Some("192.0.2.1".parse().unwrap()));
        assert!(client.user().is_err());
        assert!(client.may_use_service("echo"));
        assert!(!client.may_use_service("other"));
    }

    #[test]
    fn client_scope_check_allows_only_mapped_actions() {
        let send: BTreeSet<Scope> = [Scope::RequestsSend].into();

        assert!(check_scope(&send, Access::Requires(Action::SendRequest)).is_ok());
        assert!(check_scope(&send, Access::Public).is_ok());
        for refused in [
            Access::Requires(Action::ReadMessages),
            Access::Requires(Action::ManageUsers),
            Access::Authenticated,
        ] {
            let error = check_scope(&send, refused).unwrap_err();
            assert_eq!(error.status(), axum::http::StatusCode::FORBIDDEN);
        }
    }

    #[test]
    fn bearer_other_scheme_or_empty_is_none() {
        assert_eq!(bearer(&with_authorization("Basic YWJj")), None);
        assert_eq!(bearer(&with_authorization("Bearer ")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
