"""
The outbox tables as Django models, for reading (status, admin) and for Django's migration state.

The tables themselves are created by ``migrations/0001_initial.py`` with the Rust crate's own SQL
(``eventbus-runtime/migrations/outbox/*.sql``), so that they are exactly the ones the relay reads.
Rows are written by ``OutboxEventProducer`` and published (marked) by the relay only.
"""
from django.db import models


class OutboxEvent(models.Model):
    """One event for one topic, pending until the relay has it acknowledged by the broker."""

    id = models.BigAutoField(primary_key=True)
    event_type = models.CharField(max_length=255)
    topic = models.CharField(max_length=255, help_text="The topic without EVENT_BUS_TOPIC_PREFIX.")
    event_key_field = models.CharField(max_length=255)
    event_id = models.CharField(max_length=36, help_text="The metadata's id (ce_id).")
    metadata = models.TextField(help_text="EventsMetadata.to_json().")
    event_data = models.BinaryField(help_text="The Avro encoding of the event data, schemaless.")
    created_at_us = models.BigIntegerField(help_text="Microseconds since the Unix epoch (UTC).")
    published_at_us = models.BigIntegerField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    last_error = models.TextField(null=True, blank=True)

    class Meta:
        """The Rust relay's table."""

        db_table = "eventbus_outbox"
        indexes = [models.Index(fields=["published_at_us", "topic", "id"], name="eventbus_outbox_pending")]
        verbose_name = "outbox event"

    def __str__(self):
        """The event type, id and topic."""
        return f"{self.event_type} {self.event_id} to {self.topic}"


class OutboxLease(models.Model):
    """Which relay publishes a topic, until when (SQLite; row locks elsewhere)."""

    topic = models.CharField(max_length=255, primary_key=True)
    owner = models.CharField(max_length=255, null=True, blank=True)
    expires_at_us = models.BigIntegerField(default=0)

    class Meta:
        """The Rust relay's lease table."""

        db_table = "eventbus_outbox_lease"

    def __str__(self):
        """The topic and its owner."""
        return f"{self.topic}: {self.owner}"
