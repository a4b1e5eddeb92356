"""
Create the outbox tables with the SQL of the Rust crate (``eventbus-runtime/migrations/outbox/``).

One statement list per database vendor; ``state_operations`` tell Django about the models.

``CREATE TABLE IF NOT EXISTS``: tables already made by ``eventbus outbox migrate`` are kept, and the
relay's own migration accepts the tables made here. A test compares both schemas by introspection
on SQLite, MySQL/MariaDB and PostgreSQL (tests/tests/django_outbox.rs).
"""
from django.db import migrations, models

from edx_event_bus_outbox.operations import VendorRunSQL

SQLITE = [
    """CREATE TABLE IF NOT EXISTS eventbus_outbox (
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
)""",
    "CREATE INDEX IF NOT EXISTS eventbus_outbox_pending ON eventbus_outbox (published_at_us, topic, id)",
    """CREATE TABLE IF NOT EXISTS eventbus_outbox_lease (
    topic TEXT PRIMARY KEY,
    owner TEXT NULL,
    expires_at_us INTEGER NOT NULL DEFAULT 0
)""",
]

MYSQL = [
    """CREATE TABLE IF NOT EXISTS eventbus_outbox (
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    """CREATE TABLE IF NOT EXISTS eventbus_outbox_lease (
    topic VARCHAR(255) NOT NULL PRIMARY KEY,
    owner VARCHAR(255) NULL,
    expires_at_us BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
]

POSTGRESQL = [
    """CREATE TABLE IF NOT EXISTS eventbus_outbox (
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
)""",
    "CREATE INDEX IF NOT EXISTS eventbus_outbox_pending ON eventbus_outbox (published_at_us, topic, id)",
    """CREATE TABLE IF NOT EXISTS eventbus_outbox_lease (
    topic VARCHAR(255) PRIMARY KEY,
    owner VARCHAR(255) NULL,
    expires_at_us BIGINT NOT NULL DEFAULT 0
)""",
]

DROP = ["DROP TABLE IF EXISTS eventbus_outbox_lease", "DROP TABLE IF EXISTS eventbus_outbox"]


class Migration(migrations.Migration):
    """The outbox tables of the Rust relay."""

    initial = True
    dependencies = []

    operations = [
        VendorRunSQL(
            sql={"sqlite": SQLITE, "mysql": MYSQL, "postgresql": POSTGRESQL},
            reverse_sql={"sqlite": DROP, "mysql": DROP, "postgresql": DROP},
            state_operations=[
                migrations.CreateModel(
                    name="OutboxEvent",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("event_type", models.CharField(max_length=255)),
                        ("topic", models.CharField(
                            help_text="The topic without EVENT_BUS_TOPIC_PREFIX.", max_length=255)),
                        ("event_key_field", models.CharField(max_length=255)),
                        ("event_id", models.CharField(help_text="The metadata's id (ce_id).", max_length=36)),
                        ("metadata", models.TextField(help_text="EventsMetadata.to_json().")),
                        ("event_data", models.BinaryField(
                            help_text="The Avro encoding of the event data, schemaless.")),
                        ("created_at_us", models.BigIntegerField(
                            help_text="Microseconds since the Unix epoch (UTC).")),
                        ("published_at_us", models.BigIntegerField(blank=True, null=True)),
                        ("attempts", models.IntegerField(default=0)),
                        ("last_error", models.TextField(blank=True, null=True)),
                    ],
                    options={
                        "verbose_name": "outbox event",
                        "db_table": "eventbus_outbox",
                        "indexes": [models.Index(
                            fields=["published_at_us", "topic", "id"], name="eventbus_outbox_pending")],
                    },
                ),
                migrations.CreateModel(
                    name="OutboxLease",
                    fields=[
                        ("topic", models.CharField(max_length=255, primary_key=True, serialize=False)),
                        ("owner", models.CharField(blank=True, max_length=255, null=True)),
                        ("expires_at_us", models.BigIntegerField(default=0)),
                    ],
                    options={"db_table": "eventbus_outbox_lease"},
                ),
            ],
        ),
    ]
