"""
The Python side of the Kafka throughput bench (tests/benches/kafka_throughput.rs): produce the
same workload with edx-event-bus-kafka's producer and print the rate.

  kafka_bench_producer.py TOPIC IN.json COUNT
      IN: [{"event_type", "key_field", "data" (the to_dict form)}], cycled until COUNT events
      were sent with create_producer().send(...); then prepare_for_shutdown() (flush). Prints
      {"events": COUNT, "seconds": ..., "errors": N} on stdout. Settings come from the
      environment, as for kafka_interop.py.
"""
import json
import sys
import time

from kafka_interop import ErrorRecorder, build  # configures Django from the environment

import logging  # noqa: E402  pylint: disable=wrong-import-order

from edx_event_bus_kafka.internal.producer import create_producer  # noqa: E402
from openedx_events.data import EventsMetadata  # noqa: E402
from openedx_events.tooling import OpenEdxPublicSignal  # noqa: E402


def main():
    topic, in_path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(in_path, encoding="utf-8") as f:
        wanted = json.load(f)
    workload = []
    for item in wanted:
        signal = OpenEdxPublicSignal.get_signal_by_type(item["event_type"])
        data = {key: build(data_type, item["data"][key]) for key, data_type in signal.init_data.items()}
        workload.append((signal, item["key_field"], data))
    errors = ErrorRecorder()
    logging.getLogger("edx_event_bus_kafka").addHandler(errors)
    producer = create_producer()
    # Warm up: register the schemas, connect to the broker.
    for signal, key_field, data in workload:
        producer.send(signal=signal, topic=topic, event_key_field=key_field, event_data=data,
                      event_metadata=EventsMetadata(event_type=signal.event_type))
    producer.prepare_for_shutdown()
    start = time.perf_counter()
    for i in range(count):
        signal, key_field, data = workload[i % len(workload)]
        producer.send(signal=signal, topic=topic, event_key_field=key_field, event_data=data,
                      event_metadata=EventsMetadata(event_type=signal.event_type))
    producer.prepare_for_shutdown()
    seconds = time.perf_counter() - start
    print(json.dumps({"events": count, "seconds": seconds, "errors": len(errors.messages)}))


if __name__ == "__main__":
    main()
