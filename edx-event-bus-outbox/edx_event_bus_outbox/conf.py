"""
The ``EVENT_BUS_OUTBOX`` setting, read and validated.

::

    EVENT_BUS_OUTBOX = {
        "DATABASE": "default",            # the alias the outbox rows are written to
        "DEFAULT_MODE": "outbox",         # "outbox", "immediate" or "on-commit"
        "TOPICS": {"some-topic": "immediate"},   # per-topic modes, overriding DEFAULT_MODE
        "IMMEDIATE_PRODUCER": "edx_event_bus_kafka.create_producer",  # for "immediate" and "on-commit"
    }

Every key is optional; without the setting every topic is in ``outbox`` mode on ``default``.
"""
from dataclasses import dataclass, field

from django.conf import settings

SETTING = "EVENT_BUS_OUTBOX"
OUTBOX = "outbox"
IMMEDIATE = "immediate"
ON_COMMIT = "on-commit"
MODES = (OUTBOX, IMMEDIATE, ON_COMMIT)
#: The modes that send through IMMEDIATE_PRODUCER.
DIRECT_MODES = (IMMEDIATE, ON_COMMIT)
KEYS = ("DATABASE", "DEFAULT_MODE", "TOPICS", "IMMEDIATE_PRODUCER")


@dataclass(frozen=True)
class Problem:
    """A problem of the configuration: a Django check id, a message naming the setting, a hint."""

    id: str
    message: str
    hint: str = ""


@dataclass(frozen=True)
class OutboxSettings:
    """The effective ``EVENT_BUS_OUTBOX`` setting."""

    database: str = "default"
    default_mode: str = OUTBOX
    topics: dict = field(default_factory=dict)
    immediate_producer: str | None = None

    def mode_of(self, topic):
        """The mode of ``topic`` (the topic without ``EVENT_BUS_TOPIC_PREFIX``)."""
        return self.topics.get(topic, self.default_mode)


def read_settings():
    """
    Read ``EVENT_BUS_OUTBOX``; return ``(OutboxSettings, [Problem])``.

    The settings returned are usable even when there are problems (invalid parts fall back to
    their defaults), so that every problem is reported at once.
    """
    raw = getattr(settings, SETTING, None)
    problems = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return OutboxSettings(), [Problem(
            "edx_event_bus_outbox.E001",
            f"{SETTING} must be a dict, not {type(raw).__name__}.",
            f"For example {SETTING} = {{'DEFAULT_MODE': 'outbox'}}.",
        )]
    for key in raw:
        if key not in KEYS:
            problems.append(Problem(
                "edx_event_bus_outbox.E001",
                f"{SETTING}[{key!r}] is not a known key.",
                f"Known keys: {', '.join(KEYS)}.",
            ))
    database = raw.get("DATABASE", "default")
    if not isinstance(database, str) or database not in settings.DATABASES:
        problems.append(Problem(
            "edx_event_bus_outbox.E002",
            f"{SETTING}['DATABASE'] = {database!r} is not an alias of DATABASES.",
            f"Aliases: {', '.join(sorted(settings.DATABASES))}.",
        ))
        database = "default"
    default_mode = raw.get("DEFAULT_MODE", OUTBOX)
    if default_mode not in MODES:
        problems.append(Problem(
            "edx_event_bus_outbox.E003",
            f"{SETTING}['DEFAULT_MODE'] = {default_mode!r} is not a mode.",
            f"Modes: {', '.join(MODES)}.",
        ))
        default_mode = OUTBOX
    topics = raw.get("TOPICS", {})
    if not isinstance(topics, dict):
        problems.append(Problem(
            "edx_event_bus_outbox.E001",
            f"{SETTING}['TOPICS'] must be a dict of topic names to modes.",
        ))
        topics = {}
    valid_topics = {}
    for topic, mode in topics.items():
        if mode not in MODES:
            problems.append(Problem(
                "edx_event_bus_outbox.E004",
                f"{SETTING}['TOPICS'][{topic!r}] = {mode!r} is not a mode (topic {topic!r}).",
                f"Modes: {', '.join(MODES)}.",
            ))
        else:
            valid_topics[topic] = mode
    immediate_producer = raw.get("IMMEDIATE_PRODUCER")
    if immediate_producer is not None and not isinstance(immediate_producer, str):
        problems.append(Problem(
            "edx_event_bus_outbox.E001",
            f"{SETTING}['IMMEDIATE_PRODUCER'] must be the dotted path of a producer factory.",
        ))
        immediate_producer = None
    result = OutboxSettings(database, default_mode, valid_topics, immediate_producer)
    if immediate_producer is None:
        direct = [(t, m) for t, m in valid_topics.items() if m in DIRECT_MODES]
        if default_mode in DIRECT_MODES:
            direct += [(t, default_mode) for t in configured_topics() if t not in valid_topics]
        for topic, mode in direct:
            problems.append(Problem(
                "edx_event_bus_outbox.E005",
                f"Topic {topic!r} is in {mode!r} mode but {SETTING}['IMMEDIATE_PRODUCER'] is not set.",
                "Name the producer of immediate and on-commit topics, e.g. 'edx_event_bus_kafka.create_producer'.",
            ))
        if default_mode in DIRECT_MODES and not direct:
            problems.append(Problem(
                "edx_event_bus_outbox.E005",
                f"{SETTING}['DEFAULT_MODE'] is {default_mode!r} but {SETTING}['IMMEDIATE_PRODUCER'] is not set.",
                "Name the producer of immediate and on-commit topics, e.g. 'edx_event_bus_kafka.create_producer'.",
            ))
    elif immediate_producer.startswith("edx_event_bus_outbox."):
        problems.append(Problem(
            "edx_event_bus_outbox.E006",
            f"{SETTING}['IMMEDIATE_PRODUCER'] = {immediate_producer!r} is this outbox producer itself.",
            "Name the transport's producer, e.g. 'edx_event_bus_kafka.create_producer'.",
        ))
    else:
        try:
            from django.utils.module_loading import import_string  # pylint: disable=import-outside-toplevel
            import_string(immediate_producer)
        except ImportError as error:
            problems.append(Problem(
                "edx_event_bus_outbox.E006",
                f"{SETTING}['IMMEDIATE_PRODUCER'] = {immediate_producer!r} cannot be imported: {error}.",
            ))
    return result, problems


def configured_topics():
    """The enabled topics of ``EVENT_BUS_PRODUCER_CONFIG`` (openedx-events ADR 12), in order."""
    config = getattr(settings, "EVENT_BUS_PRODUCER_CONFIG", {})
    topics = []
    if isinstance(config, dict):
        for per_topic in config.values():
            if isinstance(per_topic, dict):
                for topic, topic_config in per_topic.items():
                    if isinstance(topic_config, dict) and topic_config.get("enabled") is True and topic not in topics:
                        topics.append(topic)
    return topics
