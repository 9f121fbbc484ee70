from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Bureau, Subject, User


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["bureau_name", "code", "level", "short_name", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    list_select_related = ["parent"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "category", "order", "is_active"]
    list_filter = ["category", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "bureau", "institution", "is_active"]
    list_filter = ["role", "bureau", "is_active"]
    list_select_related = ["bureau", "institution"]
    search_fields = ["username", "full_name", "institution__name"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("平台角色", {"fields": ("role", "full_name", "phone", "bureau", "institution")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("平台角色", {"fields": ("role", "full_name", "bureau", "institution")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False
