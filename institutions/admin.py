from django.contrib import admin

from .models import Institution, InstitutionCreditMark, TrainingProject


class TrainingProjectInline(admin.TabularInline):
    model = TrainingProject
    extra = 0
    fields = ["name", "grades", "mode", "is_active"]
    show_change_link = True


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

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InstitutionCreditMark)
class InstitutionCreditMarkAdmin(admin.ModelAdmin):
    list_display = ["institution", "kind", "bureau", "recorded_at"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
