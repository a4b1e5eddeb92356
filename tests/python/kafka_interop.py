"""
The Python side of the Kafka interoperability test (tests/tests/kafka_interop.rs).

Runs edx-event-bus-kafka 6.2.0 itself against the broker and schema registry named by the
environment (EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS, EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL,
EVENT_BUS_TOPIC_PREFIX).

  kafka_interop.py consume TOPIC GROUP COUNT OUT.json
      Run KafkaEventConsumer(TOPIC, GROUP).consume_indefinitely() (the library's own loop) until
      COUNT events reached the receivers connected to every signal, then stop it. The group starts
      at the beginning of the topic (its offsets are committed at 0 first). Writes, per event:
      the event type, the metadata (to_json_data), the data (AvroSignalSerializer.to_dict of what
      the receiver got), from_event_bus, the message headers and the value as fastavro reads it
      with the writer schema from the registry.

  kafka_interop.py produce TOPIC IN.json OUT.json
      IN: [{"event_type", "key_field", "data" (the to_dict form)}]. Sends each event with
      create_producer().send(...), flushes, and writes {"sent": [{"event_type", "metadata"}] (the
      metadata it generated, to_json_data), "errors", "registered": [{"subject", "request"}] (the
      body of each schema registration the serializers sent)}. Exits non-zero if the library
      logged a delivery error.

  kafka_interop.py register SUBJECT SCHEMA_TEXT
      Register a schema with confluent-kafka's client, as the AvroSerializer does, and print the
      id (to check that Rust and Python share ids).

With EVENT_BUS_KAFKA_API_KEY and EVENT_BUS_KAFKA_API_SECRET set, the library connects as it does
with these settings: SASL_SSL with PLAIN (tests/tests/kafka_interop.rs, on the test broker's
SASL_SSL listener). edx-event-bus-kafka has no setting for the CA of the brokers, and OpenSSL's
SSL_CERT_FILE does not reach the librdkafka of the confluent-kafka wheel: it links OpenSSL
statically and then loads the first CA bundle found at a standard path (/etc/ssl/certs/...),
calling OpenSSL's default paths (where SSL_CERT_FILE is read) only when none exists. So, for a
private CA, EVENTBUS_TEST_KAFKA_SSL_CA_LOCATION (a PEM file) is added here as `ssl.ca.location`
to the client configuration the library builds (load_common_settings): the only change made to
what the library sends.
"""
import io
import json
import logging
import os
import sys
import threading
import time

import django
from django.conf import settings

settings.configure(
    EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS=os.environ["EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS"],
    EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL=os.environ["EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL"],
    EVENT_BUS_KAFKA_API_KEY=os.environ.get("EVENT_BUS_KAFKA_API_KEY") or None,
    EVENT_BUS_KAFKA_API_SECRET=os.environ.get("EVENT_BUS_KAFKA_API_SECRET") or None,
    EVENT_BUS_TOPIC_PREFIX=os.environ.get("EVENT_BUS_TOPIC_PREFIX") or None,
    EVENTS_SERVICE_NAME=os.environ.get("EVENTS_SERVICE_NAME", "python-interop"),
    EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT=0.2,
    EVENT_BUS_KAFKA_CONSUMER_POLL_FAILURE_SLEEP=0.2,
    EVENT_BUS_KAFKA_POLL_INTERVAL_SEC=0.1,
    INSTALLED_APPS=[],
    DATABASES={},
)
django.setup()
logging.basicConfig(level=os.environ.get("KAFKA_INTEROP_LOG", "WARNING"), stream=sys.stderr)

# pylint: disable=wrong-import-position
import fastavro  # noqa: E402
from confluent_kafka import Consumer, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import Schema  # noqa: E402
from confluent_kafka.schema_registry.error import SchemaRegistryError  # noqa: E402
from confluent_kafka.schema_registry._sync.schema_registry_client import SchemaRegistryClient  # noqa: E402
from edx_event_bus_kafka.internal import config as bus_config  # noqa: E402
from edx_event_bus_kafka.internal import consumer as bus_consumer  # noqa: E402
from edx_event_bus_kafka.internal import producer as bus_producer  # noqa: E402
from edx_event_bus_kafka.internal.config import get_full_topic, get_schema_registry_client  # noqa: E402
from edx_event_bus_kafka.internal.consumer import KafkaEventConsumer  # noqa: E402
from edx_event_bus_kafka.internal.producer import create_producer  # noqa: E402
from openedx_events.data import EventsMetadata  # noqa: E402
from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals  # noqa: E402
from bus_helpers import ErrorRecorder, Received, metadata_json  # noqa: E402
from event_values import build  # noqa: E402

load_all_signals()


def _no_associations(self, *args, **kwargs):  # pylint: disable=unused-argument
    """
    The registry has no associations API; answer its 404 at once.

    confluent-kafka 2.15's deserializer asks GET /associations/... for every message. Apicurio's
    ccompat API does not have it, and its 404 answer sometimes never completes for httpx (the
    request hangs with no timeout). The client treats a 404 as "no association" anyway.
    """
    raise SchemaRegistryError(404, 40400, "associations are not supported by this registry")


SchemaRegistryClient.get_associations_by_resource_name = _no_associations
_original_client_init = SchemaRegistryClient.__init__


def _client_with_timeout(self, conf):
    """
    Give the registry client a request timeout (confluent-kafka sets none): a keep-alive
    connection that the registry dropped then fails and is retried instead of hanging forever.
    """
    _original_client_init(self, {"timeout": 5, **conf})


SchemaRegistryClient.__init__ = _client_with_timeout

# Every schema registration the AvroSerializers ask for: the subject and the request body.
REGISTERED = []
_original_register = SchemaRegistryClient.register_schema_full_response


def _recording_register(self, subject_name, schema, *args, **kwargs):
    """Record the body of the registration request (`schema.to_dict()`), then register."""
    REGISTERED.append({"subject": subject_name, "request": schema.to_dict()})
    return _original_register(self, subject_name, schema, *args, **kwargs)


SchemaRegistryClient.register_schema_full_response = _recording_register

_original_common_settings = bus_config.load_common_settings


def _common_settings_with_test_ca():
    """The library's client configuration, trusting the test CA when one is named (see above)."""
    common = _original_common_settings()
    ca_location = os.environ.get("EVENTBUS_TEST_KAFKA_SSL_CA_LOCATION")
    if common is not None and ca_location:
        common["ssl.ca.location"] = ca_location
    return common


# producer.py and consumer.py import the function by name.
bus_config.load_common_settings = _common_settings_with_test_ca
bus_producer.load_common_settings = _common_settings_with_test_ca
bus_consumer.load_common_settings = _common_settings_with_test_ca


def start_group_at_beginning(full_topic, group):
    """Commit offset 0 of every partition for the group, so that the consumer reads everything."""
    # The library's connection settings (servers, SASL, CA), as its consumer has them.
    consumer = Consumer({
        **_common_settings_with_test_ca(),
        "group.id": group,
        "enable.auto.commit": False,
    })
    try:
        partitions = consumer.list_topics(full_topic, timeout=10).topics[full_topic].partitions
        consumer.commit(offsets=[TopicPartition(full_topic, p, 0) for p in partitions], asynchronous=False)
    finally:
        consumer.close()


def consume(topic, group, count, out_path):
    """Consume `count` events with the library's consumer loop."""
    full_topic = get_full_topic(topic)
    start_group_at_beginning(full_topic, group)
    received = Received()

    # Record the raw messages too: headers and the value read with the writer schema.
    registry = get_schema_registry_client()
    raw = {}
    original = KafkaEventConsumer.emit_signals_from_message

    def emit_and_record(self, msg, signal):
        raw_headers = [[k, v.decode("utf-8")] for k, v in (msg.headers() or [])]
        event_id = next(v for k, v in raw_headers if k == "ce_id")
        raw[event_id] = {"headers": raw_headers}
        original(self, msg, signal)

    def deserialize_and_record(self, msg, signal):
        value = msg.value()
        schema_id = int.from_bytes(value[1:5], "big")
        writer = json.loads(registry.get_schema(schema_id).schema_str)
        wire = fastavro.schemaless_reader(io.BytesIO(value[5:]), fastavro.parse_schema(writer))
        event_id = next(v.decode("utf-8") for k, v in msg.headers() if k == "ce_id")
        wires[event_id] = wire
        return original_deserialize(self, msg, signal)

    wires = {}
    original_deserialize = KafkaEventConsumer._deserialize_message_value  # pylint: disable=protected-access
    KafkaEventConsumer.emit_signals_from_message = emit_and_record
    KafkaEventConsumer._deserialize_message_value = deserialize_and_record  # pylint: disable=protected-access

    errors = ErrorRecorder()
    logging.getLogger("edx_event_bus_kafka").addHandler(errors)
    consumer = KafkaEventConsumer(topic, group)
    thread = threading.Thread(target=consumer.consume_indefinitely, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and received.count() < count:
        time.sleep(0.1)
    consumer._shut_down()  # pylint: disable=protected-access
    thread.join(timeout=30)
    for event in received.events:
        event_id = event["metadata"]["id"]
        event.update(raw.get(event_id, {}))
        event["wire"] = wires.get(event_id)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"events": received.events, "errors": errors.messages}, f, indent=1, default=str)
    if received.count() < count:
        sys.exit(f"received {received.count()} of {count} events; errors: {errors.messages}")


def produce(topic, in_path, out_path):
    """Send the events of `in_path` with the library's producer."""
    with open(in_path, encoding="utf-8") as f:
        wanted = json.load(f)
    errors = ErrorRecorder()
    logging.getLogger("edx_event_bus_kafka").addHandler(errors)
    producer = create_producer()
    sent = []
    for item in wanted:
        signal = OpenEdxPublicSignal.get_signal_by_type(item["event_type"])
        data = {key: build(data_type, item["data"][key]) for key, data_type in signal.init_data.items()}
        metadata = EventsMetadata(event_type=signal.event_type, minorversion=0)
        producer.send(
            signal=signal, topic=topic, event_key_field=item["key_field"], event_data=data,
            event_metadata=metadata,
        )
        sent.append({"event_type": signal.event_type, "metadata": metadata_json(metadata)})
    producer.prepare_for_shutdown()
    # Let the polling thread run the last delivery callbacks.
    time.sleep(0.5)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"sent": sent, "errors": errors.messages, "registered": REGISTERED}, f, indent=1)
    if errors.messages:
        sys.exit("the producer logged errors:\n" + "\n".join(errors.messages))


def register(subject, schema_text):
    """Register a schema as confluent-kafka's AvroSerializer does and print its id."""
    client = get_schema_registry_client()
    print(client.register_schema(subject, Schema(schema_text, "AVRO")))


def main():
    command = sys.argv[1]
    if command == "consume":
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif command == "produce":
        produce(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == "register":
        register(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
