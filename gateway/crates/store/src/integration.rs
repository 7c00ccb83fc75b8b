//! What the integration REST API keeps: idempotency keys (which message a
//! caller's `client_id` produced for an information system (ИС), so that a
//! repeated request finds the first message instead of sending a second
//! one, and who sent it from where), a page query over those requests, and
//! the responses, rejections and statuses the node received on an ИС's
//! behalf (auto-poll), stored once per received message id.
//!
//! Backends: `sqlite::integration` and `postgres::integration`.

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::error::StoreError;
use crate::message::{MessageState, PayloadName};
use crate::Store;

/// One request sent through the integration API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationRequest {
    /// Mnemonic of the sending ИС.
    pub system: String,
    /// The caller's idempotency key, unique per system.
    pub client_id: String,
    /// The message the request became.
    pub message_id: String,
    /// When the key was recorded.
    pub created_at: OffsetDateTime,
    /// Login of the user who sent it (empty for rows from before 0007).
    pub sent_by: String,
    /// The address the request came from.
    pub remote: Option<IpAddr>,
    /// Digest of what was submitted with the key (payload and test flag),
    /// as the API computed it; `None` for rows from before 0008, which
    /// match any payload.
    pub payload_digest: Option<String>,
}

/// One row of a request page: the request and its message's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    /// The request.
    pub request: IntegrationRequest,
    /// The ВС payload root of its message.
    pub service: PayloadName,
    /// Interaction status text of its message.
    pub status: String,
    /// Where its message is in its life.
    pub state: MessageState,
    /// When its message was sent.
    pub sent_at: OffsetDateTime,
    /// When the provider first received it.
    pub delivered_at: Option<OffsetDateTime>,
}

/// Where a request page resumes: after this (time, message id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCursor {
    /// `created_at` of the last request of the previous page.
    pub created_at: OffsetDateTime,
    /// Its message id.
    pub message_id: String,
}

/// Which requests [`Store::integration_request_page`] returns, ordered by
/// `created_at`, then message id; unset fields match all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Created at or after this.
    pub since: Option<OffsetDateTime>,
    /// Created before this.
    pub until: Option<OffsetDateTime>,
    /// Message interaction status, e.g. `requestIsQueued`.
    pub status: Option<String>,
    /// Message payload root.
    pub service: Option<PayloadName>,
    /// Resume after this request.
    pub after: Option<RequestCursor>,
    /// At most this many.
    pub limit: u32,
}

/// What a received message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// A business answer (`MessagePrimaryContent`).
    Response,
    /// `RequestRejected`.
    Rejection,
    /// `RequestStatus` or SMEV's `AsyncProcessingStatus`.
    Status,
}

/// A response, rejection or status received for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedResponse {
    /// Id of the received message (unique).
    pub message_id: String,
    /// The request it answers.
    pub request_message_id: String,
    /// The ИС it was received for.
    pub system: String,
    /// Response, rejection or status.
    pub kind: ResponseKind,
    /// Status category or code; the first rejection code.
    pub status: Option<String>,
    /// Status details or description; the first rejection description.
    pub description: Option<String>,
    /// The business payload XML (the element under `MessagePrimaryContent`).
    pub payload: Option<String>,
    /// Named fields in document order (rejections, status parameters, fault).
    pub fields: Vec<(String, String)>,
    /// When the node received it.
    pub received_at: OffsetDateTime,
}

/// Which column a lookup matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyColumn {
    /// `message_id`.
    MessageId,
    /// `client_id` (any system).
    ClientId,
}

// === impl KeyColumn ===

impl KeyColumn {
    /// The column name, for SQL.
    pub(crate) fn name(self) -> &'static str {
        match self {
            KeyColumn::MessageId => "message_id",
            KeyColumn::ClientId => "client_id",
        }
    }
}

// === impl ResponseKind ===

impl ResponseKind {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseKind::Response => "response",
            ResponseKind::Rejection => "rejection",
            ResponseKind::Status => "status",
        }
    }

    /// Reads the stored text back.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] for any other text.
    pub fn from_stored(text: &str) -> Result<Self, StoreError> {
        match text {
            "response" => Ok(ResponseKind::Response),
            "rejection" => Ok(ResponseKind::Rejection),
            "status" => Ok(ResponseKind::Status),
            _ => Err(StoreError::Corrupt {
                what: "response kind",
            }),
        }
    }
}

// === impl Store ===

impl Store {
    /// The request `system` sent with `client_id`, if any.
    ///
    /// # Errors
    /// A backend error.
    pub async fn integration_request(
        &self,
        system: &str,
        client_id: &str,
    ) -> Result<Option<IntegrationRequest>, StoreError> {
        let found = self
            .integration_requests_by(KeyColumn::ClientId, client_id)
            .await?;
        Ok(found.into_iter().find(|r| r.system == system))
    }

    /// The request whose message is `message_id`, if it came through the
    /// integration API.
    ///
    /// # Errors
    /// A backend error.
    pub async fn integration_request_by_message(
        &self,
        message_id: &str,
    ) -> Result<Option<IntegrationRequest>, StoreError> {
        let found = self
            .integration_requests_by(KeyColumn::MessageId, message_id)
            .await?;
        Ok(found.into_iter().next())
    }

    /// Every request sent with `client_id`, whatever the system.
    ///
    /// # Errors
    /// A backend error.
    pub async fn integration_requests_by_client(
        &self,
        client_id: &str,
    ) -> Result<Vec<IntegrationRequest>, StoreError> {
        self.integration_requests_by(KeyColumn::ClientId, client_id)
            .await
    }

    /// Records `request`; `false` when its (system, client_id) is taken
    /// already (a concurrent identical request won), nothing written then.
    ///
    /// # Errors
    /// A backend error.
    pub async fn record_integration_request(
        &self,
        request: IntegrationRequest,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(store) => store.record_integration_request(request).await,
            Store::Postgres(store) => store.record_integration_request(request).await,
        }
    }

    /// Drops `request`'s idempotency key if it still names the request's
    /// message: the send it reserved was refused, so the key is free for a
    /// corrected retry. `false` when the row was gone or names another
    /// message.
    ///
    /// # Errors
    /// A backend error.
    pub async fn forget_integration_request(
        &self,
        request: &IntegrationRequest,
    ) -> Result<bool, StoreError> {
        let key = [&request.system, &request.client_id, &request.message_id].map(String::clone);
        match self {
            Store::Sqlite(store) => store.forget_integration_request(key).await,
            Store::Postgres(store) => store.forget_integration_request(key).await,
        }
    }

    /// A page of requests matching `filter` (at most `filter.limit`), in
    /// `created_at`, message id order: a stable cursor, since a request's
    /// time and id never change.
    ///
    /// # Errors
    /// A backend error.
    pub async fn integration_request_page(
        &self,
        filter: &RequestFilter,
    ) -> Result<Vec<RequestSummary>, StoreError> {
        let filter = filter.clone();
        match self {
            Store::Sqlite(store) => store.integration_request_page(filter).await,
            Store::Postgres(store) => store.integration_request_page(filter).await,
        }
    }

    /// Stores `response` with its fields in one transaction; `false` when
    /// its message id is stored already (a redelivery), nothing written then.
    ///
    /// # Errors
    /// A backend error.
    pub async fn record_received_response(
        &self,
        response: ReceivedResponse,
    ) -> Result<bool, StoreError> {
        match self {
            Store::Sqlite(store) => store.record_received_response(response).await,
            Store::Postgres(store) => store.record_received_response(response).await,
        }
    }

    /// Everything received for the request `request_message_id`, in
    /// arrival order.
    ///
    /// # Errors
    /// A backend error.
    pub async fn received_responses(
        &self,
        request_message_id: &str,
    ) -> Result<Vec<ReceivedResponse>, StoreError> {
        let id = request_message_id.to_owned();
        match self {
            Store::Sqlite(store) => store.received_responses(id).await,
            Store::Postgres(store) => store.received_responses(id).await,
        }
    }

    async fn integration_requests_by(
        &self,
        column: KeyColumn,
        value: &str,
    ) -> Result<Vec<IntegrationRequest>, StoreError> {
        let value = value.to_owned();
        match self {
            Store::Sqlite(store) => store.integration_requests_by(column, value).await,
            Store::Postgres(store) => store.integration_requests_by(column, value).await,
        }
    }
}

/// Reads a stored address back.
pub(crate) fn parse_remote(remote: Option<String>) -> Result<Option<IpAddr>, StoreError> {
    remote
        .map(|text| text.parse())
        .transpose()
        .map_err(|_| StoreError::Corrupt { what: "address" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_kind_text_round_trips_and_unknown_is_corrupt() {
        for kind in [
            ResponseKind::Response,
            ResponseKind::Rejection,
            ResponseKind::Status,
        ] {
            assert_eq!(ResponseKind::from_stored(kind.as_str()).unwrap(), kind);
        }
        assert!(matches!(
            ResponseKind::from_stored("cancel"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
