-- The participant's cabinet (PostgreSQL): organisation card, users,
-- sessions, API tokens and the append-only audit journal. Mutable rows carry
-- a version for optimistic concurrency (update ... where id = $1 and
-- version = $2).

CREATE TABLE organisation (
    id         INTEGER     PRIMARY KEY CHECK (id = 1),
    full_name  TEXT        NOT NULL,
    short_name TEXT        NOT NULL,
    inn        TEXT        NOT NULL,
    ogrn       TEXT        NOT NULL,
    kpp        TEXT        NOT NULL,
    address    TEXT        NOT NULL,
    email      TEXT        NOT NULL,
    phone      TEXT        NOT NULL,
    status     TEXT        NOT NULL,
    version    BIGINT      NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- allowed_services and ip_allow hold one entry per line.
CREATE TABLE users (
    id                     BIGSERIAL   PRIMARY KEY,
    login                  TEXT        NOT NULL UNIQUE,
    full_name              TEXT        NOT NULL,
    role                   TEXT        NOT NULL,
    allowed_services       TEXT        NOT NULL,
    ip_allow               TEXT        NOT NULL,
    window_start           TEXT,
    window_end             TEXT,
    window_zone            TEXT,
    message_bodies_granted BOOLEAN     NOT NULL,
    disabled               BOOLEAN     NOT NULL,
    password_hash          TEXT        NOT NULL,
    failed_logins          BIGINT      NOT NULL DEFAULT 0,
    first_failure_at       TIMESTAMPTZ,
    locked_until           TIMESTAMPTZ,
    version                BIGINT      NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL
);

-- Secrets are never stored: only their Streebog-256 hash, in hex.
CREATE TABLE sessions (
    secret_hash TEXT        PRIMARY KEY,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    remote      TEXT
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id          BIGSERIAL   PRIMARY KEY,
    secret_hash TEXT        NOT NULL UNIQUE,
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label       TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_journal (
    id          BIGSERIAL   PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT        NOT NULL,
    remote      TEXT,
    action      TEXT        NOT NULL,
    object_kind TEXT        NOT NULL,
    object_id   TEXT        NOT NULL,
    before_json TEXT,
    after_json  TEXT
);

CREATE INDEX audit_journal_object ON audit_journal (object_kind, object_id, id);

CREATE FUNCTION audit_journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit journal is append-only';
END;
$$;

CREATE TRIGGER audit_journal_append_only BEFORE UPDATE OR DELETE ON audit_journal
    FOR EACH ROW EXECUTE FUNCTION audit_journal_refuse_change();
