"""Form fields and helpers every app's forms and views use."""

from django import forms
from django.contrib import messages

ID_MAX = 2**63 - 1  # the largest id an id column (bigint) holds


def _is_id(value) -> bool:
    try:
        return 0 < int(str(value).strip()) <= ID_MAX
    except (TypeError, ValueError):
        return False


class IdField(forms.IntegerField):
    """An id sent by a form (a filter's 县（市）, a hidden reference): a number the id column cannot
    hold is refused as not valid, with the field's message, before any query sees it."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)
        invalid = f"请选择有效的{kwargs.get('label') or '选项'}。"
        for code in ("invalid", "min_value", "max_value"):
            self.error_messages[code] = invalid


class IdsField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose ids are checked to be ids before the query that looks them
    up: a number past the column's range is a choice that does not exist, not a database error."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, **kwargs)
        self.error_messages["invalid_pk_value"] = (
            f"“{kwargs.get('label') or '选项'}”中有不存在或已不可选的选项，请重新选择。"
        )

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else [value]:
            if not _is_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value"
                )
        return super()._check_values(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files picked at once (``<input type="file" multiple>``); cleans to a list, each
    file cleaned as a single FileField would."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(d, initial) for d in data]
            if files:
                return files
            data = None
        return [super().clean(data, initial)] if data or self.required else []


def form_errors_to_messages(request, form) -> None:
    """Show every error of a form that posts back to another page as a message there."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


class NamesRequiredFields:
    """Form mixin: a required field left empty says which one (“请填写工作单位。”, “请选择活动类别。”)
    instead of Django's “这个字段是必填项。”, and a text too long says which and by how much
    instead of “确保该变量包含不超过 100 字符”; messages a form sets itself are kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        generic = str(forms.Field.default_error_messages["required"])
        for field in self.fields.values():
            # A choice left open reads 请选择, not Django's “---------”. (A model choice's list is
            # its queryset's, read when shown: only its empty label is set here.)
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label is not None:
                    field.empty_label = "请选择"
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.MultipleChoiceField
            ):
                field.choices = [
                    (value, "请选择" if value == "" and label == "---------" else label)
                    for value, label in field.choices
                ]
            if isinstance(field, forms.EmailField):  # Django's words mix in “Email”
                field.error_messages["invalid"] = (
                    f"请输入有效的{field.label}（如 name@example.cn）。"
                )
            if getattr(field, "max_length", None) and "max_length" not in field.error_messages:
                field.error_messages["max_length"] = (
                    f"“{field.label}”不能超过 %(limit_value)d 个字（现有 %(show_value)d 个）。"
                )
            if not field.required or str(field.error_messages.get("required")) != generic:
                continue
            chosen = isinstance(field, forms.ChoiceField | forms.ModelChoiceField | forms.FileField)
            field.error_messages["required"] = f"请{'选择' if chosen else '填写'}{field.label}。"
