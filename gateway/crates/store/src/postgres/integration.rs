//! The `integration_requests` table on PostgreSQL.

use super::PgStore;
use crate::error::StoreError;
use crate::integration::{IntegrationRequest, KeyColumn};

type Result<T> = std::result::Result<T, StoreError>;

// === impl PgStore ===

impl PgStore {
    pub(crate) async fn record_integration_request(
        &self,
        request: IntegrationRequest,
    ) -> Result<bool> {
        let client = self.client().await?;
        let sql = "INSERT INTO integration_requests (system, client_id, message_id, created_at) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (system, client_id) DO NOTHING";
        let statement = client
            .prepare_cached(sql)
            .await
            .map_err(StoreError::postgres("preparing integration insert"))?;
        let inserted = client
            .execute(
                &statement,
                &[
                    &request.system,
                    &request.client_id,
                    &request.message_id,
                    &request.created_at,
                ],
            )
            .await
            .map_err(StoreError::postgres("recording an integration request"))?;
        Ok(inserted > 0)
    }

    pub(crate) async fn integration_requests_by(
        &self,
        column: KeyColumn,
        value: String,
    ) -> Result<Vec<IntegrationRequest>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT system, client_id, message_id, created_at FROM integration_requests \
             WHERE {} = $1 ORDER BY system",
            column.name()
        );
        let statement = client
            .prepare_cached(&sql)
            .await
            .map_err(StoreError::postgres("preparing integration lookup"))?;
        let rows = client
            .query(&statement, &[&value])
            .await
            .map_err(StoreError::postgres("looking integration requests up"))?;
        let mut found = Vec::new();
        for row in rows {
            found.push(IntegrationRequest {
                system: row
                    .try_get(0)
                    .map_err(StoreError::postgres("reading system"))?,
                client_id: row
                    .try_get(1)
                    .map_err(StoreError::postgres("reading client id"))?,
                message_id: row
                    .try_get(2)
                    .map_err(StoreError::postgres("reading message id"))?,
                created_at: row
                    .try_get(3)
                    .map_err(StoreError::postgres("reading created_at"))?,
            });
        }
        Ok(found)
    }
}
