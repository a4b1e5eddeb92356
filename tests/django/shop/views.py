"""
Views that save a row and send openedx-events' SESSION_LOGIN_COMPLETED.

Nothing here knows about the event bus (EVENT_BUS_PRODUCER_CONFIG routes the signal to the outbox
producer); the request's transaction (ATOMIC_REQUESTS) holds the row and the event's outbox row.
"""
from django.http import JsonResponse
from openedx_events.learning.data import UserData, UserPersonalData
from openedx_events.learning.signals import SESSION_LOGIN_COMPLETED

from shop.models import Login


class AfterSendError(Exception):
    """Raised by ``login_then_fail`` after the event was sent."""


def user(user_id):
    """The event data of user ``user_id`` (the test derives the same values)."""
    return UserData(
        id=user_id,
        is_active=True,
        pii=UserPersonalData(username=f"user-{user_id}", email=f"user-{user_id}@example.com", name=f"User {user_id}"),
    )


def login(request, user_id):
    """Record a login and send the event; the response holds the event's id."""
    Login.objects.create(username=f"user-{user_id}")
    SESSION_LOGIN_COMPLETED.send_event(user=user(user_id))
    return JsonResponse({"user_id": user_id})


def login_then_fail(request, user_id):
    """Record a login, send the event, then fail: the request's transaction rolls back."""
    Login.objects.create(username=f"user-{user_id}")
    SESSION_LOGIN_COMPLETED.send_event(user=user(user_id))
    raise AfterSendError(f"failed after sending the login of user {user_id}")
