//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749
//! §4.4). A client authenticates with HTTP Basic (§2.3.1) or with
//! `client_id` and `client_secret` in the body, asks for some of its
//! scopes (all when `scope` is absent), and gets a signed short-lived
//! access token ([`crate::access_token`]) with `Cache-Control: no-store`.
//!
//! Refusals are problem+json bodies that also carry the RFC's `error`
//! member (§5.2); an unknown client and a wrong secret answer the same 401,
//! and count as failures of the address ([`crate::login_limit`]): an
//! address over the limit is refused with 429 and `Retry-After` before any
//! secret is checked.

use std::collections::BTreeSet;
use std::net::IpAddr;

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cabinet::{AccessRequest, Scope};
use serde::{Deserialize, Serialize};
use store::cabinet::ClientRecord;

use crate::access_token::{Claims, TOKEN_TTL};
use crate::auth::Peer;
use crate::body::{describe_serde, json, read_limited};
use crate::login_limit::retry_after_secs;
use crate::problem::{ApiError, OAuthError};
use crate::state::ApiState;

/// The token request's form parameters (RFC 6749 §4.4.2).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// Space-separated scopes asked for.
    pub scope: Option<String>,
    /// The client, when not authenticated by HTTP Basic.
    pub client_id: Option<String>,
    /// The client's secret, with `client_id`.
    pub client_secret: Option<String>,
}

/// The token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
pub struct TokenJson {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds it lives.
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

/// A form body (`application/x-www-form-urlencoded`), refusals as
/// [`ApiError::OAuth`].
#[derive(Debug)]
pub struct FormBody<T>(pub T);

impl<T, S> FromRequest<S> for FormBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_form(request.headers()) {
            let detail = "Запрос токена передаётся как application/x-www-form-urlencoded";
            return Err(oauth(OAuthError::UnsupportedMediaType, detail));
        }
        let bytes = read_limited(request.into_body()).await.map_err(|error| {
            let kind = match error {
                ApiError::PayloadTooLarge { .. } => OAuthError::PayloadTooLarge,
                _ => OAuthError::InvalidRequest,
            };
            oauth(kind, &error.to_string())
        })?;
        let value = serde_urlencoded::from_bytes(&bytes).map_err(|error| {
            oauth(
                OAuthError::InvalidRequest,
                &format!(
                    "Параметры запроса токена не разобраны: {}",
                    describe_serde(&error.to_string())
                ),
            )
        })?;
        Ok(FormBody(value))
    }
}

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<ApiState>,
    Peer(remote): Peer,
    headers: HeaderMap,
    FormBody(form): FormBody<TokenRequest>,
) -> Result<Response, ApiError> {
    check_grant(&form)?;
    let (id, secret) = credentials(&headers, &form)?;
    let record = authenticate(&state, remote, &id, &secret).await?;
    let verdict = record.client.check_access(&AccessRequest {
        ip: remote,
        at: state.now(),
    });
    if !verdict.is_allowed() {
        return Err(oauth(OAuthError::UnauthorizedClient, verdict.message()));
    }
    let scopes = granted_scopes(&record, form.scope.as_deref())?;

    let now = state.now();
    let claims = Claims {
        client_id: record.id,
        generation: record.secret_generation,
        scopes,
        issued_at: now,
        expires_at: now + TOKEN_TTL,
    };
    let access_token = state.token_key().await?.sign(&claims);
    let answer = TokenJson {
        access_token,
        token_type: "Bearer",
        expires_in: TOKEN_TTL.whole_seconds(),
        scope: Scope::join(&claims.scopes),
    };
    tracing::info!(client.id = record.id, "access token issued");
    let mut response = json(StatusCode::OK, &answer);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

fn check_grant(form: &TokenRequest) -> Result<(), ApiError> {
    match form.grant_type.as_deref() {
        Some("client_credentials") => Ok(()),
        None => Err(oauth(
            OAuthError::InvalidRequest,
            "Укажите grant_type=client_credentials",
        )),
        Some(other) => Err(oauth(
            OAuthError::UnsupportedGrantType,
            &format!("Тип гранта {other} не поддерживается; используйте client_credentials"),
        )),
    }
}

/// The client id and secret, from HTTP Basic or the body (exactly one of
/// the two, RFC 6749 §2.3).
fn credentials(headers: &HeaderMap, form: &TokenRequest) -> Result<(String, String), ApiError> {
    let in_body = form.client_id.is_some() || form.client_secret.is_some();
    // Only Basic authenticates a client here; another scheme (a user's
    // bearer, say) is not a client credential and is left aside.
    let basic = headers
        .get(header::AUTHORIZATION)
        .filter(|value| is_basic(value));
    match (basic, in_body) {
        (Some(_), true) => Err(oauth(
            OAuthError::InvalidRequest,
            "Клиент предъявляет учётные данные одним способом: Basic или параметры тела",
        )),
        (Some(value), false) => basic_credentials(value).ok_or_else(no_client),
        (None, true) => match (&form.client_id, &form.client_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err(no_client()),
        },
        (None, false) => Err(no_client()),
    }
}

fn is_basic(value: &HeaderValue) -> bool {
    let text = value.to_str().unwrap_or_default().trim_start();
    let scheme = text.split(' ').next().unwrap_or_default();
    scheme.eq_ignore_ascii_case("basic")
}

/// `Basic base64(id:secret)`. Ids are numbers and secrets base64url, so
/// their form-urlencoding (§2.3.1) is the text itself.
fn basic_credentials(value: &HeaderValue) -> Option<(String, String)> {
    let (scheme, encoded) = value.to_str().ok()?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The client `id` whose secret is `secret`, unless `remote` is blocked
/// for failing too often; an unknown client or wrong secret counts as a
/// failure of `remote`.
async fn authenticate(
    state: &ApiState,
    remote: IpAddr,
    id: &str,
    secret: &str,
) -> Result<ClientRecord, ApiError> {
    let now = state.now();
    if let Err(wait) = state.login_limit().check(remote, now) {
        let retry_after_secs = retry_after_secs(wait);
        tracing::info!(peer.ip = %remote, retry_after_secs, "client authentication refused: too many failures");
        return Err(ApiError::TooManyClientFailures { retry_after_secs });
    }
    let known = id.parse::<i64>().ok().filter(|id| *id > 0);
    let found = match known {
        Some(id) => state.store().client_by_secret(id, secret).await?,
        None => None,
    };
    found.ok_or_else(|| {
        state.login_limit().record_failure(remote, now);
        let detail = "Неизвестный клиент или неверный секрет";
        oauth(OAuthError::InvalidClient, detail)
    })
}

/// The scopes asked for, each one the client holds; all of its scopes
/// when none are named.
fn granted_scopes(record: &ClientRecord, asked: Option<&str>) -> Result<BTreeSet<Scope>, ApiError> {
    let held = record.client.scopes();
    let Some(asked) = asked else {
        return Ok(held.clone());
    };
    let invalid = |detail: &str| oauth(OAuthError::InvalidScope, detail);
    let scopes = Scope::parse_list(asked)
        .ok_or_else(|| invalid("Неизвестная область доступа в параметре scope"))?;
    if scopes.is_empty() {
        return Err(invalid("Параметр scope пуст"));
    }
    if !scopes.is_subset(held) {
        return Err(invalid("Клиенту не выдана запрошенная область доступа"));
    }
    Ok(scopes)
}

fn is_form(headers: &HeaderMap) -> bool {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let essence = value
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default();
    essence
        .trim()
        .eq_ignore_ascii_case("application/x-www-form-urlencoded")
}

fn no_client() -> ApiError {
    oauth(
        OAuthError::InvalidClient,
        "Предъявите client_id и client_secret (HTTP Basic или параметры тела)",
    )
}

fn oauth(error: OAuthError, detail: &str) -> ApiError {
    ApiError::OAuth {
        error,
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(text: &str) -> HeaderValue {
        HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(text))).unwrap()
    }

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        let parsed = basic_credentials(&basic("7:abc:def"));
        assert_eq!(parsed, Some(("7".to_owned(), "abc:def".to_owned())));
    }

    #[test]
    fn basic_credentials_other_scheme_or_garbage_is_none() {
        for value in ["Bearer abc", "Basic !!!", "Basic"] {
            let value = HeaderValue::from_static(value);
            assert_eq!(basic_credentials(&value), None, "{value:?}");
        }
        assert_eq!(basic_credentials(&basic("no-colon")), None);
    }

    #[test]
    fn credentials_both_ways_at_once_is_invalid_request() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, basic("7:x"));
        let form = TokenRequest {
            client_id: Some("7".into()),
            ..TokenRequest::default()
        };

        let error = credentials(&headers, &form).unwrap_err();

        assert!(matches!(
            error,
            ApiError::OAuth {
                error: OAuthError::InvalidRequest,
                ..
            }
        ));
    }

    #[test]
    fn form_content_type_with_charset_is_a_form() {
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8");
        headers.insert(header::CONTENT_TYPE, value);
        assert!(is_form(&headers));
        assert!(!is_form(&HeaderMap::new()));
    }
}
