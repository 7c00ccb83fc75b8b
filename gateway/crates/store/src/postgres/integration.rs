//! The `integration_requests` and `integration_responses` tables on
//! PostgreSQL.

use time::OffsetDateTime;
use tokio_postgres::types::FromSql;
use tokio_postgres::{GenericClient, Row};

use super::PgStore;
use crate::error::StoreError;
use crate::integration::{
    parse_remote, IntegrationRequest, KeyColumn, ReceivedResponse, RequestFilter, RequestSummary,
    ResponseKind,
};
use crate::message::{MessageState, PayloadName};

type Result<T> = std::result::Result<T, StoreError>;

const REQUEST_COLUMNS: &str = "r.system, r.client_id, r.message_id, r.created_at, r.sent_by, \
     r.remote, r.payload_digest";

const PAGE: &str = "
SELECT r.system, r.client_id, r.message_id, r.created_at, r.sent_by, r.remote,
       m.payload_ns, m.payload_local, m.status, m.state, m.sent_at, m.delivered_at,
       r.payload_digest
FROM integration_requests r JOIN messages m ON m.message_id = r.message_id
WHERE ($1::timestamptz IS NULL OR r.created_at >= $1)
  AND ($2::timestamptz IS NULL OR r.created_at < $2)
  AND ($3::text IS NULL OR m.status = $3)
  AND ($4::text IS NULL OR (m.payload_ns = $4 AND m.payload_local = $5))
  AND ($6::timestamptz IS NULL OR r.created_at > $6
       OR (r.created_at = $6 AND r.message_id > $7))
ORDER BY r.created_at, r.message_id
LIMIT $8::bigint";

/// Where `payload_digest` is in a row of [`REQUEST_COLUMNS`] and of [`PAGE`].
const DIGEST_IN_REQUEST: usize = 6;
const DIGEST_IN_PAGE: usize = 12;

const RESPONSE_COLUMNS: &str = "message_id, request_message_id, system, kind, status, \
     description, payload, received_at";

// === impl PgStore ===

impl PgStore {
    pub(crate) async fn record_integration_request(
        &self,
        request: IntegrationRequest,
    ) -> Result<bool> {
        let client = self.client().await?;
        let sql = "INSERT INTO integration_requests (system, client_id, message_id, created_at, \
                   sent_by, remote, payload_digest) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                   ON CONFLICT (system, client_id) DO NOTHING";
        let statement = client
            .prepare_cached(sql)
            .await
            .map_err(StoreError::postgres("preparing integration insert"))?;
        let remote = request.remote.map(|ip| ip.to_string());
        let inserted = client
            .execute(
                &statement,
                &[
                    &request.system,
                    &request.client_id,
                    &request.message_id,
                    &request.created_at,
                    &request.sent_by,
                    &remote,
                    &request.payload_digest,
                ],
            )
            .await
            .map_err(StoreError::postgres("recording an integration request"))?;
        Ok(inserted > 0)
    }

    pub(crate) async fn forget_integration_request(&self, key: [String; 3]) -> Result<bool> {
        let client = self.client().await?;
        let sql = "DELETE FROM integration_requests \
                   WHERE system = $1 AND client_id = $2 AND message_id = $3";
        let deleted = client
            .execute(sql, &[&key[0], &key[1], &key[2]])
            .await
            .map_err(StoreError::postgres("forgetting an integration request"))?;
        Ok(deleted > 0)
    }

    pub(crate) async fn integration_requests_by(
        &self,
        column: KeyColumn,
        value: String,
    ) -> Result<Vec<IntegrationRequest>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM integration_requests r WHERE r.{} = $1 \
             ORDER BY r.system",
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
        let decode = |row| decode_request(row, DIGEST_IN_REQUEST);
        rows.iter().map(decode).collect()
    }

    pub(crate) async fn integration_request_page(
        &self,
        filter: RequestFilter,
    ) -> Result<Vec<RequestSummary>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(PAGE)
            .await
            .map_err(StoreError::postgres("preparing the request page"))?;
        let service = filter.service.as_ref();
        let after = filter.after.as_ref();
        let namespace = service.map(|s| s.namespace.as_str());
        let local = service.map(|s| s.local_name.as_str());
        let after_at = after.map(|a| a.created_at);
        let after_id = after.map(|a| a.message_id.as_str());
        let limit = i64::from(filter.limit);
        let rows = client
            .query(
                &statement,
                &[
                    &filter.since,
                    &filter.until,
                    &filter.status,
                    &namespace,
                    &local,
                    &after_at,
                    &after_id,
                    &limit,
                ],
            )
            .await
            .map_err(StoreError::postgres("reading the request page"))?;
        rows.iter().map(decode_summary).collect()
    }

    pub(crate) async fn record_received_response(
        &self,
        response: ReceivedResponse,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client
            .transaction()
            .await
            .map_err(StoreError::postgres("beginning a received response"))?;
        let sql = format!(
            "INSERT INTO integration_responses ({RESPONSE_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (message_id) DO NOTHING"
        );
        let inserted = tx
            .execute(
                &sql,
                &[
                    &response.message_id,
                    &response.request_message_id,
                    &response.system,
                    &response.kind.as_str(),
                    &response.status,
                    &response.description,
                    &response.payload,
                    &response.received_at,
                ],
            )
            .await
            .map_err(StoreError::postgres("recording a received response"))?;
        if inserted > 0 {
            insert_fields(&*tx, &response).await?;
        }
        tx.commit()
            .await
            .map_err(StoreError::postgres("committing a received response"))?;
        Ok(inserted > 0)
    }

    pub(crate) async fn received_responses(
        &self,
        request_message_id: String,
    ) -> Result<Vec<ReceivedResponse>> {
        let client = self.client().await?;
        let sql = format!(
            "SELECT {RESPONSE_COLUMNS} FROM integration_responses \
             WHERE request_message_id = $1 ORDER BY seq"
        );
        let rows = client
            .query(&sql, &[&request_message_id])
            .await
            .map_err(StoreError::postgres("reading received responses"))?;
        let mut found = Vec::new();
        for row in &rows {
            let message_id: String = get(row, 0, "reading a response id")?;
            let fields = select_fields(&**client, &message_id).await?;
            let kind: String = get(row, 3, "reading a response kind")?;
            found.push(ReceivedResponse {
                message_id,
                request_message_id: get(row, 1, "reading a request id")?,
                system: get(row, 2, "reading a system")?,
                kind: ResponseKind::from_stored(&kind)?,
                status: get(row, 4, "reading a status")?,
                description: get(row, 5, "reading a description")?,
                payload: get(row, 6, "reading a payload")?,
                fields,
                received_at: get::<OffsetDateTime>(row, 7, "reading received_at")?,
            });
        }
        Ok(found)
    }
}

/// Column `index` of `row`, with what the store was doing on failure.
fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize, context: &'static str) -> Result<T> {
    row.try_get(index).map_err(StoreError::postgres(context))
}

fn decode_request(row: &Row, digest_at: usize) -> Result<IntegrationRequest> {
    Ok(IntegrationRequest {
        system: get(row, 0, "reading system")?,
        client_id: get(row, 1, "reading client id")?,
        message_id: get(row, 2, "reading message id")?,
        created_at: get(row, 3, "reading created_at")?,
        sent_by: get(row, 4, "reading sent_by")?,
        remote: parse_remote(get(row, 5, "reading remote")?)?,
        payload_digest: get(row, digest_at, "reading payload digest")?,
    })
}

fn decode_summary(row: &Row) -> Result<RequestSummary> {
    let namespace: String = get(row, 6, "reading payload namespace")?;
    let local: String = get(row, 7, "reading payload root")?;
    let state: String = get(row, 9, "reading message state")?;
    Ok(RequestSummary {
        request: decode_request(row, DIGEST_IN_PAGE)?,
        service: PayloadName::new(namespace, local),
        status: get(row, 8, "reading message status")?,
        state: MessageState::from_stored(&state)?,
        sent_at: get(row, 10, "reading sent_at")?,
        delivered_at: get(row, 11, "reading delivered_at")?,
    })
}

async fn insert_fields(client: &impl GenericClient, response: &ReceivedResponse) -> Result<()> {
    let sql = "INSERT INTO integration_response_fields (message_id, position, name, value) \
               VALUES ($1, $2, $3, $4)";
    for (position, (name, value)) in response.fields.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        client
            .execute(sql, &[&response.message_id, &position, name, value])
            .await
            .map_err(StoreError::postgres("recording a response field"))?;
    }
    Ok(())
}

async fn select_fields(
    client: &impl GenericClient,
    message_id: &str,
) -> Result<Vec<(String, String)>> {
    let sql = "SELECT name, value FROM integration_response_fields WHERE message_id = $1 \
               ORDER BY position";
    let rows = client
        .query(sql, &[&message_id])
        .await
        .map_err(StoreError::postgres("reading response fields"))?;
    rows.iter()
        .map(|row| {
            Ok((
                get(row, 0, "reading a field name")?,
                get(row, 1, "reading a field")?,
            ))
        })
        .collect()
}
