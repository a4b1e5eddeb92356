"""A small Django service using edx-event-bus-outbox (tests/tests/django_outbox.rs)."""
