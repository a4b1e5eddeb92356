"""
Print every OpenEdxPublicSignal of openedx-events as JSON: {event_type: "openedx_events.<module>.signals.<NAME>"},
found by importing each domain's signals module and keeping its module-level signals.
Used by tests/tests/python_parity.rs to check the signal table of the openedx-events crate.
Output: argv[1] (JSON file).
"""
import importlib
import json
import pkgutil
import sys

import openedx_events

import openedx_env  # noqa: F401  (configures Django, loads the signals)
from openedx_env import OpenEdxPublicSignal

signals = {}
for module_info in pkgutil.iter_modules(openedx_events.__path__):
    if not module_info.ispkg:
        continue
    name = f"openedx_events.{module_info.name}.signals"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError:
        continue
    for attribute, value in vars(module).items():
        if isinstance(value, OpenEdxPublicSignal):
            signals[value.event_type] = f"{name}.{attribute}"

with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(dict(sorted(signals.items())), out, indent=1)
