//! `/requests`: the integration API. A caller hands the node a ВС payload
//! and an idempotency key; the node builds the SendRequest, signs it with
//! the ИС key and passes it through the same path as a SOAP client's
//! (XSD, signature, routing, store, journal). A repeated key answers the
//! message sent the first time, never a second one.

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use cabinet::FieldErrors;
use exchange::{InformationSystem, SigningIdentity};
use serde::{Deserialize, Serialize};
use store::integration::IntegrationRequest;
use store::{MessageState, StoredMessage};

use crate::auth::Caller;
use crate::body::{json, JsonBody};
use crate::instant;
use crate::problem::{ApiError, SMEV_FAILURE};
use crate::state::ApiState;

/// `Id` of the signed `SenderProvidedRequestData`.
const SIGNED_ID: &str = "SIGNED_BY_CALLER";

/// A request to send, as submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SendRequestJson {
    /// Mnemonic of the sending ИС.
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
}

// === impl RequestJson ===

impl RequestJson {
    fn new(request: &IntegrationRequest, stored: &StoredMessage) -> Self {
        let message = &stored.message;
        RequestJson {
            message_id: message.message_id.clone(),
            client_id: request.client_id.clone(),
            system: request.system.clone(),
            service: format!(
                "{{{}}}{}",
                message.payload.namespace, message.payload.local_name
            ),
            status: message.status.clone(),
            state: state_text(stored.delivery.state),
            sent_at: instant::to_text(message.sent_at),
            delivered_at: stored.delivery.delivered_at.map(instant::to_text),
        }
    }
}

/// `POST /requests`: 201 with the new message, 200 with the message an
/// earlier request with the same `client_id` produced.
pub async fn send(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<SendRequestJson>,
) -> Result<Response, ApiError> {
    check_form(&body)?;
    let registry = state.node().registry();
    let system = registry
        .system(&body.system)
        .ok_or_else(|| unknown_system(&body.system))?;
    if !may_use_payload(&state, &caller, &body.payload) {
        return Err(field_error("payload", "Вам не разрешён этот вид сведений"));
    }
    let store = state.store();
    if let Some(known) = store
        .integration_request(&body.system, &body.client_id)
        .await?
    {
        return answer(&state, StatusCode::OK, &known).await;
    }
    let identity = signing_identity(system)?;
    let message_id = exchange::message_id::generate(state.now());
    let envelope = build_envelope(&identity, &message_id, &body)?;
    let reply = state
        .node_arc()
        .handle_soap(
            Bytes::from(envelope),
            Some("text/xml"),
            Some("urn:SendRequest"),
        )
        .await;
    if reply.status != 200 {
        return Err(refused(&reply));
    }
    let request = IntegrationRequest {
        system: body.system,
        client_id: body.client_id,
        message_id,
        created_at: state.now(),
    };
    if !store.record_integration_request(request.clone()).await? {
        // A concurrent identical request was recorded first: its message wins.
        let first = store
            .integration_request(&request.system, &request.client_id)
            .await?;
        let first = first.ok_or_else(|| ApiError::Internal("idempotency row vanished".into()))?;
        return answer(&state, StatusCode::OK, &first).await;
    }
    answer(&state, StatusCode::CREATED, &request).await
}

/// `GET /requests/{id}`: by message id or by client id, among the requests
/// the caller may see.
pub async fn get(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let mut candidates = store.integration_requests_by_client(&id).await?;
    if let Some(by_message) = store.integration_request_by_message(&id).await? {
        candidates.insert(0, by_message);
    }
    for request in candidates {
        let Some(stored) = store.get(&request.message_id).await? else {
            continue;
        };
        let payload = &stored.message.payload;
        if may_use_service(&state, &caller, &payload.namespace, &payload.local_name) {
            return Ok(json(StatusCode::OK, &RequestJson::new(&request, &stored)));
        }
    }
    Err(ApiError::RequestNotFound { id })
}

fn check_form(body: &SendRequestJson) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    if body.system.is_empty() {
        errors.push("system", "Укажите мнемонику ИС");
    }
    if body.client_id.is_empty() || body.client_id.len() > 100 {
        errors.push(
            "client_id",
            "Укажите ключ идемпотентности (до 100 символов)",
        );
    }
    if body.payload.trim().is_empty() {
        errors.push("payload", "Укажите XML-содержимое запроса");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
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
/// its namespace in the user's allowed services (administrators with all).
fn may_use_service(state: &ApiState, caller: &Caller, namespace: &str, root: &str) -> bool {
    let user = &caller.record.user;
    let registry = state.node().registry();
    match registry.service(namespace, root) {
        Some(service) => user.may_use_service(&service.name) || user.may_use_service(namespace),
        None => user.may_use_service(namespace),
    }
}

fn signing_identity(system: &InformationSystem) -> Result<Arc<SigningIdentity>, ApiError> {
    system.signing.clone().ok_or_else(|| ApiError::CannotSign {
        system: system.mnemonic.clone(),
    })
}

/// The signed SendRequest envelope. A payload that cannot be signed (not
/// well-formed XML) goes unsigned, so that the node's own checks name the
/// fault; any other signing failure is the node's.
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
            *failure.borrow_mut() = Some(error.to_string());
            String::new()
        })
    };
    let envelope = wire::write_send_request_request(version, &input, &[], Some(&sign));
    match failure.into_inner() {
        Some(error) => Err(ApiError::Internal(format!("signing a request: {error}"))),
        None => Ok(envelope),
    }
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
