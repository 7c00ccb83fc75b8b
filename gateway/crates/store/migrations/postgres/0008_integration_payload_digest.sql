-- The digest of the payload an idempotency key was first used with
-- (PostgreSQL): a repeated key with another payload is refused instead of
-- answering the first message. Rows from before have none and match any.

ALTER TABLE integration_requests ADD COLUMN payload_digest TEXT;
