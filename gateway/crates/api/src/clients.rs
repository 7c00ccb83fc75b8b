//! `/clients`: API clients of the integration API, for the technical
//! administrator — list, create (the secret shown once), read, replace
//! (`If-Match`), delete (`If-Match`), and rotate the secret (the new one
//! shown once; tokens issued under the old one stop working).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use cabinet::{ClientForm, ObjectKind, QuotaForm, RateForm, Secret, WindowForm};
use serde::{Deserialize, Serialize};
use store::cabinet::ClientRecord;

use crate::auth::Caller;
use crate::body::{json, located, JsonBody};
use crate::instant;
use crate::known;
use crate::path::Path;
use crate::precondition::{self, with_etag};
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::users::{ListJson, WindowJson};

/// A client as submitted to `POST /clients` or `PUT /clients/{id}`.
/// Missing fields count as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientFormJson {
    /// What the client is.
    pub name: String,
    /// Mnemonic of the ИС it acts for; any when absent.
    pub system: Option<String>,
    /// `requests:send`, `requests:read`, `journal:read`.
    pub scopes: Vec<String>,
    /// Services it works with.
    pub allowed_services: Vec<String>,
    /// Networks (CIDR) it may call from; empty for any.
    pub ip_allow: Vec<String>,
    /// Daily time window; absent for any time.
    pub window: Option<WindowJson>,
    /// Request rate; 10 a second, 20 at once when absent.
    pub rate: Option<RateJson>,
    /// Message quota; unlimited when absent.
    pub quota: Option<QuotaJson>,
    /// Whether the client is disabled.
    pub disabled: bool,
}

/// A request rate.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateJson {
    /// Requests per period.
    pub requests: u32,
    /// `second` or `minute`.
    pub per: String,
    /// Requests at once after a quiet spell.
    pub burst: u32,
}

/// A message quota.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuotaJson {
    /// Messages per period.
    pub messages: u32,
    /// `hour` or `day` (UTC).
    pub per: String,
}

/// A client as answered (never with its secret).
#[derive(Debug, Serialize)]
pub struct ClientJson {
    /// The OAuth `client_id`.
    pub client_id: String,
    /// Current version (also the `ETag`).
    pub version: i64,
    /// What the client is.
    pub name: String,
    /// The ИС it acts for, if bound.
    pub system: Option<String>,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Services it works with.
    pub allowed_services: Vec<String>,
    /// Networks it may call from; empty for any.
    pub ip_allow: Vec<String>,
    /// Daily window, if limited.
    pub window: Option<WindowJson>,
    /// Request rate.
    pub rate: Option<RateJson>,
    /// Message quota, if limited.
    pub quota: Option<QuotaJson>,
    /// Whether it is disabled.
    pub disabled: bool,
    /// When it was created.
    pub created_at: String,
}

/// A client with its secret, shown this once.
#[derive(Debug, Serialize)]
pub struct IssuedClientJson {
    /// The client.
    pub client: ClientJson,
    /// The `client_secret`; the node cannot show it again.
    pub client_secret: String,
}

// === impl ClientFormJson ===

impl ClientFormJson {
    fn into_form(self) -> ClientForm {
        ClientForm {
            name: self.name,
            system: self.system,
            scopes: self.scopes,
            allowed_services: self.allowed_services,
            ip_allow: self.ip_allow,
            window: self.window.map(|w| WindowForm {
                start: w.start,
                end: w.end,
                zone: w.zone,
            }),
            rate: self.rate.map(|r| RateForm {
                requests: r.requests,
                per: r.per,
                burst: r.burst,
            }),
            quota: self.quota.map(|q| QuotaForm {
                messages: q.messages,
                per: q.per,
            }),
            disabled: self.disabled,
        }
    }
}

// === impl ClientJson ===

impl ClientJson {
    fn from_record(record: &ClientRecord) -> Self {
        let form = record.client.to_form();
        ClientJson {
            client_id: record.id.to_string(),
            version: record.version,
            name: form.name,
            system: form.system,
            scopes: form.scopes,
            allowed_services: form.allowed_services,
            ip_allow: form.ip_allow,
            window: form.window.map(|w| WindowJson {
                start: w.start,
                end: w.end,
                zone: w.zone,
            }),
            rate: form.rate.map(|r| RateJson {
                requests: r.requests,
                per: r.per,
                burst: r.burst,
            }),
            quota: form.quota.map(|q| QuotaJson {
                messages: q.messages,
                per: q.per,
            }),
            disabled: form.disabled,
            created_at: instant::to_text(record.created_at),
        }
    }
}

/// The submitted client as a form, refused (every bad field at once) when
/// it is invalid or names an ИС or services the node does not know.
fn checked_form(state: &ApiState, body: ClientFormJson) -> Result<ClientForm, ApiError> {
    let form = body.into_form();
    let own = form.validate().err();
    known::refuse_unknown(state, own, form.system.as_deref(), &form.allowed_services)?;
    Ok(form)
}

/// `GET /clients`.
pub async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let clients = state.store().clients().await?;
    let items = clients.iter().map(ClientJson::from_record).collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /clients`: 201 with the client, its secret, `ETag` and `Location`.
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<ClientFormJson>,
) -> Result<Response, ApiError> {
    let form = checked_form(&state, body)?;
    let context = caller.audit_context();
    let store = state.store();
    let (secret, record) = store.create_client(&form, &context).await?;
    Ok(located(
        issued(StatusCode::CREATED, &secret, &record),
        &format!("/clients/{}", record.id),
    ))
}

/// `GET /clients/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = find(&state, &id).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `PUT /clients/{id}`: replace; needs `If-Match`.
pub async fn put(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ClientFormJson>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::if_match(&headers)?;
    let form = checked_form(&state, body)?;
    let context = caller.audit_context();
    let store = state.store();
    let record = store.update_client(id, &form, expected, &context).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `DELETE /clients/{id}`: needs `If-Match`; its tokens stop working.
pub async fn delete(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::if_match(&headers)?;
    let context = caller.audit_context();
    state.store().delete_client(id, expected, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /clients/{id}/secret`: a new secret, shown once; `If-Match`
/// optional (the current version otherwise).
pub async fn rotate_secret(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let current = find(&state, &id).await?;
    let expected = precondition::optional_if_match(&headers)?.unwrap_or(current.version);
    let context = caller.audit_context();
    let store = state.store();
    let (secret, record) = store
        .rotate_client_secret(current.id, expected, &context)
        .await?;
    Ok(issued(StatusCode::OK, &secret, &record))
}

async fn find(state: &ApiState, id: &str) -> Result<ClientRecord, ApiError> {
    let record = state.store().client(parse_id(id)?).await?;
    record.ok_or_else(|| not_found(id))
}

/// A path id; anything but a positive number names no client.
fn parse_id(text: &str) -> Result<i64, ApiError> {
    let id = text.parse::<i64>().ok().filter(|id| *id > 0);
    id.ok_or_else(|| not_found(text))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: ObjectKind::ApiClient,
        id: id.to_owned(),
    }
}

fn answer(status: StatusCode, record: &ClientRecord) -> Response {
    with_etag(
        json(status, &ClientJson::from_record(record)),
        record.version,
    )
}

fn issued(status: StatusCode, secret: &Secret, record: &ClientRecord) -> Response {
    let body = IssuedClientJson {
        client: ClientJson::from_record(record),
        client_secret: secret.expose().to_owned(),
    };
    let mut response = with_etag(json(status, &body), record.version);
    let no_store = HeaderValue::from_static("no-store");
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, no_store);
    response
}
