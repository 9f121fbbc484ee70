from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: the trail is append-only."""

    list_display = ["at", "actor_name", "action_label", "object_repr", "bureau", "ip"]
    list_filter = ["action", "bureau"]
    list_select_related = ["bureau"]
    search_fields = ["actor_name", "object_repr", "ip"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
