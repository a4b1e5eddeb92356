"""Helpers shared by the Python sides of the interoperability tests (Kafka and Redis).

Import it after Django is configured (openedx_events needs settings).
"""
import logging
import threading

from openedx_events.event_bus.avro.serializer import AvroSignalSerializer
from openedx_events.tooling import OpenEdxPublicSignal


class ErrorRecorder(logging.Handler):
    """Keeps the ERROR records of the event bus library."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def metadata_json(metadata):
    """EventsMetadata.to_json_data with the sourcelib tuple as a list."""
    data = metadata.to_json_data()
    data["sourcelib"] = list(data["sourcelib"])
    return data


def all_signals():
    """Every signal, KNOWN_UNSERIALIZABLE_SIGNALS included: some of them do serialize (the Rust
    catalog sends external_grader.score.submitted on the bus), and the consumer decides."""
    return list(OpenEdxPublicSignal.all_events())


class Received:
    """A receiver connected to every signal that records what it got."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()
        for signal in all_signals():
            signal.connect(self.receiver, weak=False)

    def receiver(self, signal, sender, **kwargs):  # pylint: disable=unused-argument
        """Record the event type, metadata, data (to_dict form) and from_event_bus."""
        metadata = kwargs.pop("metadata")
        from_event_bus = kwargs.pop("from_event_bus")
        with self.lock:
            self.events.append({
                "event_type": signal.event_type,
                "metadata": metadata_json(metadata),
                "data": AvroSignalSerializer(signal).to_dict(kwargs),
                "from_event_bus": from_event_bus,
            })

    def count(self):
        """How many events arrived."""
        with self.lock:
            return len(self.events)
