"""Chinese working days (docs/domain.md §工作日): statutory holidays and make-up working days respected.

Each day is judged by the source that knows its year, in this order: the official schedule the
admin entered for the year (``HolidayCalendarYear`` with its ``OfficialDay`` rows, the State
Council's notice as published), then ``chinesecalendar``, which knows the notices of the years it
was released for, then the holidays the law fixes every year (``statutory.py``) with weekends,
for a year whose notice is not yet out: its make-up working days (调休) are not known, and
neither are the days the notice adds to the law's. Beyond what the law's days can be computed
for, weekends only. A count says on which basis it was made: the weakest of the years it crossed,
so a span across a year boundary counts the known part exactly.
"""

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar
from django.db import models
from django.utils import timezone

from appraisal.workflow.statutory import statutory_holidays


class Basis(models.TextChoices):
    """On what a count of working days was made, from the most to the least certain; the label
    is what the pages show next to the date."""

    OFFICIAL = "official", "按国务院办公厅公布的放假安排计算"
    ENTERED = "entered", "按管理员录入的放假安排计算"
    STATUTORY = "statutory", "按法定节假日计算，调休上班日尚未公布"
    WEEKENDS = "weekends", "节假日数据未覆盖该年份，仅按周末计算"

    @property
    def published(self) -> bool:
        """Counted on the State Council's notice (bundled or entered): the date is final."""
        return self in (Basis.OFFICIAL, Basis.ENTERED)

    @property
    def document_note(self) -> str:
        """What a notice printing a date not yet final says of it (empty for a final one)."""
        if self.published:
            return ""
        counted = "按法定节假日计算" if self == Basis.STATUTORY else "仅按周末计算"
        return f"该日期{counted}，当年放假安排公布后以按其计算的日期为准"


_ORDER = list(Basis)


def weakest(*bases: Basis) -> Basis:
    return max(bases, key=_ORDER.index)


class Counted(NamedTuple):
    """A day counted ``n`` working days on, and the basis it was counted on."""

    due: date
    basis: Basis

    @property
    def exact(self) -> bool:
        return self.basis.published


@lru_cache(maxsize=8192)
def _statutory_workday(day: date) -> bool:
    """chinesecalendar's answer, remembered: its data are fixed for the installed release, and
    each of its calls scans its whole table to check the year is covered (about 15 µs), which a
    page counting the deadlines of a prefecture's open cases would pay tens of thousands of times."""
    return chinese_calendar.is_workday(day)


@lru_cache(maxsize=256)
def _bundled_basis(year: int) -> Basis:
    """What the installed libraries know of ``year``, without the admin's entries."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
        return Basis.OFFICIAL
    except NotImplementedError:
        pass
    try:
        statutory_holidays(year)
        return Basis.STATUTORY
    except NotImplementedError:
        return Basis.WEEKENDS


# Where the admin's schedules come from: {year: {day: works?}}. The models register the database's
# (``models.calendar``), so that this module stays free of the models above it.
ENTERED_SCHEDULES = [dict]


def read_entered_schedules_with(loader) -> None:
    ENTERED_SCHEDULES[0] = loader


class Calendar:
    """The working days as far as the sources know them; the admin's years are read once."""

    def __init__(self, entered=None):
        """``entered``: a function returning the admin's schedules, {year: {day: works?}};
        by default the one the models registered (the database's)."""
        self._load_entered = entered or ENTERED_SCHEDULES[0]
        self._years: dict[int, dict[date, bool]] | None = None
        self._counted: dict[tuple[date, int], Counted] = {}

    def _entered(self, year: int) -> dict[date, bool] | None:
        """The admin's schedule of ``year`` (day → works?), or None when not entered. Every
        entered year is read on first use, in one query for the years and one for their days."""
        if self._years is None:
            self._years = self._load_entered()
        return self._years.get(year)

    def basis_of(self, year: int) -> Basis:
        if self._entered(year) is not None:
            return Basis.ENTERED
        return _bundled_basis(year)

    def covers(self, year: int) -> bool:
        """The year's official schedule is known (bundled or entered)."""
        return self.basis_of(year).published

    def works(self, day: date) -> bool:
        """Whether ``day`` is a working day, on its year's basis."""
        entered = self._entered(day.year)
        if entered is not None:
            return entered.get(day, day.weekday() < 5)
        basis = _bundled_basis(day.year)
        if basis == Basis.OFFICIAL:
            return _statutory_workday(day)
        if basis == Basis.STATUTORY and day in statutory_holidays(day.year):
            return False
        return day.weekday() < 5

    def is_working_day(self, day: date) -> bool:
        """Raises NotImplementedError for a year whose official schedule is not known."""
        if not self.covers(day.year):
            raise NotImplementedError(f"no official holiday schedule for {day.year}")
        return self.works(day)

    def count(self, start: date, n: int) -> Counted:
        """The day ``n`` working days after ``start`` (``start`` itself not counted), each day
        judged by its own year, with the weakest basis of the years crossed."""
        if n < 0:
            raise ValueError("n must not be negative")
        key = (start, n)
        if key not in self._counted:  # many cases of a list start their clock on the same day
            self._counted[key] = self._count(start, n)
        return self._counted[key]

    def _count(self, start: date, n: int) -> Counted:
        if n == 0:
            return Counted(start, self.basis_of(start.year))
        day, counted, year, basis = start, 0, None, Basis.OFFICIAL
        while counted < n:
            day += timedelta(days=1)
            if day.year != year:
                year = day.year
                basis = weakest(basis, self.basis_of(year))
            if self.works(day):
                counted += 1
        return Counted(day, basis)

    def add(self, start: date, n: int) -> date:
        """Raises NotImplementedError when the span reaches a year whose schedule is unknown."""
        counted = self.count(start, n)
        if not counted.exact:
            raise NotImplementedError("no official holiday schedule for the span")
        return counted.due


def is_working_day(day: date) -> bool:
    """Raises NotImplementedError for a year whose official schedule is not known."""
    return Calendar().is_working_day(day)


def add_working_days(start: date, n: int, calendar: Calendar | None = None) -> date:
    """The day ``n`` working days after ``start`` on the official schedules; raises
    NotImplementedError when the span reaches a year they do not cover."""
    return (calendar or Calendar()).add(start, n)


def count_working_days(start: date, n: int, calendar: Calendar | None = None) -> Counted:
    """The day ``n`` working days after ``start``, on the best basis known for each year."""
    return (calendar or Calendar()).count(start, n)


def add_weekdays(start: date, n: int) -> date:
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def add_working_days_or_weekdays(
    start: date, n: int, calendar: Calendar | None = None
) -> tuple[date, bool]:
    """(the day, True) on the official schedules; (the day, False) when the span reaches a year
    whose notice is not known, counted there on the law's holidays and weekends (or weekends
    only): the caller shows that the date is not final. ``count_working_days`` says the basis."""
    due, basis = count_working_days(start, n, calendar)
    return due, Basis(basis).published


def missing_schedules(today: date | None = None, calendar: Calendar | None = None) -> list[int]:
    """The years whose official schedule is needed and not known: this year, and from
    1 November the next (the State Council publishes it late in the year before)."""
    today = today or timezone.localdate()
    calendar = calendar or Calendar()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [y for y in years if not calendar.covers(y)]
