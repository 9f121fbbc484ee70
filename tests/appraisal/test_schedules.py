"""Working days in a year whose State Council notice is not yet known (2027, seen from December
2026): the law's holidays are counted, each day by its own year's basis; the admin's entry of
the notice replaces the estimate everywhere, and nothing is cut short meanwhile."""

import datetime
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from appraisal.documents import review_context
from appraisal.models import Case, CaseState, HolidayCalendarYear, OfficialDay, Seat
from appraisal.panel.invitations import lapse_overdue
from appraisal.panel.schedules import recount_reply_deadlines
from appraisal.rereview.services import close_lapsed_windows
from appraisal.review import read as review_read
from appraisal.workflow.deadlines import next_deadline
from appraisal.workflow.statutory import statutory_holidays
from appraisal.workflow.workdays import (
    Basis,
    Calendar,
    add_weekdays,
    count_working_days,
    missing_schedules,
)
from portal.models import Notification
from tests import factories
from tests.appraisal.rereview_world import decided_case

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=12):
    return datetime.datetime(y, m, d, hour, tzinfo=TZ)


def count(start, n):
    return count_working_days(start, n, Calendar())


# The State Council's notice for 2027 as it might read: New Year's Day off; 除夕 5 February to
# Thursday 11 February off; Sunday 31 January and Saturday 20 February worked instead.
NOTICE_2027 = {
    date(2027, 1, 1): ("holiday", "元旦"),
    date(2027, 1, 31): ("workday", "春节"),
    **{date(2027, 2, d): ("holiday", "春节") for d in (5, 8, 9, 10, 11)},
    date(2027, 2, 20): ("workday", "春节"),
}


def enter_notice(admin=None):
    year = HolidayCalendarYear.objects.create(year=2027, notice="国办发明电〔2026〕×号")
    for day, (kind, name) in NOTICE_2027.items():
        OfficialDay.objects.create(calendar=year, date=day, kind=kind, name=name)
    return year


def admin_post(client, data_days, *, year="2027", url="/admin/appraisal/holidaycalendaryear/add/"):
    data = {
        "year": year,
        "notice": "国办发明电〔2026〕×号",
        "days-TOTAL_FORMS": str(len(data_days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, (day, kind) in enumerate(data_days):
        data[f"days-{i}-date"] = day
        data[f"days-{i}-kind"] = kind
        data[f"days-{i}-name"] = "春节"
    return client.post(url, data)


@pytest.fixture
def admin_client(client, jurisdictions):
    admin = factories.user("admin", is_staff=True, is_superuser=True)
    factories.login(client, admin)
    return client


# ---- the law's days ---------------------------------------------------------------------------
def test_the_law_fixes_thirteen_days_in_2027():
    days = statutory_holidays(2027)
    assert sorted(days) == [
        date(2027, 1, 1),
        *(date(2027, 2, d) for d in (5, 6, 7, 8)),  # 除夕 and 初一 to 初三
        date(2027, 4, 5),
        date(2027, 5, 1),
        date(2027, 5, 2),
        date(2027, 6, 9),
        date(2027, 9, 15),
        *(date(2027, 10, d) for d in (1, 2, 3)),
    ]
    assert days[date(2027, 2, 5)] == "农历除夕" and days[date(2027, 9, 15)] == "中秋节"
    # The package's estimate of the notice (补假 for the weekend days) is not taken.
    assert date(2027, 2, 9) not in days and date(2027, 5, 3) not in days


def test_a_festival_on_national_day_is_one_day_with_both_names():
    days = statutory_holidays(2031)  # 中秋节 falls on 1 October
    assert days[date(2031, 10, 1)] == "中秋节、国庆节" and len(days) == 12


def test_beyond_the_lunar_tables_only_weekends_are_counted():
    with pytest.raises(NotImplementedError):
        statutory_holidays(2101)
    assert count(date(2101, 1, 3), 2) == (date(2101, 1, 5), Basis.WEEKENDS)


# ---- spans into 2027, before the notice is entered --------------------------------------------
def test_twenty_days_from_15_december_skip_new_years_day():
    # 16–31 December: 12 working days (2026, official); 1 January off by law; 4–13 January: 8.
    assert count(date(2026, 12, 15), 20) == (date(2027, 1, 13), Basis.STATUTORY)
    assert add_weekdays(date(2026, 12, 15), 20) == date(2027, 1, 12)  # what was shown before


def test_through_the_spring_festival():
    # 除夕 Friday 5 February to 初三 Monday 8 February off.
    assert count(date(2027, 2, 4), 2) == (date(2027, 2, 10), Basis.STATUTORY)  # 9, 10
    assert count(date(2027, 2, 3), 5) == (date(2027, 2, 12), Basis.STATUTORY)  # 4, 9–12
    assert add_weekdays(date(2027, 2, 4), 2) == date(2027, 2, 8)  # before: on a festival day


def test_seventy_days_from_20_september_count_2026_exactly():
    """The 2026 part by the official schedule (中秋 25 September, 1–7 October off, Saturday
    10 October worked), the 2027 part by the law: 69 working days to 31 December, then
    1 January off: Monday 4 January. Counted weekends-only from the start, it was 25 December."""
    assert count(date(2026, 9, 20), 69) == (date(2026, 12, 31), Basis.OFFICIAL)
    assert count(date(2026, 9, 20), 70) == (date(2027, 1, 4), Basis.STATUTORY)
    assert add_weekdays(date(2026, 9, 20), 70) == date(2026, 12, 25)


# ---- the same spans once the notice is entered ------------------------------------------------
def test_the_entered_notice_decides_2027():
    enter_notice()
    assert count(date(2026, 12, 15), 20) == (date(2027, 1, 13), Basis.ENTERED)
    assert count(date(2026, 9, 20), 70) == (date(2027, 1, 4), Basis.ENTERED)
    # 5 and 8–11 February off: the notice's days make these later than the law's alone.
    assert count(date(2027, 2, 4), 2) == (date(2027, 2, 15), Basis.ENTERED)  # 12, 15
    assert count(date(2027, 2, 3), 5) == (date(2027, 2, 17), Basis.ENTERED)  # 4, 12, 15–17
    # Sunday 31 January is worked: 29, 31 January, 1–3 February (the law alone: 4 February).
    assert count(date(2027, 1, 28), 5) == (date(2027, 2, 3), Basis.ENTERED)


def test_a_deadline_is_counted_when_shown_and_follows_the_entry(applicant, clerk, project_a):
    """The time limits of a case are counted from the day their clock started each time they
    are shown: nothing stored to recount, the entry changes them at once."""
    case = factories.accepted_case(applicant, clerk, projects=[project_a])
    Case.objects.filter(pk=case.pk).update(accepted_at=at(2027, 2, 3))
    case = Case.objects.get(pk=case.pk)
    before = next_deadline(case, today=date(2027, 2, 3))
    # 20 working days: 4, 9–12 February (5), 15 February to 5 March (20).
    assert (before.code, before.due, before.basis, before.exact) == (
        "opinion",
        date(2027, 3, 5),
        Basis.STATUTORY,
        False,
    )
    assert before.basis_label == "按法定节假日计算，调休上班日尚未公布"
    enter_notice()
    after = next_deadline(Case.objects.get(pk=case.pk), today=date(2027, 2, 3))
    # 4, 12, 15–19, Saturday 20 (worked), 22–26, 1–5 March = 18; 8, 9 March.
    assert (after.due, after.basis, after.exact) == (date(2027, 3, 9), Basis.ENTERED, True)


# ---- the admin's entry ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "days, message",
    [
        (
            [("2027-02-13", "holiday"), ("2027-02-13", "workday")],
            "2027年2月13日（星期六）不能既是放假日又是调休上班日",
        ),
        (
            [("2027-02-08", "holiday"), ("2027-02-08", "holiday")],
            "2027年2月8日（星期一）填写了两次",
        ),
        ([("2027-02-10", "workday")], "调休上班日2027年2月10日（星期三）不是周六或周日"),
        ([("2028-01-03", "holiday")], "2028年1月3日（星期一）不在 2027 年度之内"),
    ],
)
def test_a_slip_in_the_entry_is_refused_whole(admin_client, days, message):
    response = admin_post(admin_client, [("2027-01-01", "holiday"), *days])
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HolidayCalendarYear.objects.exists() and not OfficialDay.objects.exists()


def test_a_slip_in_changing_an_entry_changes_nothing(admin_client):
    year = enter_notice()
    url = f"/admin/appraisal/holidaycalendaryear/{year.pk}/change/"
    rows = list(year.days.order_by("date"))
    data = {
        "year": "2027",
        "notice": "更正",
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": str(len(rows)),
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update(
            {
                f"days-{i}-id": str(row.pk),
                f"days-{i}-calendar": str(year.pk),
                f"days-{i}-date": row.date.isoformat(),
                f"days-{i}-kind": row.kind,
                f"days-{i}-name": row.name,
            }
        )
    data["days-1-date"] = "2027-02-05"  # Sunday 31 January moved onto a holiday
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "2027年2月5日（星期五）不能既是放假日又是调休上班日" in response.content.decode()
    year.refresh_from_db()
    assert year.notice == "国办发明电〔2026〕×号"
    assert {d.date: (d.kind, d.name) for d in year.days.all()} == NOTICE_2027


@pytest.fixture
def invited_on_4_february(applicant, clerk, project_a, pool):
    """A panel invited on Thursday 4 February 2027, its replies counted as the timer would."""
    case = factories.accepted_case(applicant, clerk, projects=[factories.same_as(project_a)])
    draw = factories.draw(clerk, case, subjects=["mathematics"])
    Seat.objects.filter(draw=draw).update(invited_at=at(2027, 2, 4, 9))
    recount_reply_deadlines()
    return Case.objects.get(pk=case.pk)


def test_entering_the_notice_recounts_open_invitations(admin_client, invited_on_4_february):
    seats = Seat.objects.filter(round__case=invited_on_4_february)
    end_of = lambda d: datetime.datetime.combine(d, datetime.time(23, 59, 59), tzinfo=TZ)  # noqa: E731
    assert {(s.reply_by, s.reply_by_basis) for s in seats} == {
        (end_of(date(2027, 2, 10)), Basis.STATUTORY)
    }
    response = admin_post(admin_client, [(d.isoformat(), k) for d, (k, _) in NOTICE_2027.items()])
    assert response.status_code == 302, response.content.decode()[:2000]
    assert {(s.reply_by, s.reply_by_basis) for s in seats.all()} == {
        (end_of(date(2027, 2, 15)), Basis.ENTERED)
    }
    for seat in seats.select_related("expert__user"):
        told = Notification.objects.filter(
            recipient=seat.expert.user, subject__startswith="鉴定邀请答复期限已调整"
        ).latest("pk")
        assert "2027年02月15日 23:59" in told.body and "按管理员录入的放假安排计算" in told.body
    assert recount_reply_deadlines(years=[2027]) == 0  # nothing moves twice


# ---- the daily timer cuts nothing short -------------------------------------------------------
def test_no_invitation_lapses_on_a_deadline_not_yet_final(invited_on_4_february):
    seats = Seat.objects.filter(round__case=invited_on_4_february)
    invited = list(seats.values_list("pk", flat=True))
    # Tuesday 9 February: weekends-only counting had ended the reply on Monday 8, a festival.
    assert lapse_overdue(now=at(2027, 2, 9)) == 0
    # Past the law's estimate (10 February), the notice still unknown: held, still answerable.
    assert lapse_overdue(now=at(2027, 2, 12)) == 0
    seat = seats.first()
    assert seat.status == Seat.Status.INVITED and not seat.is_overdue(at(2027, 2, 12))
    enter_notice()
    recount_reply_deadlines(years=[2027])
    assert lapse_overdue(now=at(2027, 2, 15, 23)) == 0  # the notice's last day
    assert lapse_overdue(now=at(2027, 2, 16, 1)) == len(invited)
    assert set(Seat.objects.filter(pk__in=invited).values_list("status", flat=True)) == {
        Seat.Status.LAPSED
    }


def test_no_re_review_window_closes_before_its_final_day(applicant, clerk, project_a, pool):
    case = decided_case(
        applicant, clerk, projects=[factories.same_as(project_a)], at=at(2027, 2, 5)
    )
    # 15 working days on the law's days: 1 March (weekends only it was 26 February).
    assert case.rereview_window_ends() == (date(2027, 3, 1), Basis.STATUTORY)
    assert close_lapsed_windows(today=date(2027, 2, 27)) == []
    assert close_lapsed_windows(today=date(2027, 3, 2)) == []  # held until the notice is known
    assert Case.objects.get(pk=case.pk).rereview_window_open(today=date(2027, 3, 2))
    assert Case.objects.get(pk=case.pk).state == CaseState.DECIDED
    enter_notice()
    case = Case.objects.get(pk=case.pk)
    # 8–11 February off, Saturday 20 February worked: the 15th day is Wednesday 3 March, two
    # days after the law's estimate.
    assert case.rereview_window_ends() == (date(2027, 3, 3), Basis.ENTERED)
    assert not case.rereview_window_passed(today=date(2027, 3, 3))
    assert case.rereview_window_passed(today=date(2027, 3, 4))


def test_daily_recounts_a_deadline_counted_on_weekends_only(applicant, clerk, project_a, pool):
    """An invitation stored before the law's days were counted (weekends only) is counted again
    by the daily timer: from Wednesday 30 December, Thursday 31 and Monday 4 January."""
    from django.core.management import call_command

    case = factories.accepted_case(applicant, clerk, projects=[factories.same_as(project_a)])
    draw = factories.draw(clerk, case, subjects=["mathematics"])
    stored = datetime.datetime(2027, 1, 1, 23, 59, 59, tzinfo=TZ)
    Seat.objects.filter(draw=draw).update(
        invited_at=at(2026, 12, 30), reply_by=stored, reply_by_basis=Basis.WEEKENDS
    )
    call_command("daily", stdout=open("/dev/null", "w"))  # noqa: SIM115
    seat = Seat.objects.filter(draw=draw).first()
    assert seat.reply_by == datetime.datetime(2027, 1, 4, 23, 59, 59, tzinfo=TZ)
    assert seat.reply_by_basis == Basis.STATUTORY


def test_the_opinion_states_a_window_not_yet_final(applicant, clerk, project_a, pool):
    case = decided_case(
        applicant, clerk, projects=[factories.same_as(project_a)], at=at(2027, 2, 5)
    )
    round = case.rounds.get(number=1)
    standing = review_context.opinion_context(
        round, round.decision, review_read.accepted_seats(round)
    )["standing"]
    assert (
        "可于 2027年3月1日 前（该日期按法定节假日计算，当年放假安排公布后以按其计算的日期为准）"
        in standing
    )
    enter_notice()
    case = Case.objects.get(pk=case.pk)
    round = case.rounds.get(number=1)
    standing = review_context.opinion_context(
        round, round.decision, review_read.accepted_seats(round)
    )["standing"]
    assert "可于 2027年3月3日 前向" in standing


# ---- what the pages say -----------------------------------------------------------------------
def test_missing_schedules_from_november_of_the_year_before():
    assert missing_schedules(date(2026, 10, 31)) == []
    assert missing_schedules(date(2026, 11, 1)) == [2027]
    assert missing_schedules(date(2027, 3, 1)) == [2027]  # still not entered in its own year
    enter_notice()
    assert missing_schedules(date(2026, 12, 3)) == []
    assert missing_schedules(date(2027, 11, 1)) == [2028]


def test_home_pages_say_the_next_years_schedule_is_missing(
    client, clerk, prefecture_clerk, applicant
):
    """The pages follow the machine's clock (December 2026 as this is written: 2027's notice is
    due and not entered), so the years are asked of ``missing_schedules`` tested above."""
    years = missing_schedules()
    if not years:
        pytest.skip("the installed calendar covers this year and the next")
    admin = factories.user("admin", is_staff=True, is_superuser=True)
    for user in (clerk, prefecture_clerk, admin):
        factories.login(client, user)
        page = client.get("/").content.decode()
        assert f"{years[-1]}年的节假日安排尚未录入" in page, user.role
    assert "法定节假日安排（年度）" in page and "/admin/appraisal/holidaycalendaryear/add/" in page
    factories.login(client, applicant)
    assert "节假日安排尚未录入" not in client.get("/").content.decode()
    for year in years:
        HolidayCalendarYear.objects.create(year=year, notice="国办发明电")
    for user in (clerk, prefecture_clerk, admin):
        factories.login(client, user)
        assert "节假日安排尚未录入" not in client.get("/").content.decode()


def test_pages_say_on_what_basis_the_deadlines_were_counted(client, applicant, clerk, project_a):
    case = factories.accepted_case(applicant, clerk, projects=[project_a])
    Case.objects.filter(pk=case.pk).update(accepted_at=at(2027, 2, 3))
    factories.login(client, clerk)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "2027年3月5日" in page and "（按法定节假日计算，调休上班日尚未公布）" in page
    enter_notice()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "2027年3月9日" in page and "（按管理员录入的放假安排计算）" in page
