"""
Drive the test Django service (tests/django/outbox_site) for tests/tests/django_outbox.rs.

In process (Django's test Client, no HTTP server); the database is ``EVENTBUS_DJANGO_DB``.

  drive.py reset                 drop the service's and the outbox's tables (and Django's record)
  drive.py migrate               ``manage.py migrate``
  drive.py drop-outbox           drop the outbox tables and forget their migration
  drive.py requests FIRST COUNT [fail]
                                 COUNT requests to /login/<id> (or /login-then-fail/<id>) for the
                                 users FIRST.., prints {"ok", "failed", "errors"}
  drive.py rows                  the outbox rows (event_data as hex) and the count of logins
  drive.py introspect            the outbox tables as the database describes them
  drive.py status [--json]       ``manage.py eventbus_outbox_status``
  drive.py check [--database]    ``manage.py check`` (exit status and output)
  drive.py immediate USER [fail] one request (with EVENT_BUS_OUTBOX making the topic ``immediate``
                                 or ``on-commit``): the events the recording producer of
                                 shop.immediate got, the rows and the logins
  drive.py outside USER          send the event outside any request or transaction (autocommit)
  drive.py makemigrations-check  ``makemigrations --check``: the models match the migrations
  drive.py durations SECONDS...  the status command's durations (``format_duration``)
Prints one JSON document (except ``status`` and ``check``).
"""
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The package of this working tree, before the copy installed in the venv (which
# scripts/python-venv.sh refreshes when the package changes).
PACKAGE = os.path.realpath(os.path.join(HERE, "..", "..", "edx-event-bus-outbox"))
sys.path.insert(0, PACKAGE)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbox_site.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

import edx_event_bus_outbox  # noqa: E402

assert os.path.realpath(edx_event_bus_outbox.__file__).startswith(PACKAGE + os.sep), edx_event_bus_outbox.__file__

TABLES = ("eventbus_outbox_lease", "eventbus_outbox", "shop_login", "django_migrations")


def drop(tables):
    """Drop ``tables`` when they exist."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def forget_outbox_migration():
    """Forget that the outbox app was migrated."""
    with connection.cursor() as cursor:
        if "django_migrations" in connection.introspection.table_names(cursor):
            cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["edx_event_bus_outbox"])


def requests(first, count, fail):
    """Send ``count`` requests; count the successes and failures."""
    client = Client(raise_request_exception=False)
    view = "login-then-fail" if fail else "login"
    ok = failed = 0
    errors = []
    for user_id in range(first, first + count):
        response = client.get(f"/{view}/{user_id}")
        if response.status_code == 200:
            ok += 1
        else:
            failed += 1
            if len(errors) < 3:
                errors.append(response.status_code)
    return {"ok": ok, "failed": failed, "errors": errors}


def text(value):
    """A text or blob column as str or bytes."""
    if isinstance(value, memoryview):
        return value.tobytes()
    return value


def rows():
    """The outbox rows in id order and the number of logins."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, event_type, topic, event_key_field, event_id, metadata, event_data,"
            " created_at_us, published_at_us, attempts FROM eventbus_outbox ORDER BY id"
        )
        found = [
            {
                "id": r[0], "event_type": text(r[1]), "topic": text(r[2]), "event_key_field": text(r[3]),
                "event_id": text(r[4]), "metadata": text(r[5]), "event_data": bytes(text(r[6])).hex(),
                "created_at_us": r[7], "published_at_us": r[8], "attempts": r[9],
            }
            for r in cursor.fetchall()
        ]
        cursor.execute("SELECT COUNT(*) FROM shop_login")
        logins = cursor.fetchone()[0]
    return {"rows": found, "logins": logins}


def query(sql, params=()):
    """All the rows of ``sql`` as lists."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [[text(v) if not isinstance(v, memoryview) else v.tobytes().hex() for v in row]
                for row in cursor.fetchall()]


def introspect():
    """Columns (name, type, nullability, default...), indexes and table options of both tables."""
    schema = {}
    for table in ("eventbus_outbox", "eventbus_outbox_lease"):
        if connection.vendor == "sqlite":
            sql = query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
            indexes = query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s ORDER BY name", [table])
            schema[table] = {
                "columns": query(f"PRAGMA table_info({table})"),
                "indexes": [[name, sql_text, query(f"PRAGMA index_info('{name}')")] for name, sql_text in indexes],
                "index_list": query(f"PRAGMA index_list({table})"),
                "autoincrement": bool(sql) and "AUTOINCREMENT" in sql[0][0].upper(),
            }
        elif connection.vendor == "mysql":
            schema[table] = {
                "columns": query(
                    "SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,"
                    " CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_KEY FROM information_schema.COLUMNS"
                    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", [table]),
                "indexes": query(
                    "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, INDEX_TYPE"
                    " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s"
                    " ORDER BY INDEX_NAME, SEQ_IN_INDEX", [table]),
                "table": query(
                    "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES"
                    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", [table]),
            }
        else:
            schema[table] = {
                "columns": query(
                    "SELECT column_name, ordinal_position, data_type, character_maximum_length,"
                    " numeric_precision, is_nullable, column_default, is_identity"
                    " FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = %s ORDER BY ordinal_position", [table]),
                "indexes": query(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                    " AND tablename = %s ORDER BY indexname", [table]),
                "constraints": query(
                    "SELECT constraint_name, constraint_type FROM information_schema.table_constraints"
                    " WHERE table_schema = current_schema() AND table_name = %s AND constraint_type <> 'CHECK'"
                    " ORDER BY constraint_name", [table]),
            }
    return {"vendor": connection.vendor, "tables": schema}


def immediate(user_id, fail):
    """One request (to the failing view with ``fail``): what the recording producer got, the rows."""
    from shop import immediate as recording  # pylint: disable=import-outside-toplevel
    result = requests(user_id, 1, fail)
    result["sent"] = recording.SENT
    result.update(rows())
    return result


def main():
    """Run the command of the arguments."""
    command, args = sys.argv[1], sys.argv[2:]
    if command == "reset":
        drop(TABLES)
        result = {"dropped": list(TABLES)}
    elif command == "migrate":
        out = io.StringIO()
        call_command("migrate", verbosity=1, stdout=out)
        result = {"migrate": out.getvalue()}
    elif command == "drop-outbox":
        drop(TABLES[:2])
        forget_outbox_migration()
        result = {"dropped": list(TABLES[:2])}
    elif command == "requests":
        result = requests(int(args[0]), int(args[1]), args[2:] == ["fail"])
    elif command == "rows":
        result = rows()
    elif command == "introspect":
        result = introspect()
    elif command == "status":
        call_command("eventbus_outbox_status", *args)
        return
    elif command == "check":
        call_command("check", *args)
        return
    elif command == "immediate":
        result = immediate(int(args[0]), args[1:] == ["fail"])
    elif command == "makemigrations-check":
        out = io.StringIO()
        call_command("makemigrations", "edx_event_bus_outbox", "shop", "--check", "--dry-run", stdout=out)
        result = {"makemigrations": out.getvalue()}
    elif command == "durations":
        from edx_event_bus_outbox.status import format_duration  # pylint: disable=import-outside-toplevel
        result = [format_duration(float(seconds)) for seconds in args]
    elif command == "outside":
        from shop.views import user  # pylint: disable=import-outside-toplevel
        from openedx_events.learning.signals import SESSION_LOGIN_COMPLETED  # pylint: disable=import-outside-toplevel
        SESSION_LOGIN_COMPLETED.send_event(user=user(int(args[0])))
        result = {"in_atomic_block": connection.in_atomic_block}
    else:
        sys.exit(f"unknown command {command!r}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
