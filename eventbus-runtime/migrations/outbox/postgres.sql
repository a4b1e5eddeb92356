-- The transactional outbox of the Open edX event bus (openedx-events ADR 15), PostgreSQL.
-- One row per event and topic; times are microseconds since the Unix epoch (UTC).
CREATE TABLE IF NOT EXISTS eventbus_outbox (
    id BIGSERIAL PRIMARY KEY,
    event_type VARCHAR(255) NOT NULL,
    topic VARCHAR(255) NOT NULL,
    event_key_field VARCHAR(255) NOT NULL,
    event_id VARCHAR(36) NOT NULL,
    metadata TEXT NOT NULL,
    event_data BYTEA NOT NULL,
    created_at_us BIGINT NOT NULL,
    published_at_us BIGINT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NULL
);
CREATE INDEX IF NOT EXISTS eventbus_outbox_pending ON eventbus_outbox (published_at_us, topic, id);
-- The relays' leases: which relay publishes a topic, until when.
CREATE TABLE IF NOT EXISTS eventbus_outbox_lease (
    topic VARCHAR(255) PRIMARY KEY,
    owner VARCHAR(255) NULL,
    expires_at_us BIGINT NOT NULL DEFAULT 0
);
