"""The days of a year's holiday schedule, as the admin enters them from the State Council's notice.

The notice lists the days off and the weekend days worked instead (调休上班). A day listed twice,
a day both off and worked, a worked day that is not a weekend, or a day outside the year is a
slip in copying the notice: the whole entry is refused with a message saying which day, and
nothing is saved.
"""

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import OfficialDay

WEEKDAYS = "一二三四五六日"


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"


def _entered(form):
    """(date, kind) as typed, even where the form refused the date for another row's (Django's
    own check against the saved rows), so that the message says what the slip was."""
    day = form.cleaned_data.get("date")
    if day is None and form.has_changed():
        try:
            day = form.fields["date"].clean(form["date"].value())
        except ValidationError:
            day = None
    return day, form.cleaned_data.get("kind")


class OfficialDayFormSet(BaseInlineFormSet):
    def clean(self):
        year = getattr(self.instance, "year", None)
        kinds: dict = {}
        errors = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            day, kind = _entered(form)
            if day is None or kind is None:
                continue
            if year and day.year != year:
                errors.append(f"{_day(day)}不在 {year} 年度之内。")
            if kind == OfficialDay.Kind.WORKDAY and day.weekday() < 5:
                errors.append(
                    f"调休上班日{_day(day)}不是周六或周日：工作日本来就上班，无需录入为调休上班日。"
                )
            if day in kinds:
                if kinds[day] == kind:
                    errors.append(f"{_day(day)}填写了两次，请删去重复的一行。")
                else:
                    errors.append(f"{_day(day)}不能既是放假日又是调休上班日，请按通知核对。")
            kinds.setdefault(day, kind)
        if errors:
            raise ValidationError(errors)
        super().clean()
