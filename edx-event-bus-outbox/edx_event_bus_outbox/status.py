"""
What the outbox holds, as ``eventbus outbox status`` of the Rust CLI reports it.

Rows pending,
failing (pending rows that failed at least once) and published, and the oldest pending row's age,
in all and topic by topic (with the last error of a topic's failing rows).
"""
import time

VENDOR_NAMES = {"sqlite": "Sqlite", "mysql": "MySql", "postgresql": "Postgres"}


def _text(value):
    """A TEXT value as ``str`` (some drivers return bytes or memoryview)."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def outbox_status(connection):
    """The status dict (the same keys as the CLI's ``--json``) of the outbox on ``connection``."""
    now = time.time_ns() // 1000
    status = {"pending": 0, "published": 0, "failing": 0, "oldest_pending_age_seconds": None, "topics": []}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT topic, COUNT(*), COUNT(CASE WHEN attempts > 0 THEN 1 END), MIN(created_at_us)"
            " FROM eventbus_outbox WHERE published_at_us IS NULL GROUP BY topic ORDER BY topic"
        )
        rows = cursor.fetchall()
        for topic, pending, failing, oldest in rows:
            topic = _text(topic)
            last_error = None
            if failing:
                cursor.execute(
                    "SELECT last_error FROM eventbus_outbox WHERE published_at_us IS NULL"
                    " AND topic = %s AND attempts > 0 ORDER BY id DESC LIMIT 1",
                    [topic],
                )
                found = cursor.fetchone()
                last_error = _text(found[0]) if found else None
            age = max(now - int(oldest), 0) / 1e6
            status["pending"] += int(pending)
            status["failing"] += int(failing)
            oldest_age = status["oldest_pending_age_seconds"]
            status["oldest_pending_age_seconds"] = age if oldest_age is None else max(oldest_age, age)
            status["topics"].append({
                "topic": topic,
                "pending": int(pending),
                "failing": int(failing),
                "oldest_pending_age_seconds": age,
                "last_error": last_error,
            })
        cursor.execute("SELECT COUNT(*) FROM eventbus_outbox WHERE published_at_us IS NOT NULL")
        status["published"] = int(cursor.fetchone()[0])
    return status


def format_duration(seconds):
    """Whole seconds as the Rust CLI prints them (humantime): ``0s``, ``1h 2m 3s``, ``2days 1h``."""
    secs = int(seconds)
    if secs == 0:
        return "0s"
    years, rest = divmod(secs, 31_557_600)
    months, rest = divmod(rest, 2_630_016)
    days, rest = divmod(rest, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = []
    for value, name, plural in ((years, "year", True), (months, "month", True), (days, "day", True),
                                (hours, "h", False), (minutes, "m", False), (secs, "s", False)):
        if value:
            parts.append(f"{value}{name}{'s' if plural and value > 1 else ''}")
    return " ".join(parts)


def status_text(vendor, status):
    """The status as the CLI's text: a summary line, then one line per topic with pending rows."""
    line = (
        f"outbox {VENDOR_NAMES.get(vendor, vendor)}: {status['pending']} pending, "
        f"{status['failing']} failing, {status['published']} published"
    )
    if status["oldest_pending_age_seconds"] is not None:
        line += f"; oldest pending: {format_duration(status['oldest_pending_age_seconds'])}"
    lines = [line]
    for topic in status["topics"]:
        text = (
            f"  {topic['topic']}: {topic['pending']} pending, {topic['failing']} failing, "
            f"oldest {format_duration(topic['oldest_pending_age_seconds'])}"
        )
        if topic["last_error"] is not None:
            text += f"; last error: {topic['last_error']}"
        lines.append(text)
    return "\n".join(lines)
