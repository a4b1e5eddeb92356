"""The outbox tables."""
