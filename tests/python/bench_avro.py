"""
Time the Python serializer on the workload of tests/benches/avro_codec.rs.

argv[1]: JSON {"event_type": ..., "json": <to_dict form of the event>, "iterations": N}
Prints JSON: nanoseconds per event for
  - encode_library: serialize_event_data_to_bytes (what a caller of openedx-events does),
  - encode_cached:  a cached serializer + fastavro.schemaless_writer (what edx-event-bus-kafka does),
  - decode_library: deserialize_bytes_to_event_data,
  - decode_cached:  a cached deserializer + fastavro.schemaless_reader.
"""
import io
import json
import sys
import time

import fastavro

import openedx_env  # noqa: F401
from openedx_env import OpenEdxPublicSignal
from openedx_events.event_bus.avro.deserializer import AvroSignalDeserializer, deserialize_bytes_to_event_data
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer, serialize_event_data_to_bytes


def per_event(func, iterations):
    """Best of 3 runs, in nanoseconds per call."""
    best = None
    for _ in range(3):
        start = time.perf_counter_ns()
        for _ in range(iterations):
            func()
        elapsed = (time.perf_counter_ns() - start) / iterations
        best = elapsed if best is None else min(best, elapsed)
    return best


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    signal = OpenEdxPublicSignal.get_signal_by_type(spec["event_type"])
    n = spec["iterations"]
    event_data = AvroSignalDeserializer(signal).from_dict(spec["json"])
    serializer = AvroSignalSerializer(signal)
    deserializer = AvroSignalDeserializer(signal)
    parsed = fastavro.parse_schema(serializer.schema)
    data = serialize_event_data_to_bytes(event_data, signal)

    def encode_cached():
        out = io.BytesIO()
        fastavro.schemaless_writer(out, parsed, serializer.to_dict(event_data))
        return out.getvalue()

    def decode_cached():
        return deserializer.from_dict(fastavro.schemaless_reader(io.BytesIO(data), parsed))

    assert encode_cached() == data
    print(json.dumps({
        "bytes": len(data),
        "encode_library": per_event(lambda: serialize_event_data_to_bytes(event_data, signal), n),
        "encode_cached": per_event(encode_cached, n),
        "decode_library": per_event(lambda: deserialize_bytes_to_event_data(data, signal), n),
        "decode_cached": per_event(decode_cached, n),
    }))


if __name__ == "__main__":
    main()
