-- The transactional outbox of the Open edX event bus (openedx-events ADR 15), MySQL / MariaDB.
-- One row per event and topic; times are microseconds since the Unix epoch (UTC).
CREATE TABLE IF NOT EXISTS eventbus_outbox (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_type VARCHAR(255) NOT NULL,
    topic VARCHAR(255) NOT NULL,
    event_key_field VARCHAR(255) NOT NULL,
    event_id VARCHAR(36) NOT NULL,
    metadata TEXT NOT NULL,
    event_data LONGBLOB NOT NULL,
    created_at_us BIGINT NOT NULL,
    published_at_us BIGINT NULL,
    attempts INT NOT NULL DEFAULT 0,
    last_error TEXT NULL,
    KEY eventbus_outbox_pending (published_at_us, topic, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
-- The relays' leases: which relay publishes a topic, until when.
CREATE TABLE IF NOT EXISTS eventbus_outbox_lease (
    topic VARCHAR(255) NOT NULL PRIMARY KEY,
    owner VARCHAR(255) NULL,
    expires_at_us BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
