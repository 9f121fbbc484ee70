"""Chinese working days: holidays and make-up days respected; a visible fallback beyond the
calendar's years."""

from datetime import date

import pytest

from appraisal.workflow.workdays import add_working_days, add_working_days_or_weekdays

# The admin's schedule is read from the database before the bundled calendar.
pytestmark = pytest.mark.django_db


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


# ---- the admin's official schedule takes precedence -------------------------------------------
def enter_2027(db_user=None):
    """The 2027 Spring Festival as a State Council notice would publish it (a year the bundled
    calendar does not know): 6–12 February off, Saturday 13 February worked."""
    from appraisal.models import HolidayCalendarYear, OfficialDay

    year = HolidayCalendarYear.objects.create(year=2027, notice="国办发明电〔2026〕×号")
    for day in range(8, 13):  # Mon 8 – Fri 12 February (6–7 are a weekend anyway)
        OfficialDay.objects.create(
            calendar=year, date=date(2027, 2, day), kind="holiday", name="春节"
        )
    OfficialDay.objects.create(calendar=year, date=date(2027, 2, 13), kind="workday", name="春节")
    OfficialDay.objects.create(calendar=year, date=date(2027, 1, 1), kind="holiday", name="元旦")
    return year


def test_an_entered_year_is_counted_by_its_schedule():
    with pytest.raises(NotImplementedError):
        add_working_days(date(2027, 2, 5), 1)
    enter_2027()
    # Fri 5 February → the holiday week is skipped → Saturday 13 February is worked.
    assert add_working_days_or_weekdays(date(2027, 2, 5), 1) == (date(2027, 2, 13), True)
    assert add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 15)


def test_a_deadline_from_late_december_into_an_entered_year():
    # Thu 24 December 2026 + 5: 25, 28, 29, 30, 31 December → 31 December (2026 from the library).
    assert add_working_days_or_weekdays(date(2026, 12, 24), 5) == (date(2026, 12, 31), True)
    # + 6 reaches into 2027: its notice unknown, the law's New Year's Day is skipped all the same
    # (flagged as not final) until the admin enters the year.
    assert add_working_days_or_weekdays(date(2026, 12, 24), 6) == (date(2027, 1, 4), False)
    enter_2027()
    assert add_working_days_or_weekdays(date(2026, 12, 24), 6) == (date(2027, 1, 4), True)


def test_an_entered_year_overrides_the_library():
    """An entry for a year the library covers wins (a correction the State Council published)."""
    from appraisal.models import HolidayCalendarYear, OfficialDay

    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)
    year = HolidayCalendarYear.objects.create(year=2026, notice="更正")
    OfficialDay.objects.create(calendar=year, date=date(2026, 11, 23), kind="holiday")
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 24)


def test_the_admin_enters_a_year_in_the_admin_site(client, jurisdictions):
    from tests import factories

    admin = factories.user("admin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    response = client.post(
        "/admin/appraisal/holidaycalendaryear/add/",
        {
            "year": "2027",
            "notice": "国办发明电〔2026〕×号",
            "days-TOTAL_FORMS": "2",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-02-12",
            "days-0-kind": "holiday",
            "days-0-name": "春节",
            "days-1-date": "2027-02-13",
            "days-1-kind": "workday",
            "days-1-name": "春节",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from appraisal.models import HolidayCalendarYear

    year = HolidayCalendarYear.objects.get(year=2027)
    assert year.entered_by == admin and year.days.count() == 2
    # Thu 11 February + 1: Friday is off, Saturday 13 is worked.
    assert add_working_days(date(2027, 2, 11), 1) == date(2027, 2, 13)
