"""A producer for ``immediate`` topics that records what it is sent (EVENT_BUS_OUTBOX['IMMEDIATE_PRODUCER'])."""
from openedx_events.event_bus import EventBusProducer

SENT = []


class RecordingProducer(EventBusProducer):
    """Records the topic, event type and event id of each event it is sent."""

    def send(self, *, signal, topic, event_key_field, event_data, event_metadata):
        """Record the event."""
        SENT.append({"topic": topic, "event_type": signal.event_type, "event_key_field": event_key_field,
                     "event_id": str(event_metadata.id)})


def create_producer():
    """A new recording producer."""
    return RecordingProducer()
