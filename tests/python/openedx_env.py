"""Django settings and imports shared by the Python helper scripts of the Rust test suite."""
import os

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        EVENTS_SERVICE_NAME=os.environ.get("EVENTS_SERVICE_NAME", "python-reference"),
        INSTALLED_APPS=[],
    )
    django.setup()

from openedx_events.tooling import (  # noqa: E402  pylint: disable=wrong-import-position
    KNOWN_UNSERIALIZABLE_SIGNALS,
    OpenEdxPublicSignal,
    load_all_signals,
)

load_all_signals()

__all__ = ["KNOWN_UNSERIALIZABLE_SIGNALS", "OpenEdxPublicSignal"]
