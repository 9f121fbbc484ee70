"""Each case's next time limit, who owes it, and the re-review window over holidays
(docs/domain.md §办理期限)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appraisal.models import Case, CaseState
from appraisal.rereview import services as svc
from appraisal.workflow.deadlines import next_deadline, with_deadlines
from appraisal.workflow.workdays import Basis
from common.errors import ServiceError
from tests import factories
from tests.appraisal.rereview_world import decided_case
from tests.appraisal.test_workdays import enter_2027

URUMQI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10):
    return datetime.datetime(y, m, d, hour, tzinfo=URUMQI)


@pytest.fixture
def case_decided_on(applicant, clerk, project_a, pool):
    def make(moment):
        return decided_case(applicant, clerk, projects=[factories.same_as(project_a)], at=moment)

    return make


def test_window_spans_national_day_and_its_make_up_days(case_decided_on):
    # Friday 26 September 2025: Sunday 28 September and Saturday 11 October are worked,
    # 1–8 October are off: the 15th working day is Thursday 23 October (weekends only: 17th).
    case = case_decided_on(at(2025, 9, 26))
    assert case.rereview_window_ends() == (datetime.date(2025, 10, 23), Basis.OFFICIAL)
    deadline = next_deadline(case, today=datetime.date(2025, 10, 23))
    assert (deadline.code, deadline.owner, deadline.due) == (
        "request",
        "institution",
        datetime.date(2025, 10, 23),
    )
    assert not deadline.overdue  # a lapsing window is not a fault


def test_window_in_a_year_the_admin_entered(case_decided_on):
    case = case_decided_on(at(2027, 2, 5))
    # The law's days only: 除夕 5 February to 初三 8 February off (6–7 a weekend anyway).
    assert case.rereview_window_ends() == (datetime.date(2027, 3, 1), Basis.STATUTORY)
    enter_2027()
    case = Case.objects.get(pk=case.pk)
    # Spring Festival week off, Saturday 13 February worked: the 15th day is 4 March.
    assert case.rereview_window_ends() == (datetime.date(2027, 3, 4), Basis.ENTERED)


def test_case_page_says_on_what_basis_the_deadline_was_counted(client, case_decided_on, applicant):
    case = case_decided_on(timezone.now())
    factories.login(client, applicant)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "申请复审" in page and "申请机构" in page
    past = case_decided_on(at(2026, 11, 2))  # 15 working days, all within 2026
    page = client.get(f"/cases/{past.pk}/").content.decode()
    assert "2026年11月23日" in page and "（按国务院办公厅公布的放假安排计算）" in page
    future = case_decided_on(at(2027, 3, 1))
    page = client.get(f"/cases/{future.pk}/").content.decode()
    assert "（按法定节假日计算，调休上班日尚未公布）" in page and "仅按周末计算" not in page


def test_request_on_the_window_boundary(case_decided_on, applicant, settings):
    """The earliest decision day whose window still includes today: a request is accepted; one
    day earlier, the window has passed and the request is refused with nothing changed."""
    from appraisal.workflow.workdays import add_working_days_or_weekdays

    today = timezone.localdate()
    n = settings.APPRAISAL_DAYS_TO_REQUEST_REREVIEW
    day = today
    while add_working_days_or_weekdays(day - datetime.timedelta(days=1), n)[0] >= today:
        day -= datetime.timedelta(days=1)
    noon = datetime.time(12, tzinfo=URUMQI)
    open_case = case_decided_on(datetime.datetime.combine(day, noon))
    svc.request_rereview(applicant, open_case.pk, reasons="理由", declared=True)
    assert Case.objects.get(pk=open_case.pk).state == CaseState.REREVIEW_REQUESTED
    closed = case_decided_on(datetime.datetime.combine(day - datetime.timedelta(days=1), noon))
    with pytest.raises(ServiceError) as err:
        svc.request_rereview(applicant, closed.pk, reasons="理由", declared=True)
    assert "已超过复审申请期限" in err.value.message
    assert Case.objects.get(pk=closed.pk).state == CaseState.DECIDED


def test_deadlines_by_state(applicant, clerk, project_a, pool):
    submitted = factories.submitted_case(applicant, projects=[factories.same_as(project_a)])
    deadline = next_deadline(submitted)
    assert (deadline.code, deadline.owner_label) == ("accept", "县（市）教育局")
    accepted = factories.accepted_case(applicant, clerk, projects=[factories.same_as(project_a)])
    assert next_deadline(accepted).code == "opinion"
    factories.draw(clerk, accepted, subjects=["mathematics"])
    deadline = next_deadline(Case.objects.get(pk=accepted.pk))
    assert (deadline.code, deadline.owner) == ("reply", "experts")
    late = next_deadline(submitted, today=timezone.localdate() + datetime.timedelta(days=30))
    assert late.overdue


def test_overdue_case_flagged_on_the_county_home(client, applicant, clerk, project_a):
    case = factories.submitted_case(applicant, projects=[factories.same_as(project_a)])
    Case.objects.filter(pk=case.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=20)
    )
    factories.login(client, clerk)
    page = client.get("/").content.decode()
    assert 'id="overdue"' in page and case.number in page and "已逾期" in page


def test_a_list_of_cases_gets_the_deadlines_each_case_gets_alone(
    case_decided_on, applicant, clerk, project_a
):

    decided = case_decided_on(at(2025, 9, 26))
    submitted = factories.submitted_case(applicant, projects=[factories.same_as(project_a)])
    accepted = factories.accepted_case(applicant, clerk, projects=[factories.same_as(project_a)])
    factories.draw(clerk, accepted, subjects=["mathematics"])
    ids = [decided.pk, submitted.pk, accepted.pk]
    today = datetime.date(2025, 10, 20)
    alone = {pk: next_deadline(Case.objects.get(pk=pk), today=today) for pk in ids}
    # From a queryset (the facts selected by subquery) and from a list (by ids).
    from_queryset = with_deadlines(Case.objects.filter(pk__in=ids), today=today)
    from_list = with_deadlines(list(Case.objects.filter(pk__in=ids)), today=today)
    for cases in (from_queryset, from_list):
        assert {c.pk: c.deadline for c in cases} == alone
    assert {d.code for d in alone.values()} == {"request", "accept", "reply"}
