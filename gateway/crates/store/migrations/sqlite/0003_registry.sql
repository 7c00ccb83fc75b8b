-- Information systems, their certificates, services and service schema
-- files registered at run time (SQLite). Times are INTEGER microseconds
-- since the Unix epoch, UTC. registry_version goes up with every change so
-- that other nodes notice it cheaply.

CREATE TABLE registry_systems (
    mnemonic   TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE registry_certificates (
    fingerprint TEXT    PRIMARY KEY,
    system      TEXT    NOT NULL REFERENCES registry_systems (mnemonic) ON DELETE CASCADE,
    der         BLOB    NOT NULL,
    subject     TEXT    NOT NULL,
    not_before  INTEGER NOT NULL,
    not_after   INTEGER NOT NULL
);

CREATE INDEX registry_certificates_system ON registry_certificates (system);

CREATE TABLE registry_services (
    id                            INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace                     TEXT    NOT NULL,
    root                          TEXT    NOT NULL,
    name                          TEXT    NOT NULL,
    description                   TEXT    NOT NULL,
    regulation_text               TEXT    NOT NULL,
    regulation_link               TEXT    NOT NULL,
    provider                      TEXT    NOT NULL,
    format                        TEXT    NOT NULL,
    personal_signature_required   INTEGER NOT NULL,
    attachment_signature_required INTEGER NOT NULL,
    schema_entry                  TEXT,
    version                       INTEGER NOT NULL,
    created_at                    INTEGER NOT NULL,
    UNIQUE (namespace, root)
);

CREATE TABLE registry_schema_files (
    service INTEGER NOT NULL REFERENCES registry_services (id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    content BLOB    NOT NULL,
    PRIMARY KEY (service, name)
);

CREATE TABLE registry_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);

INSERT INTO registry_version (id, version) VALUES (1, 0);
