"""``eventbus_outbox_status``."""
