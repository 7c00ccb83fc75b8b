-- Integration points and delivery state (PostgreSQL, issue #3).
--
-- A point says who takes the messages of an ИС's queue out: the ИС itself
-- (`queue`), the node's push worker (`push`) or its upstream worker
-- (`upstream`). An empty service_ns/service_root covers every service of
-- the system; the empty string (not NULL) keeps the pair unique.

CREATE TABLE integration_points (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    system          TEXT        NOT NULL,
    service_ns      TEXT        NOT NULL DEFAULT '',
    service_root    TEXT        NOT NULL DEFAULT '',
    kind            TEXT        NOT NULL,
    url             TEXT        NOT NULL,
    max_attempts    INTEGER     NOT NULL,
    backoff_base_ms BIGINT      NOT NULL,
    backoff_cap_ms  BIGINT      NOT NULL,
    timeout_ms      BIGINT      NOT NULL,
    version         BIGINT      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (system, service_ns, service_root)
);

-- Why the last delivery attempt failed; a dead letter keeps it.
ALTER TABLE messages ADD COLUMN last_error TEXT;

-- Dead letters by the time they died (state 'dead', settled_at).
CREATE INDEX messages_dead ON messages (settled_at, seq) WHERE state = 'dead';
