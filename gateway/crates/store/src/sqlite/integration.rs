//! The `integration_requests` table on SQLite.

use rusqlite::{params, Row};

use super::{from_micros, to_micros, SqliteStore};
use crate::error::StoreError;
use crate::integration::{IntegrationRequest, KeyColumn};

type Result<T> = std::result::Result<T, StoreError>;

// === impl SqliteStore ===

impl SqliteStore {
    pub(crate) async fn record_integration_request(
        &self,
        request: IntegrationRequest,
    ) -> Result<bool> {
        self.call(move |conn| {
            let sql =
                "INSERT INTO integration_requests (system, client_id, message_id, created_at) \
                       VALUES (?1, ?2, ?3, ?4) ON CONFLICT (system, client_id) DO NOTHING";
            let inserted = conn
                .execute(
                    sql,
                    params![
                        request.system,
                        request.client_id,
                        request.message_id,
                        to_micros(request.created_at)
                    ],
                )
                .map_err(StoreError::sqlite("recording an integration request"))?;
            Ok(inserted > 0)
        })
        .await
    }

    pub(crate) async fn integration_requests_by(
        &self,
        column: KeyColumn,
        value: String,
    ) -> Result<Vec<IntegrationRequest>> {
        self.call(move |conn| {
            let sql = format!(
                "SELECT system, client_id, message_id, created_at FROM integration_requests \
                 WHERE {} = ?1 ORDER BY system",
                column.name()
            );
            let mut statement = conn
                .prepare_cached(&sql)
                .map_err(StoreError::sqlite("preparing integration lookup"))?;
            let rows = statement
                .query_map(params![value], decode)
                .map_err(StoreError::sqlite("looking integration requests up"))?;
            let mut found = Vec::new();
            for row in rows {
                let (system, client_id, message_id, micros) =
                    row.map_err(StoreError::sqlite("reading integration requests"))?;
                let created_at = from_micros(micros)?;
                found.push(IntegrationRequest {
                    system,
                    client_id,
                    message_id,
                    created_at,
                });
            }
            Ok(found)
        })
        .await
    }
}

fn decode(row: &Row<'_>) -> rusqlite::Result<(String, String, String, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}
