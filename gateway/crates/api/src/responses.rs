//! `/responses/{id}`: what came back for a request sent through the
//! integration API — the provider's response, its rejection, business
//! statuses and SMEV's own status messages — in arrival order, as the node
//! received them on the ИС's behalf (auto-poll, `exchange::auto_poll`).
//!
//! The request is found as `GET /requests/{id}` finds it (message id, then
//! client id, among the services the caller works with). The business
//! payload is answered only to callers who may read message bodies.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use cabinet::Action;
use serde::Serialize;
use store::integration::ReceivedResponse;

use crate::auth::Caller;
use crate::body::json;
use crate::instant;
use crate::path::Path;
use crate::problem::ApiError;
use crate::requests::find_visible;
use crate::state::ApiState;

/// What came back for one request.
#[derive(Debug, Serialize)]
pub struct ResponsesJson {
    /// The request's message id.
    pub message_id: String,
    /// The request's idempotency key.
    pub client_id: String,
    /// Whether the node takes answers for the sending ИС (auto-poll); when
    /// it does not, the ИС polls them itself and `items` stays empty.
    pub auto_poll: bool,
    /// Everything received, oldest first.
    pub items: Vec<ResponseJson>,
}

/// One received message.
#[derive(Debug, Serialize)]
pub struct ResponseJson {
    /// Its message id.
    pub message_id: String,
    /// `response`, `rejection` or `status`.
    pub kind: &'static str,
    /// Status category (`underProcessing`, ...) or code; the first
    /// rejection code.
    pub status: Option<String>,
    /// Status details or description; the first rejection's description.
    pub description: Option<String>,
    /// Every rejection, status parameter or SMEV fault, in order.
    pub fields: Vec<FieldJson>,
    /// The business payload XML; `null` when there is none or the caller
    /// may not read message bodies.
    pub payload: Option<String>,
    /// Whether a payload exists but was withheld from this caller.
    pub payload_withheld: bool,
    /// When the node received it.
    pub received_at: String,
}

/// One named field of a received message.
#[derive(Debug, Serialize)]
pub struct FieldJson {
    /// Rejection code, parameter key, or `fault`.
    pub name: String,
    /// Its description or value.
    pub value: String,
}

// === impl ResponseJson ===

impl ResponseJson {
    fn new(received: ReceivedResponse, bodies: bool) -> Self {
        let withheld = received.payload.is_some() && !bodies;
        ResponseJson {
            message_id: received.message_id,
            kind: received.kind.as_str(),
            status: received.status,
            description: received.description,
            fields: received
                .fields
                .into_iter()
                .map(|(name, value)| FieldJson { name, value })
                .collect(),
            payload: received.payload.filter(|_| bodies),
            payload_withheld: withheld,
            received_at: instant::to_text(received.received_at),
        }
    }
}

/// `GET /responses/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (request, _) = find_visible(&state, &caller, &id).await?;
    let received = state
        .store()
        .received_responses(&request.message_id)
        .await?;
    let bodies = caller.may(Action::ReadMessageBodies);
    let auto_poll = state.node().settings().auto_poll.contains(&request.system);
    let answer = ResponsesJson {
        auto_poll,
        message_id: request.message_id,
        client_id: request.client_id,
        items: received
            .into_iter()
            .map(|r| ResponseJson::new(r, bodies))
            .collect(),
    };
    Ok(json(StatusCode::OK, &answer))
}
