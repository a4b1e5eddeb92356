"""Python event data from its to_dict form, for the helper scripts of the Rust test suite.

Import it after Django is configured (openedx_events needs settings).
"""
from typing import get_args, get_origin

from openedx_events.event_bus.avro.deserializer import DEFAULT_DESERIALIZERS


def build(data_type, value):
    """The Python value of `data_type` from its to_dict form, every value kept as given.

    Unlike AvroSignalDeserializer.from_dict, a falsy value is not replaced by the attribute's
    default (the Python deserializer's bug the Rust docs describe).
    """
    if value is None:
        return None
    if data_type in DEFAULT_DESERIALIZERS:
        return DEFAULT_DESERIALIZERS[data_type](value)
    origin = get_origin(data_type)
    if origin is list:
        (item_type,) = get_args(data_type)
        return [build(item_type, item) for item in value]
    if origin is dict:
        _, value_type = get_args(data_type)
        return {key: build(value_type, item) for key, item in value.items()}
    if hasattr(data_type, "__attrs_attrs__"):
        return data_type(**{
            a.name: build(a.type, value[a.name]) for a in data_type.__attrs_attrs__ if a.name in value
        })
    return value
