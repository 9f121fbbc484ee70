from django.contrib import admin

from .models import Institution, InstitutionCreditMark, TrainingProject


class TrainingProjectInline(admin.TabularInline):
    model = TrainingProject
    extra = 0
    fields = ["name", "grades", "mode", "is_active"]
    readonly_fields = ["name", "grades", "mode"]  # changed on the project's own page, if not held
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "county", "contact_name", "contact_phone"]
    list_filter = ["county"]
    search_fields = ["name", "credit_code"]
    inlines = [TrainingProjectInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrainingProject)
class TrainingProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "mode", "is_active"]
    search_fields = ["name", "institution__name"]
    filter_horizontal = ["subjects"]

    def get_readonly_fields(self, request, obj=None):
        """A project named by a submitted application stays as submitted (``held_cases``)."""
        if obj is not None and obj.held_cases().exists():
            return ["institution", "name", "subjects", "grades", "mode", "description"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InstitutionCreditMark)
class InstitutionCreditMarkAdmin(admin.ModelAdmin):
    list_display = ["institution", "kind", "bureau", "recorded_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
