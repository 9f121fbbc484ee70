"""Chinese working days: holidays and make-up days respected; a visible fallback beyond the
calendar's years."""

from datetime import date

import pytest

from appraisal.workdays import add_working_days, add_working_days_or_weekdays


def test_national_day_holiday_is_skipped():
    # 2025-09-30 (Tue): 1–8 October are holidays; Saturday 11 October is a make-up working day.
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)


def test_ordinary_week():
    assert add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)  # Fri → Tue
    assert add_working_days(date(2026, 11, 23), 0) == date(2026, 11, 23)


def test_uncovered_year_raises_and_fallback_says_so():
    with pytest.raises(NotImplementedError):
        add_working_days(date(2099, 1, 1), 2)
    day, exact = add_working_days_or_weekdays(date(2099, 1, 2), 2)  # a Friday
    assert (day, exact) == (date(2099, 1, 6), False)
    assert add_working_days_or_weekdays(date(2026, 11, 20), 2) == (date(2026, 11, 24), True)
