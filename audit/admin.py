from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: the trail is append-only."""

    list_display = ["at", "actor_name", "event", "object_repr", "bureau", "ip"]
    list_filter = ["action", "bureau"]
    list_select_related = ["bureau"]
    search_fields = ["actor_name", "object_repr", "ip"]

    @admin.display(description="事件", ordering="action")
    def event(self, obj):
        return obj.action_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
