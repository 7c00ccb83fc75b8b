//! Idempotency keys of the integration REST API: which message a caller's
//! `client_id` produced for an information system (ИС), so that a repeated
//! request finds the first message instead of sending a second one.
//!
//! Backends: `sqlite::integration` and `postgres::integration`.

use time::OffsetDateTime;

use crate::error::StoreError;
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
