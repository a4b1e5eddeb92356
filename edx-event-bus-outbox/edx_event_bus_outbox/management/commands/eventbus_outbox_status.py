"""``manage.py eventbus_outbox_status [--json] [--database ALIAS]``: as ``eventbus outbox status``."""
import json

from django.core.management.base import BaseCommand
from django.db import connections

from edx_event_bus_outbox.conf import read_settings
from edx_event_bus_outbox.status import outbox_status, status_text


class Command(BaseCommand):
    """Print the outbox's pending, failing and published rows and the oldest pending age per topic."""

    help = (
        "Rows pending, failing and published in the event bus outbox and the oldest pending row's age, "
        "topic by topic (as `eventbus outbox status`)."
    )

    def add_arguments(self, parser):
        """``--json`` and ``--database``."""
        parser.add_argument(
            "--json", action="store_true", help="print the status as JSON, as `eventbus outbox status --json`",
        )
        parser.add_argument("--database", help="the database alias (default: EVENT_BUS_OUTBOX['DATABASE'])")

    def handle(self, *args, **options):
        """Print the status."""
        alias = options["database"] or read_settings()[0].database
        connection = connections[alias]
        status = outbox_status(connection)
        if options["json"]:
            self.stdout.write(json.dumps(status, separators=(",", ":")))
        else:
            self.stdout.write(status_text(connection.vendor, status))
