"""
The Python side of the Redis interoperability test (tests/tests/redis_bus.rs).

Runs edx-event-bus-redis 1.1.2 itself against the Redis named by EVENT_BUS_REDIS_CONNECTION_URL
(and EVENT_BUS_TOPIC_PREFIX).

  redis_interop.py consume TOPIC GROUP COUNT OUT.json
      Create GROUP at the start of the stream, then run RedisEventConsumer(TOPIC, GROUP, ...,
      check_backlog=True).consume_indefinitely() (the library's own loop) until COUNT events
      reached the receivers connected to every signal, then stop it. Writes, per event: the event
      type, the metadata (to_json_data), the data (AvroSignalSerializer.to_dict of what the
      receiver got) and from_event_bus.

  redis_interop.py produce TOPIC IN.json OUT.json
      IN: [{"event_type", "data" (the to_dict form)}]. Sends each event with
      create_producer().send(...) and writes [{"event_type", "metadata"}] (the metadata it
      generated, to_json_data). Exits non-zero if the library logged an error.
"""
import json
import logging
import os
import sys
import threading
import time

import django
from django.conf import settings

settings.configure(
    EVENT_BUS_REDIS_CONNECTION_URL=os.environ["EVENT_BUS_REDIS_CONNECTION_URL"],
    EVENT_BUS_TOPIC_PREFIX=os.environ.get("EVENT_BUS_TOPIC_PREFIX") or None,
    EVENTS_SERVICE_NAME=os.environ.get("EVENTS_SERVICE_NAME", "python-interop"),
    EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT=1,
    EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP=0.2,
    INSTALLED_APPS=[],
    DATABASES={},
)
django.setup()
logging.basicConfig(level=os.environ.get("REDIS_INTEROP_LOG", "WARNING"), stream=sys.stderr)

# pylint: disable=wrong-import-position
import redis  # noqa: E402
from edx_event_bus_redis.internal.config import get_full_topic  # noqa: E402
from edx_event_bus_redis.internal.consumer import RedisEventConsumer  # noqa: E402
from edx_event_bus_redis.internal.producer import create_producer  # noqa: E402
from openedx_events.data import EventsMetadata  # noqa: E402
from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals  # noqa: E402
from bus_helpers import ErrorRecorder, Received, metadata_json  # noqa: E402
from event_values import build  # noqa: E402

load_all_signals()


def consume(topic, group, count, out_path):
    """Consume `count` events with the library's consumer loop."""
    client = redis.Redis.from_url(settings.EVENT_BUS_REDIS_CONNECTION_URL)
    # The library would create the group at the end of the stream; start it at the beginning.
    client.xgroup_create(get_full_topic(topic), group, id="0", mkstream=True)
    received = Received()
    errors = ErrorRecorder()
    logging.getLogger("edx_event_bus_redis").addHandler(errors)
    consumer = RedisEventConsumer(topic, group, "python-consumer", check_backlog=True)

    def stop_when_done():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and received.count() < count:
            time.sleep(0.1)
        consumer._shut_down()  # pylint: disable=protected-access

    # The library's loop uses SIGALRM for timeouts: it must run in the main thread.
    threading.Thread(target=stop_when_done, daemon=True).start()
    consumer.consume_indefinitely()
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"events": received.events, "errors": errors.messages}, f, indent=1, default=str)
    if received.count() < count:
        sys.exit(f"received {received.count()} of {count} events; errors: {errors.messages}")


def produce(topic, in_path, out_path):
    """Send the events of `in_path` with the library's producer."""
    with open(in_path, encoding="utf-8") as f:
        wanted = json.load(f)
    errors = ErrorRecorder()
    logging.getLogger("edx_event_bus_redis").addHandler(errors)
    producer = create_producer()
    sent = []
    for item in wanted:
        signal = OpenEdxPublicSignal.get_signal_by_type(item["event_type"])
        data = {key: build(data_type, item["data"][key]) for key, data_type in signal.init_data.items()}
        metadata = EventsMetadata(event_type=signal.event_type, minorversion=0)
        producer.send(signal=signal, topic=topic, event_key_field="", event_data=data, event_metadata=metadata)
        sent.append({"event_type": signal.event_type, "metadata": metadata_json(metadata)})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"sent": sent, "errors": errors.messages}, f, indent=1)
    if errors.messages:
        sys.exit("the producer logged errors:\n" + "\n".join(errors.messages))


def main():
    command = sys.argv[1]
    if command == "consume":
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif command == "produce":
        produce(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
