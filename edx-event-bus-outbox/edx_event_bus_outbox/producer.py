"""
The outbox producer.

openedx-events' ``EventBusProducer`` that writes each event as a row of the ``eventbus_outbox``
table in the caller's current database transaction.

A row is exactly what the Rust relay reads (README, "The table"): the topic without
``EVENT_BUS_TOPIC_PREFIX`` (the relay adds the prefix, as edx-event-bus-kafka and -redis do when
they send), the event type, the key path, ``str(metadata.id)``, the metadata's JSON
(``metadata_json``), the Avro data from openedx-events' own ``serialize_event_data_to_bytes``
and the time of writing in microseconds since the Unix epoch: the same bytes the Rust crate
writes for the same event.
"""
import json
import logging
import threading
import time

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.dispatch import receiver
from django.test.signals import setting_changed
from django.utils.module_loading import import_string
from openedx_events.event_bus import EventBusProducer
from openedx_events.event_bus.avro.serializer import serialize_event_data_to_bytes

from edx_event_bus_outbox.conf import IMMEDIATE, ON_COMMIT, SETTING, read_settings

logger = logging.getLogger(__name__)

INSERT = (
    "INSERT INTO eventbus_outbox (event_type, topic, event_key_field, event_id, metadata,"
    " event_data, created_at_us, attempts) VALUES (%s, %s, %s, %s, %s, %s, %s, 0)"
)


def now_us():
    """Microseconds since the Unix epoch (UTC), the unit of ``created_at_us``."""
    return time.time_ns() // 1000


class OutboxEventProducer(EventBusProducer):
    """
    Write events to the outbox table, or hand them to the immediate producer.

    ``outbox`` topics are written to the table; the immediate producer gets the others
    at once (``immediate`` topics) or once the transaction of ``DATABASE`` commits (``on-commit``
    topics: never if it rolls back; at once outside a transaction), as ``EVENT_BUS_OUTBOX`` says.

    ``send`` writes through ``django.db.connections[DATABASE]``: inside ``transaction.atomic``
    (or a request with ``ATOMIC_REQUESTS``) on that alias, the row is part of that transaction
    and disappears with it on rollback; outside any transaction it is committed at once
    (autocommit). Errors are raised to the caller, never swallowed: a failed write is a failed
    ``send_event`` and, in a transaction, a transaction the caller must not commit.
    """

    def __init__(self, outbox_settings=None):
        """Validate ``EVENT_BUS_OUTBOX`` (or use ``outbox_settings``); raise ImproperlyConfigured."""
        if outbox_settings is None:
            outbox_settings, problems = read_settings()
            errors = [p for p in problems if p.id.split(".")[-1].startswith("E")]
            if errors:
                raise ImproperlyConfigured("; ".join(f"{p.message} ({p.id})" for p in errors))
        self.settings = outbox_settings
        self._immediate = None
        self._lock = threading.Lock()

    def immediate_producer(self):
        """The producer of ``immediate`` topics, created on first use (``IMMEDIATE_PRODUCER``)."""
        with self._lock:
            if self._immediate is None:
                path = self.settings.immediate_producer
                if not path:
                    raise ImproperlyConfigured(f"{SETTING}['IMMEDIATE_PRODUCER'] is not set")
                self._immediate = import_string(path)()
            return self._immediate

    def send(self, *, signal, topic, event_key_field, event_data, event_metadata):
        """Write the event's outbox row, or send it through the immediate producer (now or on commit)."""
        event = {
            "signal": signal, "topic": topic, "event_key_field": event_key_field,
            "event_data": event_data, "event_metadata": event_metadata,
        }
        mode = self.settings.mode_of(topic)
        if mode == IMMEDIATE:
            self.immediate_producer().send(**event)
        elif mode == ON_COMMIT:
            producer = self.immediate_producer()
            transaction.on_commit(lambda: producer.send(**event), using=self.settings.database)
        else:
            self.write(**event)

    def write(self, *, signal, topic, event_key_field, event_data, event_metadata):
        """Insert the outbox row of one event, whatever the topic's mode."""
        row = outbox_row(
            signal=signal, topic=topic, event_key_field=event_key_field,
            event_data=event_data, event_metadata=event_metadata,
        )
        with connections[self.settings.database].cursor() as cursor:
            cursor.execute(INSERT, row)
        logger.debug("outbox row written: %s %s to %s", row[0], row[3], topic)

    def prepare_for_shutdown(self):
        """Nothing is buffered here; the immediate producer, if any, is asked to flush."""
        if self._immediate is not None and hasattr(self._immediate, "prepare_for_shutdown"):
            self._immediate.prepare_for_shutdown()


def outbox_row(*, signal, topic, event_key_field, event_data, event_metadata):
    """
    Return the values of an outbox row, in the order of ``INSERT``.

    They are: event type, topic, key path, event id, metadata JSON, Avro event data, creation
    time (microseconds).
    """
    return (
        signal.event_type,
        topic,
        event_key_field,
        str(event_metadata.id),
        metadata_json(event_metadata),
        serialize_event_data_to_bytes(event_data, signal),
        now_us(),
    )


def metadata_json(event_metadata):
    """
    Return the metadata's JSON as the Rust crate writes it: ``EventsMetadata.to_json``'s keys,
    order and values, without the spaces ``json.dumps`` puts after separators and with non-ASCII
    text as is, so that a row is the same bytes whichever side wrote it.
    """
    return json.dumps(event_metadata.to_json_data(), separators=(",", ":"), ensure_ascii=False)


_PRODUCER = None
_PRODUCER_LOCK = threading.Lock()


def create_producer():
    """The process's ``OutboxEventProducer`` (``EVENT_BUS_PRODUCER = "edx_event_bus_outbox.create_producer"``)."""
    global _PRODUCER  # pylint: disable=global-statement
    with _PRODUCER_LOCK:
        if _PRODUCER is None:
            _PRODUCER = OutboxEventProducer()
        return _PRODUCER


def reset_producer():
    """Forget the producer (settings changed in tests)."""
    global _PRODUCER  # pylint: disable=global-statement
    with _PRODUCER_LOCK:
        _PRODUCER = None


@receiver(setting_changed)
def _reset_on_setting_change(setting, **kwargs):  # pylint: disable=unused-argument
    """Build the producer again when a test changes the settings it reads (``override_settings``)."""
    if setting in (SETTING, "DATABASES"):
        reset_producer()
