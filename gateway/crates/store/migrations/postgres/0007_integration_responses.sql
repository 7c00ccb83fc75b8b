-- What the integration REST API keeps besides idempotency keys (PostgreSQL).

-- Who sent each request through the API, and from which address.
ALTER TABLE integration_requests ADD COLUMN sent_by TEXT NOT NULL DEFAULT '';
ALTER TABLE integration_requests ADD COLUMN remote TEXT;

-- The page query walks requests by time, then message id.
CREATE INDEX integration_requests_created ON integration_requests (created_at, message_id);

-- Responses, rejections and statuses the node took from a response queue
-- on an ИС's behalf (auto-poll), one row per received message id: a
-- redelivered message stores nothing twice. `seq` is the arrival order.
CREATE TABLE integration_responses (
    seq                BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id         TEXT        NOT NULL UNIQUE,
    request_message_id TEXT        NOT NULL,
    system             TEXT        NOT NULL,
    kind               TEXT        NOT NULL,
    status             TEXT,
    description        TEXT,
    payload            TEXT,
    received_at        TIMESTAMPTZ NOT NULL
);

CREATE INDEX integration_responses_request ON integration_responses (request_message_id, seq);

-- The named fields of a received message, in document order: rejection
-- codes with their descriptions, status parameters, the SMEV fault.
CREATE TABLE integration_response_fields (
    message_id TEXT    NOT NULL REFERENCES integration_responses (message_id),
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    PRIMARY KEY (message_id, position)
);
