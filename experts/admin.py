from django.contrib import admin

from .models import Expert, ExpertCreditRecord, ExpertTie


class NoDelete:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Expert)
class ExpertAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["name", "pool", "title_level", "category", "status", "phone"]
    list_filter = ["pool", "status", "category", "title_level"]
    search_fields = ["name", "employer", "phone"]
    filter_horizontal = ["subjects"]


@admin.register(ExpertTie)
class ExpertTieAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["expert", "institution", "kind", "started_on", "ended_on"]


@admin.register(ExpertCreditRecord)
class ExpertCreditRecordAdmin(NoDelete, admin.ModelAdmin):
    list_display = ["expert", "kind", "bureau", "recorded_at"]

    def has_change_permission(self, request, obj=None):
        return False
