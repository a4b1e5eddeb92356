-- The transactional outbox of the Open edX event bus (openedx-events ADR 15), SQLite.
-- One row per event and topic; times are microseconds since the Unix epoch (UTC).
CREATE TABLE IF NOT EXISTS eventbus_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type TEXT NOT NULL,
    topic TEXT NOT NULL,
    event_key_field TEXT NOT NULL,
    event_id TEXT NOT NULL,
    metadata TEXT NOT NULL,
    event_data BLOB NOT NULL,
    created_at_us INTEGER NOT NULL,
    published_at_us INTEGER NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NULL
);
CREATE INDEX IF NOT EXISTS eventbus_outbox_pending ON eventbus_outbox (published_at_us, topic, id);
-- The relays' leases: which relay publishes a topic, until when.
CREATE TABLE IF NOT EXISTS eventbus_outbox_lease (
    topic TEXT PRIMARY KEY,
    owner TEXT NULL,
    expires_at_us INTEGER NOT NULL DEFAULT 0
);
