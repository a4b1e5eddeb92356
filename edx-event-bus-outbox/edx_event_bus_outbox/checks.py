"""
Django system checks of the outbox (``manage.py check``; ``--database`` for the table check).

Ids: E001 a malformed ``EVENT_BUS_OUTBOX``; E002 an unknown ``DATABASE`` alias; E003 an unknown
``DEFAULT_MODE``; E004 an unknown mode of a topic; E005 an ``immediate`` or ``on-commit`` topic without
``IMMEDIATE_PRODUCER``; E006 an ``IMMEDIATE_PRODUCER`` that cannot be imported (or is this
producer); W001 the outbox table missing (run ``manage.py migrate edx_event_bus_outbox``); W002 a
topic of ``EVENT_BUS_OUTBOX['TOPICS']`` that no enabled ``EVENT_BUS_PRODUCER_CONFIG`` entry names;
W003 ``EVENT_BUS_PRODUCER`` does not name this producer.
"""
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections

from edx_event_bus_outbox.conf import SETTING, configured_topics, read_settings


def check_settings(app_configs=None, **kwargs):  # pylint: disable=unused-argument
    """Report every problem of ``EVENT_BUS_OUTBOX`` at once."""
    outbox_settings, problems = read_settings()
    messages = [
        (checks.Error if p.id.split(".")[-1].startswith("E") else checks.Warning)(
            p.message, hint=p.hint or None, id=p.id,
        )
        for p in problems
    ]
    configured = configured_topics()
    for topic in outbox_settings.topics:
        if topic not in configured:
            messages.append(checks.Warning(
                f"{SETTING}['TOPICS'] names topic {topic!r}, which no enabled EVENT_BUS_PRODUCER_CONFIG entry uses.",
                hint="Topics are written without EVENT_BUS_TOPIC_PREFIX.",
                id="edx_event_bus_outbox.W002",
            ))
    producer = getattr(settings, "EVENT_BUS_PRODUCER", None)
    if producer not in ("edx_event_bus_outbox.create_producer", "edx_event_bus_outbox.producer.create_producer"):
        messages.append(checks.Warning(
            f"EVENT_BUS_PRODUCER is {producer!r}: events do not go to the outbox.",
            hint="Set EVENT_BUS_PRODUCER = 'edx_event_bus_outbox.create_producer'.",
            id="edx_event_bus_outbox.W003",
        ))
    return messages


def check_tables(app_configs=None, databases=None, **kwargs):  # pylint: disable=unused-argument
    """Warn when the outbox tables are missing from the outbox database (checked with --database)."""
    outbox_settings, _ = read_settings()
    alias = outbox_settings.database
    if not databases or alias not in databases:
        return []
    try:
        with connections[alias].cursor() as cursor:
            tables = set(connections[alias].introspection.table_names(cursor))
    except DatabaseError as error:
        return [checks.Warning(
            f"Cannot read the tables of database {alias!r} ({SETTING}['DATABASE']): {error}",
            id="edx_event_bus_outbox.W001",
        )]
    missing = [t for t in ("eventbus_outbox", "eventbus_outbox_lease") if t not in tables]
    if missing:
        return [checks.Warning(
            f"The outbox table(s) {', '.join(missing)} are missing from database {alias!r} ({SETTING}['DATABASE']).",
            hint="Run `manage.py migrate edx_event_bus_outbox` (or `eventbus outbox migrate`).",
            id="edx_event_bus_outbox.W001",
        )]
    return []
