"""
The Python side of the throughput benches (tests/benches/kafka_throughput.rs and
redis_throughput.rs): produce the same workload with the Python library's producer and print the
rate.

  bench_producer.py kafka|redis TOPIC IN.json COUNT
      IN: [{"event_type", "key_field", "data" (the to_dict form)}], cycled until COUNT events
      were sent with create_producer().send(...) of edx-event-bus-kafka or edx-event-bus-redis,
      then flushed (Kafka's prepare_for_shutdown). Prints {"events": COUNT, "seconds": ...,
      "errors": N} on stdout. Settings come from the environment, as for kafka_interop.py and
      redis_interop.py.
"""
import importlib
import json
import logging
import sys
import time


def main():
    backend, topic, in_path, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    # Importing the interop module configures Django from the environment.
    interop = importlib.import_module(f"{backend}_interop")
    from bus_helpers import ErrorRecorder  # pylint: disable=import-outside-toplevel
    from openedx_events.data import EventsMetadata  # pylint: disable=import-outside-toplevel
    from openedx_events.tooling import OpenEdxPublicSignal  # pylint: disable=import-outside-toplevel

    with open(in_path, encoding="utf-8") as f:
        wanted = json.load(f)
    workload = []
    for item in wanted:
        signal = OpenEdxPublicSignal.get_signal_by_type(item["event_type"])
        data = {key: interop.build(data_type, item["data"][key]) for key, data_type in signal.init_data.items()}
        workload.append((signal, item["key_field"], data))
    errors = ErrorRecorder()
    logging.getLogger(f"edx_event_bus_{backend}").addHandler(errors)
    producer = interop.create_producer()
    flush = getattr(producer, "prepare_for_shutdown", lambda: None)

    def send(signal, key_field, data):
        producer.send(signal=signal, topic=topic, event_key_field=key_field, event_data=data,
                      event_metadata=EventsMetadata(event_type=signal.event_type))

    # Warm up: connect, register the schemas.
    for item in workload:
        send(*item)
    flush()
    start = time.perf_counter()
    for i in range(count):
        send(*workload[i % len(workload)])
    flush()
    seconds = time.perf_counter() - start
    print(json.dumps({"events": count, "seconds": seconds, "errors": len(errors.messages)}))


if __name__ == "__main__":
    main()
