"""
Answer the Rust parity test (tests/tests/python_parity.rs) with what openedx-events 11.2.0 does.

Input (argv[1], JSON): {event_type: {"samples": [{"json": <to_dict form>, "rust_hex": <bytes>}]}}.
Output (argv[2], JSON):
  {"openedx_events_version": "11.2.0", "event_types": [every signal's type], "unserializable": [...],
   "events": {event_type: {"schema": <AvroSignalSerializer(signal).schema> or {"error": ...},
                           "samples": [{"python_hex": ..., "decoded_rust": ...} or {"error": ...}]}}}
Each sample is built into attrs objects (with the library's own deserializers for opaque keys,
dates and UUIDs), encoded with serialize_event_data_to_bytes, and the Rust bytes are decoded with
deserialize_bytes_to_event_data and turned back into the to_dict form.

The library's from_dict is not used to build the samples: it replaces falsy values by the
attribute's default, and CourseDiscussionConfigurationData.plugin_configuration has `default=dict`
(the class, not a factory), so an empty map comes back as the `dict` class and cannot be serialized.
When the library's decoder trips on that bug, the sample reports the data fastavro read from the
wire instead, with "python_decoder_bug" set, so the wire format is still compared.
"""
import io
import json
import sys
import traceback

import fastavro

import openedx_events

import openedx_env  # noqa: F401  (configures Django, loads the signals)
from openedx_env import KNOWN_UNSERIALIZABLE_SIGNALS, OpenEdxPublicSignal
from openedx_events.event_bus.avro.deserializer import deserialize_bytes_to_event_data
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer, serialize_event_data_to_bytes
from event_values import build


def answer_sample(signal, sample):
    """Encode the sample in Python and decode the Rust bytes."""
    event_data = {key: build(data_type, sample["json"][key]) for key, data_type in signal.init_data.items()}
    python_bytes = serialize_event_data_to_bytes(event_data, signal)
    rust_bytes = bytes.fromhex(sample["rust_hex"])
    serializer = AvroSignalSerializer(signal)
    answer = {"python_hex": python_bytes.hex()}
    try:
        answer["decoded_rust"] = serializer.to_dict(deserialize_bytes_to_event_data(rust_bytes, signal))
    except Exception as e:  # pylint: disable=broad-except
        answer["python_decoder_bug"] = repr(e)
        answer["decoded_rust"] = fastavro.schemaless_reader(io.BytesIO(rust_bytes), serializer.schema)
    return answer


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    events = {}
    for event_type, wanted in request.items():
        try:
            signal = OpenEdxPublicSignal.get_signal_by_type(event_type)
        except KeyError:
            events[event_type] = {"schema": {"error": "no such signal in openedx-events"}, "samples": []}
            continue
        try:
            schema = AvroSignalSerializer(signal).schema
        except Exception as e:  # pylint: disable=broad-except
            events[event_type] = {"schema": {"error": repr(e)}, "samples": []}
            continue
        samples = []
        for sample in wanted["samples"]:
            try:
                samples.append(answer_sample(signal, sample))
            except Exception:  # pylint: disable=broad-except
                samples.append({"error": traceback.format_exc(limit=3)})
        events[event_type] = {"schema": schema, "samples": samples}
    answer = {
        "openedx_events_version": openedx_events.__version__,
        "event_types": sorted(s.event_type for s in OpenEdxPublicSignal.all_events()),
        "unserializable": sorted(KNOWN_UNSERIALIZABLE_SIGNALS),
        "events": events,
    }
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(answer, f)


if __name__ == "__main__":
    main()
