"""The State Council's official schedule of a year, as the admin enters it (docs/domain.md §工作日).

``chinesecalendar`` knows the years it was released for; each December the State Council publishes
the next year's holidays and make-up working days (调休上班), and the admin enters them here. A year
entered here takes precedence over the library; a year known to neither is counted weekends only,
and every deadline computed over it says so.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..workflow.workdays import Calendar, read_entered_schedules_with


class HolidayCalendarYear(models.Model):
    """国务院办公厅关于某年部分节假日安排的通知: one year's official schedule, complete once saved."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    notice = models.CharField(
        "依据",
        max_length=200,
        help_text="如：国办发明电〔2026〕×号《关于2027年部分节假日安排的通知》",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "法定节假日安排（年度）"
        verbose_name_plural = verbose_name
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}年节假日安排"


class OfficialDay(models.Model):
    """One day of the schedule that differs from an ordinary week: a holiday on a weekday, or a
    weekend day worked to make up for one."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    calendar = models.ForeignKey(
        HolidayCalendarYear, verbose_name="年度安排", on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    name = models.CharField("节日", max_length=30, blank=True, help_text="如：国庆节")

    class Meta:
        verbose_name = "节假日或调休日"
        verbose_name_plural = verbose_name
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}"

    def clean(self):
        if self.date and self.calendar_id and self.date.year != self.calendar.year:
            raise ValidationError({"date": "日期须在该年度之内。"})


def entered_schedules() -> dict:
    """The admin's schedules, {year: {day: works?}}: one query for the years, one for their days."""
    years = {y: {} for y in HolidayCalendarYear.objects.values_list("year", flat=True)}
    if years:
        rows = OfficialDay.objects.values_list("calendar__year", "date", "kind")
        for y, day, kind in rows:
            years[y][day] = kind == OfficialDay.Kind.WORKDAY
    return years


def working_calendar() -> Calendar:
    """The working days as the official sources and the admin's entries know them."""
    return Calendar(entered_schedules)


read_entered_schedules_with(entered_schedules)
