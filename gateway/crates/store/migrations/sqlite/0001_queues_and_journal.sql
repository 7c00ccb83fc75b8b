-- Queues and journal of a SMEV 3 node (SQLite). Times are INTEGER
-- microseconds since the Unix epoch, UTC.

-- Settled messages stay, so that a reused message id is refused forever.
-- FIXME(#2): nothing ever removes them or their content; right is a retention
-- job that drops content and signature of long-settled messages but keeps
-- the id row (or moves ids to a slim table) for MessageIsAlreadySent.
CREATE TABLE messages (
    seq                 INTEGER PRIMARY KEY,
    message_id          TEXT    NOT NULL UNIQUE,
    kind                TEXT    NOT NULL,
    schema_version      TEXT    NOT NULL,
    queue_owner         TEXT    NOT NULL,
    queue_kind          TEXT    NOT NULL,
    sender              TEXT    NOT NULL,
    recipient           TEXT    NOT NULL,
    payload_ns          TEXT    NOT NULL,
    payload_local       TEXT    NOT NULL,
    reply_to            TEXT    UNIQUE,
    original_message_id TEXT,
    content             TEXT    NOT NULL,
    signature           TEXT,
    status              TEXT    NOT NULL,
    test                INTEGER NOT NULL,
    sent_at             INTEGER NOT NULL,
    delivered_at        INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    lease_until         INTEGER,
    state               TEXT    NOT NULL DEFAULT 'pending',
    settled_at          INTEGER
);

-- Oldest pending message of a queue first.
CREATE INDEX messages_pending ON messages (queue_owner, queue_kind, sent_at, seq)
    WHERE state = 'pending';
CREATE INDEX messages_original ON messages (original_message_id)
    WHERE original_message_id IS NOT NULL;

CREATE TABLE journal (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    node_id      TEXT    NOT NULL,
    operation    TEXT    NOT NULL,
    message_kind TEXT,
    status       TEXT,
    message_id   TEXT,
    sender       TEXT,
    recipient    TEXT,
    fault_code   TEXT,
    detail       TEXT    NOT NULL
);

CREATE INDEX journal_at ON journal (at, id);
CREATE INDEX journal_message ON journal (message_id) WHERE message_id IS NOT NULL;

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
