-- Requests sent through the integration REST API, by the caller's
-- idempotency key (SQLite). Times are INTEGER microseconds since the Unix
-- epoch, UTC. One row per (system, client_id): a repeated key finds the
-- message sent the first time.

CREATE TABLE integration_requests (
    system     TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    message_id TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (system, client_id)
);

CREATE INDEX integration_requests_client_id ON integration_requests (client_id);
