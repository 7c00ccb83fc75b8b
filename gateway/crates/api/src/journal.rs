//! `/journal`: the message journal for auditors — what the node did with
//! which message, when, between whom. The journal holds no message
//! contents, so neither does this answer.
//!
//! Filters: `since` (inclusive), `until` (exclusive), `operation`,
//! `message_kind` (`request`, `response`, `status`), `status`,
//! `participant` (sender or recipient), `message_id`, `limit`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use cabinet::FieldErrors;
use serde::{Deserialize, Serialize};
use store::{JournalFilter, JournalRecord, MessageKind};

use crate::audit::time_param;
use crate::auth::Caller;
use crate::body::{json, QueryParams};
use crate::instant;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::users::ListJson;

/// Most entries one answer holds.
pub const MAX_LIMIT: u32 = 10_000;

/// `GET /journal` parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalQuery {
    /// Entries at or after this instant.
    pub since: Option<String>,
    /// Entries before this instant.
    pub until: Option<String>,
    /// Exact operation.
    pub operation: Option<String>,
    /// `request`, `response` or `status`.
    pub message_kind: Option<String>,
    /// Exact status.
    pub status: Option<String>,
    /// Sender or recipient mnemonic.
    pub participant: Option<String>,
    /// Exact message id.
    pub message_id: Option<String>,
    /// At most this many, oldest first.
    pub limit: Option<u32>,
}

/// One journal entry as answered.
#[derive(Debug, Serialize)]
pub struct JournalJson {
    /// Id.
    pub id: i64,
    /// When.
    pub at: String,
    /// Node that did it.
    pub node_id: String,
    /// What was done.
    pub operation: String,
    /// Kind of the message, if any.
    pub message_kind: Option<String>,
    /// Interaction status after it, if any.
    pub status: Option<String>,
    /// The message, if any.
    pub message_id: Option<String>,
    /// Sender mnemonic.
    pub sender: Option<String>,
    /// Recipient mnemonic.
    pub recipient: Option<String>,
    /// SOAP fault code answered, if any.
    pub fault_code: Option<String>,
    /// Short free text; never message content.
    pub detail: String,
}

// === impl JournalQuery ===

impl JournalQuery {
    fn into_filter(self) -> Result<JournalFilter, ApiError> {
        let mut errors = FieldErrors::new();
        let from = time_param(&mut errors, "since", self.since.as_deref());
        let until = time_param(&mut errors, "until", self.until.as_deref());
        let message_kind = match self.message_kind.as_deref() {
            None => None,
            Some(text) => {
                let kind = MessageKind::from_stored(text).ok();
                if kind.is_none() {
                    errors.push("message_kind", "Укажите request, response или status");
                }
                kind
            }
        };
        let limit = self.limit.unwrap_or(MAX_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            errors.push("limit", format!("Укажите число от 1 до {MAX_LIMIT}"));
        }
        if !errors.is_empty() {
            return Err(ApiError::BadRequest(errors));
        }
        Ok(JournalFilter {
            from,
            until,
            operation: self.operation,
            message_kind,
            status: self.status,
            participant: self.participant,
            message_id: self.message_id,
            limit: Some(limit),
        })
    }
}

// === impl JournalJson ===

impl JournalJson {
    fn from_record(record: &JournalRecord) -> Self {
        let entry = &record.entry;
        JournalJson {
            id: record.id,
            at: instant::to_text(entry.at),
            node_id: entry.node_id.clone(),
            operation: entry.operation.clone(),
            message_kind: entry.message_kind.map(|k| k.as_str().to_owned()),
            status: entry.status.clone(),
            message_id: entry.message_id.clone(),
            sender: entry.sender.clone(),
            recipient: entry.recipient.clone(),
            fault_code: entry.fault_code.clone(),
            detail: entry.detail.clone(),
        }
    }
}

/// `GET /journal`. An API client bound to an ИС sees only the entries that
/// name that ИС as sender or recipient.
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    QueryParams(query): QueryParams<JournalQuery>,
) -> Result<Response, ApiError> {
    let mut filter = query.into_filter()?;
    if let Some(bound) = caller.bound_system() {
        if filter.participant.as_deref().is_some_and(|p| p != bound) {
            return Err(ApiError::SystemNotAllowed {
                system: filter.participant.unwrap_or_default(),
            });
        }
        filter.participant = Some(bound.to_owned());
    }
    let records = state.store().query(&filter).await?;
    let items = records.iter().map(JournalJson::from_record).collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}
