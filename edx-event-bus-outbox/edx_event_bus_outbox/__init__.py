"""
The transactional outbox of the Open edX event bus, for Django services.

``EVENT_BUS_PRODUCER = "edx_event_bus_outbox.create_producer"`` makes openedx-events'
``get_producer()`` write each event as a row of the ``eventbus_outbox`` table, in the caller's
current database transaction; the Rust relay (``eventbus outbox relay``) publishes the committed
rows to Kafka or Redis. See README.md.
"""

__version__ = "0.1.0"


def create_producer():
    """
    Return the outbox producer (a singleton), for the ``EVENT_BUS_PRODUCER`` setting.

    Imported lazily so that importing this package never touches Django's settings or apps.
    """
    from edx_event_bus_outbox.producer import create_producer as _create  # pylint: disable=import-outside-toplevel

    return _create()
