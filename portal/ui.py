"""Small pieces of shared UI for the apps' views."""

from django.contrib import messages


def form_errors_to_messages(request, form) -> None:
    """Show every error of a form that posts back to another page as a message there."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def as_sentence(text: str) -> str:
    """``text`` as a sentence ending in a full stop: a clerk's note may or may not end in one,
    and the text that follows it in a message must not run on (nor follow a doubled 。)."""
    text = (text or "").strip()
    return text if not text or text[-1] in "。！？!?…" else text + "。"


class NamesRequiredFields:
    """Form mixin: a required field left empty says which one (“请填写工作单位。”, “请选择活动类别。”)
    instead of Django's “这个字段是必填项。”, and a text too long says which and by how much
    instead of “确保该变量包含不超过 100 字符”; messages a form sets itself are kept."""

    def __init__(self, *args, **kwargs):
        from django import forms

        super().__init__(*args, **kwargs)
        generic = str(forms.Field.default_error_messages["required"])
        for field in self.fields.values():
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
