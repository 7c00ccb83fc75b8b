-- The participant's cabinet (SQLite): organisation card, users, sessions,
-- API tokens and the append-only audit journal. Times are INTEGER
-- microseconds since the Unix epoch, UTC. Mutable rows carry a version for
-- optimistic concurrency (update ... where id = ? and version = ?).

CREATE TABLE organisation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    full_name  TEXT    NOT NULL,
    short_name TEXT    NOT NULL,
    inn        TEXT    NOT NULL,
    ogrn       TEXT    NOT NULL,
    kpp        TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    phone      TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- allowed_services and ip_allow hold one entry per line.
CREATE TABLE users (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    login                  TEXT    NOT NULL UNIQUE,
    full_name              TEXT    NOT NULL,
    role                   TEXT    NOT NULL,
    allowed_services       TEXT    NOT NULL,
    ip_allow               TEXT    NOT NULL,
    window_start           TEXT,
    window_end             TEXT,
    window_zone            TEXT,
    message_bodies_granted INTEGER NOT NULL,
    disabled               INTEGER NOT NULL,
    password_hash          TEXT    NOT NULL,
    failed_logins          INTEGER NOT NULL DEFAULT 0,
    first_failure_at       INTEGER,
    locked_until           INTEGER,
    version                INTEGER NOT NULL,
    created_at             INTEGER NOT NULL
);

-- Secrets are never stored: only their Streebog-256 hash, in hex.
CREATE TABLE sessions (
    secret_hash TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    remote      TEXT
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    secret_hash TEXT    NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    remote      TEXT,
    action      TEXT    NOT NULL,
    object_kind TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    before_json TEXT,
    after_json  TEXT
);

CREATE INDEX audit_journal_object ON audit_journal (object_kind, object_id, id);

CREATE TRIGGER audit_journal_no_update BEFORE UPDATE ON audit_journal
BEGIN
    SELECT RAISE(ABORT, 'audit journal is append-only');
END;

CREATE TRIGGER audit_journal_no_delete BEFORE DELETE ON audit_journal
BEGIN
    SELECT RAISE(ABORT, 'audit journal is append-only');
END;
