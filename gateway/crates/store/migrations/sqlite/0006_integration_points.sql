-- Integration points and delivery state (SQLite, issue #3). Times are
-- INTEGER microseconds since the Unix epoch, UTC.
--
-- A point says who takes the messages of an ИС's queue out: the ИС itself
-- (`queue`), the node's push worker (`push`) or its upstream worker
-- (`upstream`). An empty service_ns/service_root covers every service of
-- the system; the empty string (not NULL) keeps the pair unique.

CREATE TABLE integration_points (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    system          TEXT    NOT NULL,
    service_ns      TEXT    NOT NULL DEFAULT '',
    service_root    TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    max_attempts    INTEGER NOT NULL,
    backoff_base_ms INTEGER NOT NULL,
    backoff_cap_ms  INTEGER NOT NULL,
    timeout_ms      INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (system, service_ns, service_root)
);

-- Why the last delivery attempt failed; a dead letter keeps it.
ALTER TABLE messages ADD COLUMN last_error TEXT;

-- Dead letters by the time they died (state 'dead', settled_at).
CREATE INDEX messages_dead ON messages (settled_at, seq) WHERE state = 'dead';
