"""Chinese working days (DOMAIN §2): statutory holidays and make-up working days respected.

The calendar comes from ``chinesecalendar``, which knows the State Council's yearly holiday
notice only for the years it was released for; beyond them ``add_working_days`` raises
NotImplementedError and callers fall back to ``add_working_days_or_weekdays``, which counts
Monday to Friday and says so.
"""

from datetime import date, timedelta

import chinese_calendar


def is_working_day(day: date) -> bool:
    """Raises NotImplementedError for a year the calendar does not cover."""
    return chinese_calendar.is_workday(day)


def add_working_days(start: date, n: int) -> date:
    """The day ``n`` working days after ``start`` (``start`` itself not counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def add_weekdays(start: date, n: int) -> date:
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            counted += 1
    return day


def add_working_days_or_weekdays(start: date, n: int) -> tuple[date, bool]:
    """(the day, True) from the holiday calendar; (the day, False) counting weekends only, when
    the calendar does not cover the years involved: the caller shows that the date is approximate."""
    try:
        return add_working_days(start, n), True
    except NotImplementedError:
        return add_weekdays(start, n), False
