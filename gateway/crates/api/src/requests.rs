//! `/requests`: the integration API. A caller hands the node a ВС payload
//! and an idempotency key; the node builds the SendRequest, signs it with
//! the ИС key and passes it through the same path as a SOAP client's
//! (XSD, signature, routing, store, journal). A repeated key answers the
//! message sent the first time, never a second one; a repeated key with
//! another payload (or another `test` flag) is a 409, told apart by a
//! digest of what was submitted ([`submitted_digest`]). Each request is
//! recorded with who sent it, from which address and when.
//!
//! `GET /requests` pages through them: `since` (inclusive) and `until`
//! (exclusive) RFC 3339 instants, `status` (interaction status), `service`
//! (name or `{namespace}root`), `limit` (1 to 500, 50 by default) and the
//! `cursor` a previous page answered as `next`.
//!
//! API clients send as the ИС they are bound to and within their message
//! quota (reserved before the send, given back when it is refused).

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use base64::Engine;
use cabinet::FieldErrors;
use exchange::{InformationSystem, SigningIdentity};
use serde::{Deserialize, Serialize};
use store::cabinet::QuotaReservation;
use store::integration::{IntegrationRequest, RequestCursor, RequestFilter, RequestSummary};
use store::{MessageState, PayloadName, StoredMessage};

use crate::audit::time_param;
use crate::auth::Caller;
use crate::body::{json, JsonBody, QueryParams};
use crate::instant;
use crate::path::Path;
use crate::problem::{ApiError, SMEV_FAILURE};
use crate::state::ApiState;

/// `Id` of the signed `SenderProvidedRequestData`.
const SIGNED_ID: &str = "SIGNED_BY_CALLER";

/// Most store pages one `GET /requests` reads to fill its page with rows
/// the caller may see.
const MAX_SCANNED_PAGES: usize = 8;

/// Longest idempotency key, in characters.
const MAX_CLIENT_ID_CHARS: usize = 100;

/// The fault element of a message id stored before.
const ALREADY_SENT: &str = "MessageIsAlreadySent";

/// Age past which a recorded key whose message was never stored belongs to
/// no request still on its way (a send takes seconds at most).
const ABANDONED_AFTER: time::Duration = time::Duration::minutes(5);

/// Requests one page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 50;

/// Most requests one page holds.
pub const MAX_LIMIT: u32 = 500;

/// A request to send, as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendRequestJson {
    /// Mnemonic of the sending ИС (an API client bound to an ИС may leave
    /// it out).
    pub system: String,
    /// The caller's idempotency key.
    pub client_id: String,
    /// The ВС payload, one XML element.
    pub payload: String,
    /// Send as a `TestMessage`.
    pub test: bool,
}

/// A request as answered.
#[derive(Debug, Serialize)]
pub struct RequestJson {
    /// SMEV message id.
    pub message_id: String,
    /// The caller's idempotency key.
    pub client_id: String,
    /// Sending ИС.
    pub system: String,
    /// The ВС: `{namespace}root`.
    pub service: String,
    /// Interaction status, e.g. `requestIsQueued`.
    pub status: String,
    /// `pending`, `acked` or `rejected`.
    pub state: &'static str,
    /// When it was sent.
    pub sent_at: String,
    /// When the provider first received it, if it has.
    pub delivered_at: Option<String>,
    /// Login of the user who sent it through the API.
    pub sent_by: String,
    /// The address it was sent from.
    pub remote: Option<String>,
}

/// `GET /requests` parameters, all as text so that every bad one is named.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestQuery {
    /// Requests sent at or after this RFC 3339 instant.
    pub since: Option<String>,
    /// Requests sent before this instant.
    pub until: Option<String>,
    /// Interaction status, e.g. `requestIsQueued`.
    pub status: Option<String>,
    /// Service name, or `{namespace}root`.
    pub service: Option<String>,
    /// Page size, 1 to [`MAX_LIMIT`].
    pub limit: Option<String>,
    /// `next` of the previous page.
    pub cursor: Option<String>,
}

/// A page of requests.
#[derive(Debug, Serialize)]
pub struct RequestPageJson {
    /// The requests the caller may see, oldest first.
    pub items: Vec<RequestJson>,
    /// The cursor of the next page; `null` on the last one.
    pub next: Option<String>,
}

// === impl RequestJson ===

impl RequestJson {
    fn new(request: &IntegrationRequest, stored: &StoredMessage) -> Self {
        let message = &stored.message;
        let summary = RequestSummary {
            request: request.clone(),
            service: message.payload.clone(),
            status: message.status.clone(),
            state: stored.delivery.state,
            sent_at: message.sent_at,
            delivered_at: stored.delivery.delivered_at,
        };
        RequestJson::from_summary(&summary)
    }

    fn from_summary(summary: &RequestSummary) -> Self {
        let request = &summary.request;
        RequestJson {
            message_id: request.message_id.clone(),
            client_id: request.client_id.clone(),
            system: request.system.clone(),
            service: format!(
                "{{{}}}{}",
                summary.service.namespace, summary.service.local_name
            ),
            status: summary.status.clone(),
            state: state_text(summary.state),
            sent_at: instant::to_text(summary.sent_at),
            delivered_at: summary.delivered_at.map(instant::to_text),
            sent_by: request.sent_by.clone(),
            remote: request.remote.map(|ip| ip.to_string()),
        }
    }
}

// === impl RequestQuery ===

impl RequestQuery {
    /// The store filter (asking one more than the page, to know whether a
    /// next page exists), or a 400 naming every bad parameter.
    fn into_filter(self, state: &ApiState) -> Result<(RequestFilter, u32), ApiError> {
        let mut errors = FieldErrors::new();
        let since = time_param(&mut errors, "since", self.since.as_deref());
        let until = time_param(&mut errors, "until", self.until.as_deref());
        let status = self.status.filter(|status| {
            let known = is_interaction_status(status);
            if !known {
                errors.push("status", "Неизвестный статус взаимодействия СМЭВ");
            }
            known
        });
        let service = self.service.and_then(|text| {
            let name = service_name(state, &text);
            if name.is_none() {
                errors.push("service", "Вид сведений не зарегистрирован на узле");
            }
            name
        });
        let limit = page_limit(&mut errors, self.limit.as_deref());
        let after = self.cursor.and_then(|text| {
            let cursor = decode_cursor(&text);
            if cursor.is_none() {
                errors.push("cursor", "Передайте значение next с предыдущей страницы");
            }
            cursor
        });
        if !errors.is_empty() {
            return Err(ApiError::BadRequest(errors));
        }
        let filter = RequestFilter {
            since,
            until,
            status,
            service,
            after,
            limit: limit + 1,
        };
        Ok((filter, limit))
    }
}

/// `POST /requests`: 201 with the new message, 200 with the message an
/// earlier request with the same `client_id` produced. An API client sends
/// as the ИС it is bound to (`system` may be left out then), only payloads
/// of its allowed services, and within its message quota: only a new
/// message that the node accepted uses it up.
///
/// The key is recorded, with the message id it will carry, before the
/// quota is reserved and the node routes the message: two identical
/// requests racing each other, or a retry after the node stopped half-way,
/// route that one message id, the store refuses a second message with it,
/// and at most one message ever exists per key. A refusal frees the key.
pub async fn send(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(mut body): JsonBody<SendRequestJson>,
) -> Result<Response, ApiError> {
    body.system = sender(&caller, &body.system)?;
    body.payload = payload_text(&body.payload).to_owned();
    check_form(&body, state.node().max_depth())?;
    let registry = state.node().registry();
    let system = registry
        .system(&body.system)
        .ok_or_else(|| unknown_system(&body.system))?;
    if !may_use_payload(&state, &caller, &body.payload) {
        return Err(field_error("payload", "Вам не разрешён этот вид сведений"));
    }
    let identity = signing_identity(system)?;
    let store = state.store();
    let message_id = exchange::message_id::generate(state.now());
    let request = record_of(&body, message_id, &caller, state.now());
    if !store.record_integration_request(request.clone()).await? {
        // Seen before (or recorded a moment ago by a concurrent request).
        let first = store
            .integration_request(&request.system, &request.client_id)
            .await?;
        let first = first.ok_or_else(|| ApiError::Internal("idempotency row vanished".into()))?;
        if !same_submission(&first, &request) {
            return Err(ApiError::KeyReused {
                client_id: request.client_id,
            });
        }
        return repeat(&state, system, &first, &body).await;
    }
    if let Err(error) = send_new(&state, &caller, &identity, &request, &body).await {
        store.forget_integration_request(&request).await?;
        return Err(error);
    }
    answer(&state, StatusCode::CREATED, &request).await
}

/// Routes the message of a freshly recorded key within the caller's
/// quota; the reserved message is given back when the node refuses it.
async fn send_new(
    state: &ApiState,
    caller: &Caller,
    identity: &SigningIdentity,
    request: &IntegrationRequest,
    body: &SendRequestJson,
) -> Result<(), ApiError> {
    let reservation = reserve(state, caller).await?;
    let routed = route(state, identity, &request.message_id, body).await;
    if let (Err(_), Some((client, period_start))) = (&routed, reservation) {
        state.store().release_message(client, period_start).await?;
    }
    routed
}

/// The answer to a key seen before: the message it became. When that
/// message is not stored yet (the first request is still on its way, or
/// the node stopped between recording the key and queueing), the same
/// message id is routed again. A refusal then frees a key older than
/// [`ABANDONED_AFTER`], which no request still on its way can hold.
async fn repeat(
    state: &ApiState,
    system: &InformationSystem,
    known: &IntegrationRequest,
    body: &SendRequestJson,
) -> Result<Response, ApiError> {
    if let Some(stored) = state.store().get(&known.message_id).await? {
        return Ok(json(StatusCode::OK, &RequestJson::new(known, &stored)));
    }
    let identity = signing_identity(system)?;
    if let Err(error) = route(state, &identity, &known.message_id, body).await {
        let abandoned = known.created_at + ABANDONED_AFTER < state.now();
        if abandoned {
            state.store().forget_integration_request(known).await?;
        }
        return Err(error);
    }
    answer(state, StatusCode::OK, known).await
}

/// Builds and signs the SendRequest with `message_id` and hands it to the
/// node. `MessageIsAlreadySent` means an earlier attempt with this id got
/// through: the message is there, which is what was asked.
async fn route(
    state: &ApiState,
    identity: &SigningIdentity,
    message_id: &str,
    body: &SendRequestJson,
) -> Result<(), ApiError> {
    let envelope = build_envelope(identity, message_id, body)?;
    let reply = state
        .node_arc()
        .handle_soap(
            Bytes::from(envelope),
            Some("text/xml"),
            Some("urn:SendRequest"),
        )
        .await;
    let stored = reply.status == 200 || reply.fault.as_deref() == Some(ALREADY_SENT);
    match stored {
        true => Ok(()),
        false => Err(refused(&reply)),
    }
}

/// The sending ИС: as asked; for a client bound to an ИС, that ИС (and no
/// other).
fn sender(caller: &Caller, asked: &str) -> Result<String, ApiError> {
    let Some(bound) = caller.bound_system() else {
        return Ok(asked.to_owned());
    };
    match asked.is_empty() || asked == bound {
        true => Ok(bound.to_owned()),
        false => Err(ApiError::SystemNotAllowed {
            system: asked.to_owned(),
        }),
    }
}

/// One message of a client's quota, reserved for this send; `None` for
/// users and clients without a quota.
///
/// FIXME(#3): a send cancelled half-way (the caller hangs up while the
/// node routes it, and the handler's future is dropped) keeps its
/// reservation, so the quota errs towards refusing. Right is to settle the
/// reservation with the integration request row in one transaction and
/// give back reservations older than a send can take.
async fn reserve(
    state: &ApiState,
    caller: &Caller,
) -> Result<Option<(i64, time::OffsetDateTime)>, ApiError> {
    let Some(client) = caller.client() else {
        return Ok(None);
    };
    let Some(quota) = client.record.client.quota() else {
        return Ok(None);
    };
    let id = client.record.id;
    match state.store().reserve_message(id, quota, caller.at).await? {
        QuotaReservation::Reserved { period_start } => Ok(Some((id, period_start))),
        QuotaReservation::Exhausted { until } => {
            let seconds = (until - caller.at).as_seconds_f64().ceil().max(1.0);
            // A period is at most a day long.
            Err(ApiError::QuotaExhausted {
                retry_after: seconds as u64,
            })
        }
    }
}

/// `GET /requests/{id}`: by message id or by client id, among the requests
/// the caller may see (a client bound to an ИС sees only that ИС's).
pub async fn get(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (request, stored) = find_visible(&state, &caller, &id).await?;
    Ok(json(StatusCode::OK, &RequestJson::new(&request, &stored)))
}

/// `GET /requests`: a page of the requests the caller may see. Rows of
/// services (or, for a bound client, ИС) the caller does not work with are
/// skipped and the page is filled from the rows after them, reading at
/// most [`MAX_SCANNED_PAGES`] store pages; `next` resumes after the last
/// row read, so a page may still come back short when hidden rows abound.
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    QueryParams(query): QueryParams<RequestQuery>,
) -> Result<Response, ApiError> {
    let (mut filter, limit) = query.into_filter(&state)?;
    let limit = limit as usize;
    let visible = |row: &RequestSummary| {
        let service = &row.service;
        let own = caller
            .bound_system()
            .is_none_or(|s| s == row.request.system);
        own && may_use_service(&state, &caller, &service.namespace, &service.local_name)
    };
    let mut items = Vec::new();
    let mut next = None;
    for _ in 0..MAX_SCANNED_PAGES {
        let rows = state.store().integration_request_page(&filter).await?;
        let window = &rows[..rows.len().min(limit)];
        let mut read = 0;
        for row in window {
            read += 1;
            if visible(row) {
                items.push(RequestJson::from_summary(row));
            }
            if items.len() == limit {
                break;
            }
        }
        // Rows remain after the last one read: later in this window, or
        // past it (the store was asked for one more than a page).
        let more = read < window.len() || rows.len() > limit;
        let last = read.checked_sub(1).map(|i| &window[i].request);
        next = last.filter(|_| more).map(encode_cursor);
        match (items.len() == limit, last.filter(|_| more)) {
            (false, Some(request)) => filter.after = Some(cursor_of(request)),
            _ => break,
        }
    }
    Ok(json(StatusCode::OK, &RequestPageJson { items, next }))
}

/// The store cursor just after `request`.
fn cursor_of(request: &IntegrationRequest) -> RequestCursor {
    RequestCursor {
        created_at: request.created_at,
        message_id: request.message_id.clone(),
    }
}

/// Finds the request `id` names (message id first, then client id) among
/// those the caller may see: the request and its message.
pub(crate) async fn find_visible(
    state: &ApiState,
    caller: &Caller,
    id: &str,
) -> Result<(IntegrationRequest, StoredMessage), ApiError> {
    let store = state.store();
    let mut candidates = store.integration_requests_by_client(id).await?;
    if let Some(by_message) = store.integration_request_by_message(id).await? {
        candidates.insert(0, by_message);
    }
    let bound = caller.bound_system();
    for request in candidates {
        if bound.is_some_and(|system| system != request.system) {
            continue;
        }
        let Some(stored) = store.get(&request.message_id).await? else {
            continue;
        };
        let payload = &stored.message.payload;
        if may_use_service(state, caller, &payload.namespace, &payload.local_name) {
            return Ok((request, stored));
        }
    }
    Err(ApiError::RequestNotFound { id: id.to_owned() })
}

/// Whether `text` is an `InteractionStatusType` value of some version.
fn is_interaction_status(text: &str) -> bool {
    [
        wire::names::v1_1::INTERACTION_STATUS_TYPE_VALUES,
        wire::names::v1_2::INTERACTION_STATUS_TYPE_VALUES,
        wire::names::v1_3::INTERACTION_STATUS_TYPE_VALUES,
    ]
    .iter()
    .any(|values| values.contains(&text))
}

/// The payload root of the service named `text` (its name, or
/// `{namespace}root`), if the node knows it.
fn service_name(state: &ApiState, text: &str) -> Option<PayloadName> {
    let registry = state.node().registry();
    if let Some((namespace, root)) = text.strip_prefix('{').and_then(|t| t.split_once('}')) {
        let service = registry.service(namespace, root)?;
        return Some(PayloadName::new(&service.namespace, &service.root));
    }
    let service = registry.services().find(|s| s.name == text)?;
    Some(PayloadName::new(&service.namespace, &service.root))
}

fn page_limit(errors: &mut FieldErrors, text: Option<&str>) -> u32 {
    let Some(text) = text else {
        return DEFAULT_LIMIT;
    };
    match text.trim().parse::<u32>() {
        Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
        _ => {
            errors.push("limit", format!("Укажите число от 1 до {MAX_LIMIT}"));
            DEFAULT_LIMIT
        }
    }
}

/// The opaque `next` after `request`: its time (microseconds) and message
/// id, base64url.
///
/// FIXME(#3): when the page's last row is one the caller may not see, the
/// cursor still carries that row's message id (only base64, not secret).
/// Right is a cursor sealed with the node's token key, or one built from a
/// row sequence number instead of the id.
fn encode_cursor(request: &IntegrationRequest) -> String {
    let micros = request.created_at.unix_timestamp_nanos() / 1000;
    let text = format!("{micros}/{}", request.message_id);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn decode_cursor(text: &str) -> Option<RequestCursor> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (micros, message_id) = text.split_once('/')?;
    let nanos = micros.parse::<i128>().ok()?.checked_mul(1000)?;
    let created_at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    Some(RequestCursor {
        created_at,
        message_id: message_id.to_owned(),
    })
}

/// The row recording a sent request: its key, its message, who sent it
/// from which address, and when.
fn record_of(
    body: &SendRequestJson,
    message_id: String,
    caller: &Caller,
    now: time::OffsetDateTime,
) -> IntegrationRequest {
    IntegrationRequest {
        system: body.system.clone(),
        client_id: body.client_id.clone(),
        message_id,
        created_at: now,
        sent_by: caller.audit_context().actor,
        remote: Some(caller.remote),
        payload_digest: Some(submitted_digest(body)),
    }
}

/// The digest stored with a key: SHA-256 of the `test` flag (one byte,
/// `0` or `1`) followed by the payload as sent (declaration dropped), as
/// `sha256:` and lowercase hex.
fn submitted_digest(body: &SendRequestJson) -> String {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(if body.test { b"1" } else { b"0" });
    hasher.update(body.payload.as_bytes());
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Whether a repeated key came with what it was first used with; a key
/// recorded before digests were kept matches anything.
fn same_submission(first: &IntegrationRequest, again: &IntegrationRequest) -> bool {
    match (&first.payload_digest, &again.payload_digest) {
        (Some(first), Some(again)) => first == again,
        _ => true,
    }
}

/// Checks the submitted fields; the payload's nesting is measured on the
/// text before any parser or signer sees it (both recurse per level).
fn check_form(body: &SendRequestJson, max_depth: usize) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    if body.system.is_empty() {
        errors.push("system", "Укажите мнемонику ИС");
    }
    let id_chars = body.client_id.chars().count();
    if id_chars == 0 || id_chars > MAX_CLIENT_ID_CHARS {
        errors.push(
            "client_id",
            "Укажите ключ идемпотентности (до 100 символов)",
        );
    } else if !body.client_id.chars().all(is_printable) {
        errors.push(
            "client_id",
            "Ключ идемпотентности состоит только из печатных символов: \
             управляющие символы и символы направления текста недопустимы",
        );
    }
    if body.payload.trim().is_empty() {
        errors.push("payload", "Укажите XML-содержимое запроса");
    } else if let Err(error) = wire::check_depth(&body.payload, max_depth) {
        let message = match error {
            wire::EnvelopeError::TooDeep { max } => {
                format!("Элементы XML вложены глубже допустимого ({max} уровней)")
            }
            _ => "У элемента XML слишком много атрибутов".to_owned(),
        };
        errors.push("payload", message);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// The payload as signed and sent: without surrounding whitespace (and a
/// byte order mark) and without an XML declaration in front, which has no
/// place inside the envelope it travels in.
fn payload_text(payload: &str) -> &str {
    let text = payload.trim_start_matches('\u{feff}').trim();
    let declared = text
        .strip_prefix("<?xml")
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_whitespace() || c == '?'));
    match declared.and_then(|rest| rest.split_once("?>")) {
        Some((_, after)) => after.trim_start(),
        None => text,
    }
}

/// Whether `c` may stand in a `client_id`: no control character (NUL,
/// newline, C1), no invisible format or bidi control character (U+202E
/// and kin), which would make two keys look alike or a log line lie.
fn is_printable(c: char) -> bool {
    let format = matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    );
    // Private-use code points and noncharacters name nothing printable.
    let private = matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}');
    let noncharacter = matches!(c, '\u{FDD0}'..='\u{FDEF}') || (c as u32 & 0xFFFE) == 0xFFFE;
    !c.is_control() && !format && !private && !noncharacter
}

/// Whether the caller works with the ВС the payload's root names; a payload
/// that is not XML or names no ВС passes, for the node to refuse it with the
/// SMEV fault that says why.
fn may_use_payload(state: &ApiState, caller: &Caller, payload: &str) -> bool {
    let Ok(document) = roxmltree::Document::parse(payload) else {
        return true;
    };
    let root = document.root_element();
    let namespace = root.tag_name().namespace().unwrap_or_default();
    let registry = state.node().registry();
    if registry
        .service(namespace, root.tag_name().name())
        .is_none()
    {
        return true;
    }
    may_use_service(state, caller, namespace, root.tag_name().name())
}

/// Whether the caller works with the ВС `{namespace}root`: by its name or
/// its namespace in the caller's allowed services (administrators with all).
fn may_use_service(state: &ApiState, caller: &Caller, namespace: &str, root: &str) -> bool {
    let registry = state.node().registry();
    match registry.service(namespace, root) {
        Some(service) => caller.may_use_service(&service.name) || caller.may_use_service(namespace),
        None => caller.may_use_service(namespace),
    }
}

fn signing_identity(system: &InformationSystem) -> Result<Arc<SigningIdentity>, ApiError> {
    system.signing.clone().ok_or_else(|| ApiError::CannotSign {
        system: system.mnemonic.clone(),
    })
}

/// The signed SendRequest envelope. A payload that cannot be signed (not
/// well-formed XML) goes unsigned, so that the node's own checks name the
/// fault; a payload the signature cannot cover (see [`signing_refusal`])
/// is the sender's 422; a failure of the key is the node's.
fn build_envelope(
    identity: &SigningIdentity,
    message_id: &str,
    body: &SendRequestJson,
) -> Result<String, ApiError> {
    let input = wire::RequestInput {
        id: SIGNED_ID,
        message_id,
        reference_message_id: None,
        transaction_code: None,
        node_id: None,
        eol: None,
        payload: &body.payload,
        personal_signature: None,
        attachment_headers: &[],
        test_message: body.test,
    };
    let version = wire::Version::V1_3;
    if roxmltree::Document::parse(&body.payload).is_err() {
        return Ok(wire::write_send_request_request(version, &input, &[], None));
    }
    let failure = RefCell::new(None);
    let sign = |element: &str, id: &str| {
        dsig::sign_element(element, id, &identity.0, &identity.1).unwrap_or_else(|error| {
            *failure.borrow_mut() = Some(error);
            String::new()
        })
    };
    let envelope = wire::write_send_request_request(version, &input, &[], Some(&sign));
    match failure.into_inner() {
        Some(error) => Err(signing_refusal(&error)),
        None => Ok(envelope),
    }
}

/// The answer to a signature that could not be made: the payload's own
/// shape (a 422 naming `payload`, saying why in Russian) or the node's key
/// and certificate (a 500, the cause in the log).
fn signing_refusal(error: &dsig::SignError) -> ApiError {
    use dsig::{DigestError, SignError, TransformError};
    let reason = match error {
        SignError::Digest(DigestError::Transform(transform)) => match transform {
            TransformError::UnqualifiedElement(name) => format!(
                "Элемент {name} без пространства имён: СМЭВ подписывает только \
                 элементы с пространством имён"
            ),
            TransformError::XmlNamespaceAttribute(name) => {
                format!("Атрибут xml:{name} не поддерживается преобразованием СМЭВ")
            }
            TransformError::DuplicateAttribute(name) => {
                format!("Атрибут {name} указан у элемента дважды")
            }
            TransformError::UnboundPrefix(prefix) => {
                format!("Префикс {prefix} не объявлен")
            }
            _ => "XML-содержимое не подходит для преобразования СМЭВ и не может быть \
                  подписано"
                .to_owned(),
        },
        SignError::Parse(_) | SignError::Digest(_) => {
            "XML-содержимое не может быть подписано в составе запроса".to_owned()
        }
        SignError::Canonicalize(_)
        | SignError::Certificate(_)
        | SignError::UnsupportedKey(_)
        | SignError::KeyMismatch => {
            return ApiError::Internal(format!("signing a request: {error}"));
        }
    };
    field_error("payload", &reason)
}

/// The problem answering a SOAP fault reply.
fn refused(reply: &exchange::SoapReply) -> ApiError {
    let element = reply
        .fault
        .clone()
        .unwrap_or_else(|| SMEV_FAILURE.to_owned());
    let description = fault_description(&reply.body).unwrap_or_default();
    ApiError::Refused {
        element,
        description,
    }
}

/// The `Description` of a SMEV fault, or the faultstring.
fn fault_description(envelope: &str) -> Option<String> {
    let document = roxmltree::Document::parse(envelope).ok()?;
    let text_of = |name: &str| {
        document
            .descendants()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::to_owned)
    };
    text_of("Description").or_else(|| text_of("faultstring"))
}

async fn answer(
    state: &ApiState,
    status: StatusCode,
    request: &IntegrationRequest,
) -> Result<Response, ApiError> {
    let stored = state.store().get(&request.message_id).await?;
    let stored = stored.ok_or_else(|| ApiError::Internal("integration message vanished".into()))?;
    Ok(json(status, &RequestJson::new(request, &stored)))
}

fn state_text(state: MessageState) -> &'static str {
    match state {
        MessageState::Pending => "pending",
        MessageState::Acked => "acked",
        MessageState::Rejected => "rejected",
        MessageState::Dead => "dead",
    }
}

fn unknown_system(mnemonic: &str) -> ApiError {
    field_error(
        "system",
        &format!("ИС {mnemonic} не зарегистрирована на узле"),
    )
}

fn field_error(field: &str, message: &str) -> ApiError {
    let mut errors = FieldErrors::new();
    errors.push(field, message);
    ApiError::Invalid(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_xml_declaration_and_whitespace_are_dropped() {
        let cases = [
            (
                "<?xml version=\"1.0\"?><q:E xmlns:q=\"urn:e\"/>",
                "<q:E xmlns:q=\"urn:e\"/>",
            ),
            (
                "\u{feff} <?xml version='1.0' encoding='UTF-8'?>\n <a/> \n",
                "<a/>",
            ),
            ("  <a/>  ", "<a/>"),
            (
                "<?xml-stylesheet href='x'?><a/>",
                "<?xml-stylesheet href='x'?><a/>",
            ),
            ("<?xml version=\"1.0\"", "<?xml version=\"1.0\""),
        ];
        for (payload, sent) in cases {
            assert_eq!(payload_text(payload), sent, "{payload}");
        }
    }

    #[test]
    fn client_id_characters_control_and_bidi_are_not_printable() {
        for c in [
            '\0', '\n', '\t', '\u{7f}', '\u{85}', '\u{202E}', '\u{2066}', '\u{200B}',
        ] {
            assert!(!is_printable(c), "{:?}", c);
        }
        for c in ['a', 'Я', '-', ' ', '№', '😀'] {
            assert!(is_printable(c), "{:?}", c);
        }
    }

    fn body(payload: &str, test: bool) -> SendRequestJson {
        SendRequestJson {
            payload: payload.to_owned(),
            test,
            ..SendRequestJson::default()
        }
    }

    #[test]
    fn submitted_digest_differs_by_payload_and_by_test_flag() {
        let first = submitted_digest(&body("<a:E xmlns:a=\"urn:a\"/>", false));

        assert_eq!(
            first,
            submitted_digest(&body("<a:E xmlns:a=\"urn:a\"/>", false))
        );
        assert_ne!(
            first,
            submitted_digest(&body("<a:E xmlns:a=\"urn:b\"/>", false))
        );
        assert_ne!(
            first,
            submitted_digest(&body("<a:E xmlns:a=\"urn:a\"/>", true))
        );
        assert!(
            first.starts_with("sha256:") && first.len() == 7 + 64,
            "{first}"
        );
    }

    #[test]
    fn signing_refusal_of_the_payload_is_422_and_of_the_key_is_500() {
        let unqualified = dsig::SignError::Digest(dsig::DigestError::Transform(
            dsig::TransformError::UnqualifiedElement("a".to_owned()),
        ));
        let payload = signing_refusal(&unqualified);
        let key = signing_refusal(&dsig::SignError::KeyMismatch);

        assert_eq!(payload.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let ApiError::Invalid(errors) = payload else {
            panic!("not a field error");
        };
        assert_eq!(errors.errors()[0].field, "payload");
        assert!(errors.errors()[0].message.contains("пространства имён"));
        assert_eq!(key.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
