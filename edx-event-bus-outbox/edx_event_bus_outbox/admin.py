"""A read-only admin of the outbox rows: the relay alone changes them."""
from django.contrib import admin

from edx_event_bus_outbox.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """Rows by id, filterable by topic and event type; pending rows have no publishing time."""

    list_display = ("id", "event_type", "topic", "event_id", "created_at_us", "published_at_us", "attempts")
    list_filter = ("topic", "event_type")
    search_fields = ("event_id",)
    exclude = ("event_data",)
    readonly_fields = ("id", "event_type", "topic", "event_key_field", "event_id", "metadata",
                       "created_at_us", "published_at_us", "attempts", "last_error")

    def has_add_permission(self, request):
        """Rows are written by the producer only."""
        return False

    def has_change_permission(self, request, obj=None):
        """Rows are marked by the relay only."""
        return False

    def has_delete_permission(self, request, obj=None):
        """Published rows are purged by `eventbus outbox purge`."""
        return False
