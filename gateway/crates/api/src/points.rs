//! `/systems/{mnemonic}/points`: the integration points of an information
//! system (issue #3) — who takes its messages out: the ИС by polling
//! (`queue`), the node's push worker (`push`) or its upstream worker
//! (`upstream`) — per ИС and optionally per service (the most specific
//! point wins). List, register, read, replace (`If-Match`), remove
//! (`If-Match`); every change reaches the node's registry, and so the
//! delivery workers, at once (other nodes on the same database within a
//! second).
//!
//! `/dead-letters`: messages given up after their point's attempts, without
//! content; `POST /dead-letters/{message_id}/redrive` sends one back to its
//! queue with its attempts reset.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use cabinet::{FieldErrors, ObjectKind, PointForm, PointKind, PointService};
use serde::{Deserialize, Serialize};
use store::delivery::{DeadLetter, PointRecord};

use crate::auth::Caller;
use crate::body::{json, located, JsonBody, QueryParams};
use crate::instant;
use crate::path::Path;
use crate::precondition::{self, with_etag};
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::systems::reload;
use crate::users::ListJson;

/// Most dead letters one answer holds.
pub const MAX_DEAD_LETTERS: u32 = 10_000;

/// An integration point as submitted; retry fields left out take the
/// defaults (10 attempts, 1 s base, 5 min cap, 30 s timeout).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointFormJson {
    /// The one service it covers; every service of the ИС when absent.
    #[serde(default)]
    pub service: Option<PointServiceJson>,
    /// `queue`, `push` or `upstream`.
    pub kind: String,
    /// Endpoint, `http://` or `https://`; empty for `queue`.
    #[serde(default)]
    pub url: String,
    /// Attempts before a dead letter, 1..=100.
    pub max_attempts: Option<u32>,
    /// First backoff ceiling, ms.
    pub backoff_base_ms: Option<u64>,
    /// Largest backoff ceiling, ms.
    pub backoff_cap_ms: Option<u64>,
    /// Timeout of one attempt, ms.
    pub timeout_ms: Option<u64>,
}

/// A service by its request root QName.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PointServiceJson {
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
}

/// An integration point as answered.
#[derive(Debug, Serialize)]
pub struct PointJson {
    /// Id.
    pub id: i64,
    /// Current version (also the `ETag`).
    pub version: i64,
    /// Mnemonic of the ИС.
    pub system: String,
    /// The service it covers, or `null` for every service.
    pub service: Option<PointServiceJson>,
    /// `queue`, `push` or `upstream`.
    pub kind: &'static str,
    /// Endpoint.
    pub url: String,
    /// Attempts before a dead letter.
    pub max_attempts: u32,
    /// First backoff ceiling, ms.
    pub backoff_base_ms: u64,
    /// Largest backoff ceiling, ms.
    pub backoff_cap_ms: u64,
    /// Timeout of one attempt, ms.
    pub timeout_ms: u64,
    /// When it was registered.
    pub created_at: String,
}

/// `GET /dead-letters` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeadLetterQuery {
    /// At most this many, oldest first (default and maximum 10 000).
    pub limit: Option<u32>,
}

/// A dead letter as answered: no content.
#[derive(Debug, Serialize)]
pub struct DeadLetterJson {
    /// The message.
    pub message_id: String,
    /// `request`, `response` or `status`.
    pub message_kind: &'static str,
    /// Owner of the queue it died in.
    pub queue_owner: String,
    /// `requests`, `responses` or `statuses`.
    pub queue_kind: &'static str,
    /// Sender mnemonic.
    pub sender: String,
    /// Recipient mnemonic.
    pub recipient: String,
    /// Attempts made.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it became a dead letter.
    pub dead_at: String,
}

// === impl PointFormJson ===

impl PointFormJson {
    /// The domain form for `system`; an unknown kind is a bad field.
    fn into_form(self, system: &str) -> Result<PointForm, ApiError> {
        let Some(kind) = PointKind::parse(&self.kind) else {
            let mut errors = FieldErrors::new();
            errors.push("kind", "Тип точки: queue, push или upstream");
            return Err(ApiError::Invalid(errors));
        };
        let defaults = PointForm::new(system, kind, self.url);
        Ok(PointForm {
            service: self.service.map(|s| PointService {
                namespace: s.namespace,
                root: s.root,
            }),
            max_attempts: self.max_attempts.unwrap_or(defaults.max_attempts),
            backoff_base_ms: self.backoff_base_ms.unwrap_or(defaults.backoff_base_ms),
            backoff_cap_ms: self.backoff_cap_ms.unwrap_or(defaults.backoff_cap_ms),
            timeout_ms: self.timeout_ms.unwrap_or(defaults.timeout_ms),
            ..defaults
        })
    }
}

/// A push or upstream point of an ИС the node auto-polls would compete with
/// the poller for its answers (and lose them to it): refused, naming `kind`.
fn refuse_beside_auto_poll(state: &ApiState, form: &PointForm) -> Result<(), ApiError> {
    let polled = state.node().settings().auto_poll.contains(&form.system);
    if !polled || form.kind == PointKind::Queue {
        return Ok(());
    }
    let mut errors = FieldErrors::new();
    let message = "Узел сам забирает сообщения этой ИС (auto_poll): точка push или upstream \
                   для неё не действует";
    errors.push("kind", message);
    Err(ApiError::Invalid(errors))
}

// === impl PointJson ===

impl PointJson {
    /// The answer for a stored point.
    pub fn from_record(record: &PointRecord) -> Self {
        let form = record.form.clone();
        PointJson {
            id: record.id,
            version: record.version,
            system: form.system,
            service: form.service.map(|s| PointServiceJson {
                namespace: s.namespace,
                root: s.root,
            }),
            kind: form.kind.as_str(),
            url: form.url,
            max_attempts: form.max_attempts,
            backoff_base_ms: form.backoff_base_ms,
            backoff_cap_ms: form.backoff_cap_ms,
            timeout_ms: form.timeout_ms,
            created_at: instant::to_text(record.created_at),
        }
    }
}

// === impl DeadLetterJson ===

impl DeadLetterJson {
    /// The answer for a dead letter.
    pub fn from_letter(letter: &DeadLetter) -> Self {
        DeadLetterJson {
            message_id: letter.message_id.clone(),
            message_kind: letter.kind.as_str(),
            queue_owner: letter.queue.owner.clone(),
            queue_kind: letter.queue.kind.as_str(),
            sender: letter.sender.clone(),
            recipient: letter.recipient.clone(),
            attempts: letter.attempts,
            last_error: letter.last_error.clone(),
            dead_at: instant::to_text(letter.dead_at),
        }
    }
}

/// `GET /systems/{mnemonic}/points`.
pub async fn list(
    State(state): State<ApiState>,
    Path(mnemonic): Path<String>,
) -> Result<Response, ApiError> {
    known_system(&state, &mnemonic)?;
    let points = state.store().integration_points().await?;
    let items = points
        .iter()
        .filter(|p| p.form.system == mnemonic)
        .map(PointJson::from_record)
        .collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /systems/{mnemonic}/points`: 201 with the point, `ETag`, `Location`.
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(mnemonic): Path<String>,
    JsonBody(body): JsonBody<PointFormJson>,
) -> Result<Response, ApiError> {
    known_system(&state, &mnemonic)?;
    let form = body.into_form(&mnemonic)?;
    refuse_beside_auto_poll(&state, &form)?;
    let context = caller.audit_context();
    let record = state.store().create_point(&form, &context).await?;
    reload(&state).await?;
    Ok(located(
        answer(StatusCode::CREATED, &record),
        &format!("/systems/{mnemonic}/points/{}", record.id),
    ))
}

/// `GET /systems/{mnemonic}/points/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Path((mnemonic, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let record = point_of(&state, &mnemonic, &id).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `PUT /systems/{mnemonic}/points/{id}`: replace; needs `If-Match`.
pub async fn put(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((mnemonic, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PointFormJson>,
) -> Result<Response, ApiError> {
    let current = point_of(&state, &mnemonic, &id).await?;
    let expected = precondition::if_match(&headers)?;
    let form = body.into_form(&mnemonic)?;
    refuse_beside_auto_poll(&state, &form)?;
    let context = caller.audit_context();
    let store = state.store();
    let record = store
        .update_point(current.id, &form, expected, &context)
        .await?;
    reload(&state).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `DELETE /systems/{mnemonic}/points/{id}`: needs `If-Match`.
pub async fn delete(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((mnemonic, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let current = point_of(&state, &mnemonic, &id).await?;
    let expected = precondition::if_match(&headers)?;
    let context = caller.audit_context();
    let store = state.store();
    store.delete_point(current.id, expected, &context).await?;
    reload(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /dead-letters`: oldest first, without content.
pub async fn dead_letters(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    QueryParams(query): QueryParams<DeadLetterQuery>,
) -> Result<Response, ApiError> {
    let limit = query.limit.unwrap_or(MAX_DEAD_LETTERS);
    if !(1..=MAX_DEAD_LETTERS).contains(&limit) {
        let message = format!("От 1 до {MAX_DEAD_LETTERS}");
        return Err(ApiError::bad_parameter("limit", &message));
    }
    let letters = state.store().dead_letters(limit).await?;
    // An API client bound to an ИС sees only the letters it took part in.
    let bound = caller.bound_system();
    let involves = |l: &&DeadLetter| bound.is_none_or(|s| l.sender == s || l.recipient == s);
    let items = letters
        .iter()
        .filter(involves)
        .map(DeadLetterJson::from_letter)
        .collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /dead-letters/{message_id}/redrive`: back to its queue, attempts
/// reset; 200 with what the dead letter was.
pub async fn redrive(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(message_id): Path<String>,
) -> Result<Response, ApiError> {
    let context = caller.audit_context();
    let node_id = state.node().settings().node_id.clone();
    let letter = state
        .store()
        .redrive(&message_id, &context, &node_id)
        .await?;
    let letter = letter.ok_or(ApiError::NotFound {
        kind: ObjectKind::Message,
        id: message_id,
    })?;
    tracing::info!(message_id = %letter.message_id, "dead letter re-driven");
    Ok(json(StatusCode::OK, &DeadLetterJson::from_letter(&letter)))
}

/// The system of the path must be registered (configured or stored).
fn known_system(state: &ApiState, mnemonic: &str) -> Result<(), ApiError> {
    match state.node().registry().system(mnemonic) {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound {
            kind: ObjectKind::InformationSystem,
            id: mnemonic.to_owned(),
        }),
    }
}

/// Point `id` of system `mnemonic`; a point of another system is not found.
async fn point_of(state: &ApiState, mnemonic: &str, id: &str) -> Result<PointRecord, ApiError> {
    known_system(state, mnemonic)?;
    let not_found = || ApiError::NotFound {
        kind: ObjectKind::IntegrationPoint,
        id: id.to_owned(),
    };
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(not_found)?;
    let record = state.store().integration_point(id).await?;
    record
        .filter(|r| r.form.system == mnemonic)
        .ok_or_else(not_found)
}

fn answer(status: StatusCode, record: &PointRecord) -> Response {
    with_etag(
        json(status, &PointJson::from_record(record)),
        record.version,
    )
}
