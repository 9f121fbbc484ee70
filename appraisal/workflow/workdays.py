"""Chinese working days (docs/domain.md §工作日): statutory holidays and make-up working days
respected.

Two sources, in this order: the official schedule the admin entered for a year
(``HolidayCalendarYear`` with its ``OfficialDay`` rows, the State Council's notice as published),
then ``chinesecalendar``, which knows the notices of the years it was released for. For a year
known to neither, ``add_working_days`` raises NotImplementedError and callers fall back to
``add_working_days_or_weekdays``, which counts Monday to Friday and says so.
"""

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=8192)
def _statutory_workday(day: date) -> bool:
    """chinesecalendar's answer, remembered: its data are fixed for the installed release, and
    each of its calls scans its whole table to check the year is covered (about 15 µs), which a
    page counting the deadlines of a prefecture's open cases would pay tens of thousands of times."""
    return chinese_calendar.is_workday(day)


# Where the admin's schedules come from: {year: {day: works?}}. The models register the database's
# (``models.calendar``), so that this module stays free of the models above it.
ENTERED_SCHEDULES = [dict]


def read_entered_schedules_with(loader) -> None:
    ENTERED_SCHEDULES[0] = loader


class Calendar:
    """The working days as far as both sources know them; the admin's years are read once."""

    def __init__(self, entered=None):
        """``entered``: a function returning the admin's schedules, {year: {day: works?}};
        by default the one the models registered (the database's)."""
        self._load_entered = entered or ENTERED_SCHEDULES[0]
        self._years: dict[int, dict[date, bool]] | None = None
        self._added: dict[tuple[date, int], date] = {}

    def _entered(self, year: int) -> dict[date, bool] | None:
        """The admin's schedule of ``year`` (day → works?), or None when not entered. Every
        entered year is read on first use, in one query for the years and one for their days."""
        if self._years is None:
            self._years = self._load_entered()
        return self._years.get(year)

    def covers(self, year: int) -> bool:
        if self._entered(year) is not None:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: date) -> bool:
        """Raises NotImplementedError for a year neither source covers."""
        entered = self._entered(day.year)
        if entered is not None:
            return entered.get(day, day.weekday() < 5)
        return _statutory_workday(day)

    def add(self, start: date, n: int) -> date:
        if n < 0:
            raise ValueError("n must not be negative")
        key = (start, n)
        if key not in self._added:  # many cases of a list start their clock on the same day
            self._added[key] = self._add(start, n)
        return self._added[key]

    def _add(self, start: date, n: int) -> date:
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day


def is_working_day(day: date) -> bool:
    """Raises NotImplementedError for a year the calendars do not cover."""
    return Calendar().is_working_day(day)


def add_working_days(start: date, n: int, calendar: Calendar | None = None) -> date:
    """The day ``n`` working days after ``start`` (``start`` itself not counted)."""
    return (calendar or Calendar()).add(start, n)


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
    """(the day, True) from the holiday calendars; (the day, False) counting weekends only, when
    neither calendar covers the years involved: the caller shows that the date is approximate."""
    try:
        return add_working_days(start, n, calendar), True
    except NotImplementedError:
        return add_weekdays(start, n), False
