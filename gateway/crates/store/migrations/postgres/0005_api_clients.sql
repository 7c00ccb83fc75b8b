-- API clients of the integration API (PostgreSQL): OAuth2 client
-- credentials with scopes and limits, the messages each client sent per
-- quota period, and the keys the node keeps (the access-token signing key).

-- scopes, allowed_services and ip_allow hold one entry per line. Only the
-- secret's Streebog-256 hash is stored; secret_generation goes up with
-- every rotation, so tokens issued for an older secret stop working.
CREATE TABLE api_clients (
    id                BIGSERIAL   PRIMARY KEY,
    name              TEXT        NOT NULL,
    system            TEXT,
    scopes            TEXT        NOT NULL,
    allowed_services  TEXT        NOT NULL,
    ip_allow          TEXT        NOT NULL,
    window_start      TEXT,
    window_end        TEXT,
    window_zone       TEXT,
    rate_requests     BIGINT      NOT NULL,
    rate_per          TEXT        NOT NULL,
    rate_burst        BIGINT      NOT NULL,
    quota_messages    BIGINT,
    quota_per         TEXT,
    disabled          BOOLEAN     NOT NULL,
    secret_hash       TEXT        NOT NULL,
    secret_generation BIGINT      NOT NULL,
    version           BIGINT      NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);

-- Messages a client sent (or is sending) in the quota period starting at
-- period_start; every node sharing the database counts here.
CREATE TABLE api_client_usage (
    client_id    BIGINT      NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    period_start TIMESTAMPTZ NOT NULL,
    used         BIGINT      NOT NULL,
    PRIMARY KEY (client_id, period_start)
);

-- Keys generated once by the first node that needs them, then shared.
CREATE TABLE node_keys (
    name       TEXT        PRIMARY KEY,
    key_hex    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
