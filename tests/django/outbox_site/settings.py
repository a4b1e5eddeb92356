"""
Settings of the test service.

The environment chooses:

- ``EVENTBUS_DJANGO_DB``: the database URL (``sqlite:///ABSOLUTE/PATH``, ``mysql://USER:PASSWORD@HOST:PORT/DB``
  through PyMySQL, ``postgres://USER:PASSWORD@HOST:PORT/DB`` through psycopg 3), with ``ATOMIC_REQUESTS``;
- ``EVENTBUS_DJANGO_TOPIC``: the topic of the login event (without ``EVENT_BUS_TOPIC_PREFIX``);
- ``EVENTBUS_DJANGO_OUTBOX``: JSON of ``EVENT_BUS_OUTBOX`` (default: every topic in ``outbox`` mode).

No producing code in the service: ``EVENT_BUS_PRODUCER_CONFIG`` (openedx-events ADR 12) sends the
login event to the outbox producer.
"""
import json
import os
from urllib.parse import unquote, urlparse

import pymysql

# PyMySQL as MySQLdb; Django checks mysqlclient's version, which PyMySQL's stands for.
pymysql.version_info = (2, 2, 1, "final", 0)
pymysql.install_as_MySQLdb()


def database(url):
    """A Django DATABASES entry for a database URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite://"):],
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 30},
                "ATOMIC_REQUESTS": True, "TEST": {"NAME": url[len("sqlite://"):]}}
    engine = {"mysql": "django.db.backends.mysql", "mariadb": "django.db.backends.mysql",
              "postgres": "django.db.backends.postgresql", "postgresql": "django.db.backends.postgresql"}
    return {
        "ENGINE": engine[parsed.scheme],
        "NAME": parsed.path.lstrip("/"),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname,
        "PORT": str(parsed.port or ""),
        "ATOMIC_REQUESTS": True,
        "OPTIONS": {"charset": "utf8mb4"} if parsed.scheme in ("mysql", "mariadb") else {},
    }


SECRET_KEY = "eventbus-django-outbox-test"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
USE_TZ = True
ROOT_URLCONF = "outbox_site.urls"
MIDDLEWARE = []
INSTALLED_APPS = [
    "openedx_events",
    "edx_event_bus_outbox",
    "shop",
]
DATABASES = {"default": database(os.environ["EVENTBUS_DJANGO_DB"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EVENTS_SERVICE_NAME = "django-outbox-test"

TOPIC = os.environ.get("EVENTBUS_DJANGO_TOPIC", "django-logins")
EVENT_BUS_PRODUCER = "edx_event_bus_outbox.create_producer"
EVENT_BUS_PRODUCER_CONFIG = {
    "org.openedx.learning.auth.session.login.completed.v1": {
        TOPIC: {"event_key_field": "user.pii.username", "enabled": True},
    },
}
EVENT_BUS_OUTBOX = json.loads(os.environ.get("EVENTBUS_DJANGO_OUTBOX") or '{"DEFAULT_MODE": "outbox"}')
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"level": "WARNING", "handlers": []}}
