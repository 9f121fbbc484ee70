import axes.admin
import django_otp.plugins.otp_static.admin  # noqa: F401  (registered first, to be replaced)
import django_otp.plugins.otp_totp.admin  # noqa: F401
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SEAL, Bureau, SealCustody, Subject, User
from .twofactor import switch_off_second_factor

# django-otp's own pages show every user's TOTP secret and QR code and the backup codes in clear,
# in English: whoever reads them can pass anyone's second factor. The user's page below says
# whether a phone is bound and switches it off when lost; the secrets stay out of sight.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(AccessAttempt)


class ReadOnly:
    """Logins and failed logins are security records, like the audit trail: read, never changed or
    deleted. (A lockout is lifted by deleting its AccessAttempt, which these logs outlive.)"""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model, model_admin in (
    (AccessLog, axes.admin.AccessLogAdmin),
    (AccessFailureLog, axes.admin.AccessFailureLogAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (ReadOnly, model_admin), {}))


@admin.register(AccessAttempt)
class AccessAttemptAdmin(axes.admin.AccessAttemptAdmin):
    """A lockout is read, and lifted by deleting it; never edited."""

    def has_change_permission(self, request, obj=None):
        return False


class SealCustodyInline(admin.TabularInline):
    """印章保管: the clerks of this bureau entrusted with its seal (确定类别并盖章)."""

    model = SealCustody
    fields = ["user"]
    extra = 0
    verbose_name = "印章保管人"
    verbose_name_plural = "印章保管人（可确定类别并加盖本局印章的工作人员）"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(permission=seal_permission())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            bureau_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = User.objects.filter(
                bureau_id=bureau_id, role__in=["county", "prefecture"], is_active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def seal_permission():
    app_label, codename = SEAL.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@admin.register(Bureau)
class BureauAdmin(admin.ModelAdmin):
    list_display = ["bureau_name", "code", "level", "short_name", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    list_select_related = ["parent"]
    inlines = [SealCustodyInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is SealCustody:
            for custody in formset.save(commit=False):
                custody.permission = seal_permission()
                custody.save()
            for custody in formset.deleted_objects:
                custody.delete()  # a revoked custody: the audit trail keeps who held it and when
            return
        super().save_formset(request, form, formset, change)

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
        ("第二重验证", {"fields": ("second_factor",)}),
    )
    readonly_fields = ["second_factor"]
    actions = ["switch_off_second_factor"]
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("平台角色", {"fields": ("role", "full_name", "bureau", "institution")}),
    )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="动态口令")
    def second_factor(self, user):
        if user.pk is None:
            return "—"
        phone = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if phone is None:
            return "未绑定（下次登录时扫码绑定手机）"
        used = phone.last_used_at or phone.created_at
        when = timezone.localtime(used).strftime("%Y-%m-%d %H:%M") if used else "—"
        return f"已绑定手机（最近使用 {when}）；手机遗失或更换时，在账户列表选中该账户执行“停用动态口令”"

    @admin.action(description="停用动态口令（手机遗失或更换，下次登录重新绑定）")
    def switch_off_second_factor(self, request, queryset):
        done = [user for user in queryset if switch_off_second_factor(user, by=request)]
        if done:
            names = "、".join(user.get_username() for user in done)
            messages.success(
                request,
                f"已停用 {names} 的动态口令和备用验证码，并已退出其所有登录会话；"
                "下次登录时须绑定新手机。",
            )
        else:
            messages.warning(request, "所选账户都没有在用的动态口令，未作更改。")
