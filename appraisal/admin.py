"""Cases are handled in the portal's own pages, where every action is guarded and logged. The admin
keeps what the system admin owns (docs/domain.md §角色与辖区): the indicator templates, versioned,
and the bureaus' seal images, with their history. Nothing here is ever deleted."""

import base64
import hashlib
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html

from appraisal.panel.schedules import recount_reply_deadlines

from .models import (
    BureauSeal,
    HolidayCalendarYear,
    IndicatorDimension,
    IndicatorSign,
    IndicatorTemplate,
    OfficialDay,
)
from .schedule_forms import OfficialDayFormSet

MAX_SEAL_BYTES = 2 * 1024 * 1024


class IndicatorDimensionInline(admin.TabularInline):
    model = IndicatorDimension
    extra = 0
    fields = ["order", "code", "name", "description"]
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.is_published


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(admin.ModelAdmin):
    """A published version is read-only; "复制为新版本" makes an editable draft, "发布" freezes it."""

    list_display = ["name", "version", "is_active", "published_at", "created_at"]
    list_filter = ["is_active"]
    fields = ["name", "version", "basis", "rule", "is_active", "published_at", "derived_from"]
    readonly_fields = ["is_active", "published_at", "derived_from"]
    inlines = [IndicatorDimensionInline]
    actions = ["copy_as_new_version", "publish"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return self.fields
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="复制为新版本（草稿，可修改）")
    def copy_as_new_version(self, request, queryset):
        for template in queryset:
            copy = template.copy_as_new_version()
            self.message_user(request, f"已创建{copy}，修改后请发布。", messages.SUCCESS)

    @admin.action(description="发布为现行版本（发布后不可修改）")
    def publish(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "请只选择一个版本发布。", messages.ERROR)
            return
        template = queryset.get()
        try:
            template.publish()
        except ValidationError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return
        self.message_user(request, f"已发布{template}。", messages.SUCCESS)


class IndicatorSignInline(admin.TabularInline):
    model = IndicatorSign
    extra = 0
    fields = ["category", "order", "text"]

    def _published(self, obj):
        return obj is not None and obj.template.is_published

    def has_change_permission(self, request, obj=None):
        return not self._published(obj)

    def has_add_permission(self, request, obj=None):
        return not self._published(obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not self._published(obj)


@admin.register(IndicatorDimension)
class IndicatorDimensionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "template", "order"]
    list_filter = ["template"]
    fields = ["template", "order", "code", "name", "description"]
    inlines = [IndicatorSignInline]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "template" in form.base_fields:
            form.base_fields["template"].queryset = IndicatorTemplate.objects.filter(
                published_at__isnull=True
            )
        return form

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.template.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and not obj.template.is_published


class BureauSealForm(forms.ModelForm):
    class Meta:
        model = BureauSeal
        fields = ["bureau", "image", "is_active", "note"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is None or not hasattr(upload, "read") or self.instance.pk:
            return upload
        if upload.size > MAX_SEAL_BYTES:
            raise ValidationError("印章图片不能超过 2 MB。")
        from PIL import Image, UnidentifiedImageError  # noqa: PLC0415 (Pillow only where an uploaded seal image is checked)

        data = upload.read()
        upload.seek(0)
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
                fmt, size = image.format, image.size
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise ValidationError("请上传 PNG 格式的印章图片。") from None
        if fmt != "PNG":
            raise ValidationError("请上传 PNG 格式的印章图片（透明背景）。")
        if min(size) < 200:
            raise ValidationError("印章图片分辨率过低，请上传边长不小于 200 像素的图片。")
        self.instance.sha256 = hashlib.sha256(data).hexdigest()
        return upload


@admin.register(BureauSeal)
class BureauSealAdmin(admin.ModelAdmin):
    """Uploading a seal makes it the bureau's active one; earlier seals stay, inactive."""

    form = BureauSealForm
    list_display = ["bureau", "is_active", "is_generated", "uploaded_at", "uploaded_by", "note"]
    list_filter = ["is_active", "bureau"]
    readonly_fields = ["sha256", "is_generated", "uploaded_by", "uploaded_at"]

    def get_fields(self, request, obj=None):
        if obj is not None:  # the image is shown, not linked: files are served by no public URL
            return ["bureau", "seal_image", "is_active", "note", *self.readonly_fields]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["bureau", "seal_image", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description="印章图片")
    def seal_image(self, obj):
        try:
            with obj.image.open("rb") as handle:
                data = base64.b64encode(handle.read()).decode()
        except (FileNotFoundError, ValueError):
            return "（文件已丢失）"
        return format_html(
            '<img src="data:image/png;base64,{}" alt="印章图片" style="width:120px;height:120px">',
            data,
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        with transaction.atomic():
            obj.save()


class OfficialDayInline(admin.TabularInline):
    model = OfficialDay
    formset = OfficialDayFormSet
    extra = 5
    fields = ["date", "kind", "name"]


@admin.register(HolidayCalendarYear)
class HolidayCalendarYearAdmin(admin.ModelAdmin):
    """The State Council's holiday schedule of a year, entered when published: its holidays on
    weekdays and its make-up working days on weekends. Once a year is saved here, deadlines in it
    follow this schedule rather than the bundled calendar; ordinary weekends need no rows."""

    list_display = ["year", "notice", "entered_by", "entered_at"]
    fields = ["year", "notice", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]
    inlines = [OfficialDayInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """The days saved, the open invitations' reply deadlines over the year are counted again
        (the other time limits are counted when shown), in the admin's transaction."""
        super().save_related(request, form, formsets, change)
        moved = recount_reply_deadlines(years=[form.instance.year])
        if moved:
            self.message_user(request, f"已按该年度安排重新计算 {moved} 个鉴定邀请的答复期限。")
