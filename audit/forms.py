import ipaddress

from django import forms

from .models import Action


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="事件", required=False, choices=[("", "全部")] + list(Action.choices)
    )
    actor = forms.CharField(label="操作人账户", required=False, max_length=150)
    q = forms.CharField(label="对象", required=False, max_length=100)
    ip = forms.CharField(label="来源地址", required=False, max_length=45)
    start = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "起始日期格式不正确。"},
    )
    end = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "截止日期格式不正确。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data

    def apply(self, events):
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("actor"):
            events = events.filter(actor_name__icontains=data["actor"].strip())
        if data.get("q"):
            events = events.filter(object_repr__icontains=data["q"].strip())
        if data.get("ip"):
            events = events.filter(ip=data["ip"].strip()) if _is_ip(data["ip"]) else events.none()
        if data.get("start"):
            events = events.filter(at__date__gte=data["start"])
        if data.get("end"):
            events = events.filter(at__date__lte=data["end"])
        return events


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True
