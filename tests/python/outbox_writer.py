"""Write events into the Rust outbox table as a Django service would (README, "The table"): the
service's own row and the events' rows in ONE database transaction, with openedx-events' own
metadata and Avro serializer.

Usage: outbox_writer.py SQLITE_FILE EVENT_TYPE TOPIC KEY_FIELD DATA_JSON COUNT [rollback]
Prints the JSON list of the event ids written (none are kept with `rollback`).
"""
import json
import sqlite3
import sys
import time

import openedx_env  # noqa: F401  (Django settings, signals loaded)
from openedx_env import OpenEdxPublicSignal
from openedx_events.data import EventsMetadata
from openedx_events.event_bus.avro.deserializer import AvroSignalDeserializer
from openedx_events.event_bus.avro.serializer import serialize_event_data_to_bytes

INSERT = (
    "INSERT INTO eventbus_outbox (event_type, topic, event_key_field, event_id, metadata,"
    " event_data, created_at_us, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
)


def main():
    db, event_type, topic, key_field, data_json, count = sys.argv[1:7]
    rollback = sys.argv[7:] == ["rollback"]
    signal = OpenEdxPublicSignal.get_signal_by_type(event_type)
    data = AvroSignalDeserializer(signal).from_dict(json.loads(data_json))
    connection = sqlite3.connect(db, isolation_level="DEFERRED")
    ids = []
    try:
        connection.execute("INSERT INTO app_items (name) VALUES (?)", ("written by python",))
        for _ in range(int(count)):
            metadata = EventsMetadata(event_type=event_type, minorversion=0)
            connection.execute(INSERT, (
                event_type, topic, key_field, str(metadata.id), metadata.to_json(),
                serialize_event_data_to_bytes(data, signal), int(time.time() * 1_000_000),
            ))
            ids.append(str(metadata.id))
        if rollback:
            connection.rollback()
        else:
            connection.commit()
    finally:
        connection.close()
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
