"""The ``edx_event_bus_outbox`` Django app: validates ``EVENT_BUS_OUTBOX`` at start-up."""
from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


class EdxEventBusOutboxConfig(AppConfig):
    """The outbox tables, the producer's configuration checks and the status command."""

    name = "edx_event_bus_outbox"
    label = "edx_event_bus_outbox"
    verbose_name = "Event bus outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """
        Register the system checks and refuse to start with an invalid ``EVENT_BUS_OUTBOX``.

        openedx-events' ``get_producer()`` turns a producer that fails to load into a producer that
        drops every event with a warning; refusing here makes a misconfiguration stop the service
        (its WSGI start-up, ``manage.py``) instead, every error named with its setting and topic.
        """
        from edx_event_bus_outbox import checks as outbox_checks  # pylint: disable=import-outside-toplevel
        from edx_event_bus_outbox.conf import read_settings  # pylint: disable=import-outside-toplevel

        checks.register(outbox_checks.check_settings)
        checks.register(outbox_checks.check_tables, checks.Tags.database)
        _, problems = read_settings()
        errors = [p for p in problems if p.id.split(".")[-1].startswith("E")]
        if errors:
            raise ImproperlyConfigured(
                "Invalid event bus outbox configuration:\n"
                + "\n".join(f"  {p.id}: {p.message} {p.hint}".rstrip() for p in errors)
            )
