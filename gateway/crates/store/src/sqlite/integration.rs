//! The `integration_requests` and `integration_responses` tables on SQLite.

use rusqlite::{params, Connection, Row};

use super::{begin_write, from_micros, to_micros, SqliteStore};
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
WHERE (?1 IS NULL OR r.created_at >= ?1) AND (?2 IS NULL OR r.created_at < ?2)
  AND (?3 IS NULL OR m.status = ?3)
  AND (?4 IS NULL OR (m.payload_ns = ?4 AND m.payload_local = ?5))
  AND (?6 IS NULL OR r.created_at > ?6 OR (r.created_at = ?6 AND r.message_id > ?7))
ORDER BY r.created_at, r.message_id
LIMIT ?8";

const RESPONSE_COLUMNS: &str = "message_id, request_message_id, system, kind, status, \
     description, payload, received_at";

/// Where `payload_digest` is in a row of [`REQUEST_COLUMNS`] and of [`PAGE`].
const DIGEST_IN_REQUEST: usize = 6;
const DIGEST_IN_PAGE: usize = 12;

/// A request row as read: system, client id, message id, created_at,
/// sent_by, remote, payload digest.
type RawRequest = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
);

// === impl SqliteStore ===

impl SqliteStore {
    pub(crate) async fn record_integration_request(
        &self,
        request: IntegrationRequest,
    ) -> Result<bool> {
        self.call(move |conn| {
            let sql = "INSERT INTO integration_requests (system, client_id, message_id, \
                       created_at, sent_by, remote, payload_digest) \
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                       ON CONFLICT (system, client_id) DO NOTHING";
            let inserted = conn
                .execute(
                    sql,
                    params![
                        request.system,
                        request.client_id,
                        request.message_id,
                        to_micros(request.created_at),
                        request.sent_by,
                        request.remote.map(|ip| ip.to_string()),
                        request.payload_digest,
                    ],
                )
                .map_err(StoreError::sqlite("recording an integration request"))?;
            Ok(inserted > 0)
        })
        .await
    }

    pub(crate) async fn forget_integration_request(&self, key: [String; 3]) -> Result<bool> {
        self.call(move |conn| {
            let sql = "DELETE FROM integration_requests \
                       WHERE system = ?1 AND client_id = ?2 AND message_id = ?3";
            let deleted = conn
                .execute(sql, params![key[0], key[1], key[2]])
                .map_err(StoreError::sqlite("forgetting an integration request"))?;
            Ok(deleted > 0)
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
                "SELECT {REQUEST_COLUMNS} FROM integration_requests r WHERE r.{} = ?1 \
                 ORDER BY r.system",
                column.name()
            );
            let mut statement = conn
                .prepare_cached(&sql)
                .map_err(StoreError::sqlite("preparing integration lookup"))?;
            let rows = statement
                .query_map(params![value], |row| read_request(row, DIGEST_IN_REQUEST))
                .map_err(StoreError::sqlite("looking integration requests up"))?;
            let mut found = Vec::new();
            for row in rows {
                let raw = row.map_err(StoreError::sqlite("reading integration requests"))?;
                found.push(decode_request(raw)?);
            }
            Ok(found)
        })
        .await
    }

    pub(crate) async fn integration_request_page(
        &self,
        filter: RequestFilter,
    ) -> Result<Vec<RequestSummary>> {
        self.call(move |conn| select_page(conn, &filter)).await
    }

    pub(crate) async fn record_received_response(
        &self,
        response: ReceivedResponse,
    ) -> Result<bool> {
        self.call(move |conn| {
            let tx = begin_write(conn)?;
            let inserted = insert_response(&tx, &response)?;
            if inserted {
                insert_fields(&tx, &response)?;
            }
            tx.commit()
                .map_err(StoreError::sqlite("committing a received response"))?;
            Ok(inserted)
        })
        .await
    }

    pub(crate) async fn received_responses(
        &self,
        request_message_id: String,
    ) -> Result<Vec<ReceivedResponse>> {
        self.call(move |conn| select_responses(conn, &request_message_id))
            .await
    }
}

fn read_request(row: &Row<'_>, digest_at: usize) -> rusqlite::Result<RawRequest> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(digest_at)?,
    ))
}

fn decode_request(raw: RawRequest) -> Result<IntegrationRequest> {
    let (system, client_id, message_id, created_at, sent_by, remote, payload_digest) = raw;
    Ok(IntegrationRequest {
        system,
        client_id,
        message_id,
        created_at: from_micros(created_at)?,
        sent_by,
        remote: parse_remote(remote)?,
        payload_digest,
    })
}

fn select_page(conn: &Connection, filter: &RequestFilter) -> Result<Vec<RequestSummary>> {
    let mut statement = conn
        .prepare_cached(PAGE)
        .map_err(StoreError::sqlite("preparing the request page"))?;
    let service = filter.service.as_ref();
    let after = filter.after.as_ref();
    let rows = statement
        .query_map(
            params![
                filter.since.map(to_micros),
                filter.until.map(to_micros),
                filter.status,
                service.map(|s| s.namespace.as_str()),
                service.map(|s| s.local_name.as_str()),
                after.map(|a| to_micros(a.created_at)),
                after.map(|a| a.message_id.as_str()),
                i64::from(filter.limit),
            ],
            |row| {
                let texts: [String; 4] = [row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?];
                let times: (i64, Option<i64>) = (row.get(10)?, row.get(11)?);
                Ok((read_request(row, DIGEST_IN_PAGE)?, texts, times))
            },
        )
        .map_err(StoreError::sqlite("reading the request page"))?;
    let mut page = Vec::new();
    for row in rows {
        let (raw, [namespace, local_name, status, state], (sent_at, delivered_at)) =
            row.map_err(StoreError::sqlite("reading a request page row"))?;
        page.push(RequestSummary {
            request: decode_request(raw)?,
            service: PayloadName::new(namespace, local_name),
            status,
            state: MessageState::from_stored(&state)?,
            sent_at: from_micros(sent_at)?,
            delivered_at: delivered_at.map(from_micros).transpose()?,
        });
    }
    Ok(page)
}

fn insert_response(tx: &Connection, response: &ReceivedResponse) -> Result<bool> {
    let sql = format!(
        "INSERT INTO integration_responses ({RESPONSE_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (message_id) DO NOTHING"
    );
    let inserted = tx
        .execute(
            &sql,
            params![
                response.message_id,
                response.request_message_id,
                response.system,
                response.kind.as_str(),
                response.status,
                response.description,
                response.payload,
                to_micros(response.received_at),
            ],
        )
        .map_err(StoreError::sqlite("recording a received response"))?;
    Ok(inserted > 0)
}

fn insert_fields(tx: &Connection, response: &ReceivedResponse) -> Result<()> {
    let sql = "INSERT INTO integration_response_fields (message_id, position, name, value) \
               VALUES (?1, ?2, ?3, ?4)";
    for (position, (name, value)) in response.fields.iter().enumerate() {
        tx.execute(
            sql,
            params![response.message_id, position as i64, name, value],
        )
        .map_err(StoreError::sqlite("recording a response field"))?;
    }
    Ok(())
}

fn select_responses(conn: &Connection, request_message_id: &str) -> Result<Vec<ReceivedResponse>> {
    let sql = format!(
        "SELECT {RESPONSE_COLUMNS} FROM integration_responses \
         WHERE request_message_id = ?1 ORDER BY seq"
    );
    let mut statement = conn
        .prepare_cached(&sql)
        .map_err(StoreError::sqlite("preparing the response lookup"))?;
    let rows = statement
        .query_map(params![request_message_id], |row| {
            let texts: [String; 4] = [row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?];
            let optional: [Option<String>; 3] = [row.get(4)?, row.get(5)?, row.get(6)?];
            Ok((texts, optional, row.get::<_, i64>(7)?))
        })
        .map_err(StoreError::sqlite("reading received responses"))?;
    let mut found = Vec::new();
    for row in rows {
        let ([message_id, request_message_id, system, kind], [status, description, payload], at) =
            row.map_err(StoreError::sqlite("reading a received response"))?;
        let fields = select_fields(conn, &message_id)?;
        found.push(ReceivedResponse {
            message_id,
            request_message_id,
            system,
            kind: ResponseKind::from_stored(&kind)?,
            status,
            description,
            payload,
            fields,
            received_at: from_micros(at)?,
        });
    }
    Ok(found)
}

fn select_fields(conn: &Connection, message_id: &str) -> Result<Vec<(String, String)>> {
    let sql = "SELECT name, value FROM integration_response_fields WHERE message_id = ?1 \
               ORDER BY position";
    let mut statement = conn
        .prepare_cached(sql)
        .map_err(StoreError::sqlite("preparing the field lookup"))?;
    let rows = statement
        .query_map(params![message_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(StoreError::sqlite("reading response fields"))?;
    let fields = rows.collect::<rusqlite::Result<Vec<(String, String)>>>();
    fields.map_err(StoreError::sqlite("reading a response field"))
}
