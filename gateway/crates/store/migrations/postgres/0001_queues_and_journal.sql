-- Queues and journal of a SMEV 3 node (PostgreSQL). Applied in the schema the
-- connection's search_path names.

-- Settled messages stay, so that a reused message id is refused forever.
-- FIXME(#2): nothing ever removes them or their content; right is a retention
-- job that drops content and signature of long-settled messages but keeps
-- the id row (or moves ids to a slim table) for MessageIsAlreadySent.
CREATE TABLE messages (
    seq                 BIGINT      GENERATED ALWAYS AS IDENTITY,
    message_id          TEXT        PRIMARY KEY,
    kind                TEXT        NOT NULL,
    schema_version      TEXT        NOT NULL,
    queue_owner         TEXT        NOT NULL,
    queue_kind          TEXT        NOT NULL,
    sender              TEXT        NOT NULL,
    recipient           TEXT        NOT NULL,
    payload_ns          TEXT        NOT NULL,
    payload_local       TEXT        NOT NULL,
    reply_to            TEXT        CONSTRAINT messages_reply_to_key UNIQUE,
    original_message_id TEXT,
    content             TEXT        NOT NULL,
    signature           TEXT,
    status              TEXT        NOT NULL,
    test                BOOLEAN     NOT NULL,
    sent_at             TIMESTAMPTZ NOT NULL,
    delivered_at        TIMESTAMPTZ,
    attempts            INTEGER     NOT NULL DEFAULT 0,
    lease_until         TIMESTAMPTZ,
    state               TEXT        NOT NULL DEFAULT 'pending',
    settled_at          TIMESTAMPTZ
);

-- Oldest pending message of a queue first.
CREATE INDEX messages_pending ON messages (queue_owner, queue_kind, sent_at, seq)
    WHERE state = 'pending';
CREATE INDEX messages_original ON messages (original_message_id)
    WHERE original_message_id IS NOT NULL;

CREATE TABLE journal (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    node_id      TEXT        NOT NULL,
    operation    TEXT        NOT NULL,
    message_kind TEXT,
    status       TEXT,
    message_id   TEXT,
    sender       TEXT,
    recipient    TEXT,
    fault_code   TEXT,
    detail       TEXT        NOT NULL
);

CREATE INDEX journal_at ON journal (at, id);
CREATE INDEX journal_message ON journal (message_id) WHERE message_id IS NOT NULL;

CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only';
END;
$$;

CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
