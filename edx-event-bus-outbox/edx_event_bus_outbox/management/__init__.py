"""Management commands of the outbox."""
