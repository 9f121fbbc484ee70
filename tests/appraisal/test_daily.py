"""The daily timer (``manage.py daily``): closes decided cases whose re-review window passed,
lapses invitations, sends reminders; a second run changes and sends nothing more."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from appraisal.models import Case, CaseLog, CaseState, Seat
from portal.models import Notification
from tests import factories
from tests.appraisal.rereview_world import decided_case


@pytest.fixture
def run_daily(django_capture_on_commit_callbacks):
    """The command, with the e-mails it schedules after commit actually sent."""

    def run():
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("daily", stdout=out)
        return out.getvalue()

    return run


@pytest.fixture
def lapsed_window(applicant, clerk, project_a, pool):
    return decided_case(
        applicant,
        clerk,
        projects=[factories.same_as(project_a)],
        at=timezone.now() - datetime.timedelta(days=40),
    )


def test_closes_cases_whose_window_passed_once(
    run_daily, lapsed_window, applicant, clerk, project_a
):
    fresh = decided_case(applicant, clerk, projects=[factories.same_as(project_a)])
    applicant.email = "staff@example.cn"
    applicant.save(update_fields=["email"])
    mail.outbox.clear()
    output = run_daily()
    assert "办结的案件：1 件" in output and lapsed_window.number in output
    case = Case.objects.get(pk=lapsed_window.pk)
    assert case.state == CaseState.CLOSED and case.closed_at
    log = CaseLog.objects.get(case=case, transition="close_after_window")
    assert (log.source, log.target, log.actor) == ("decided", "closed", None)
    assert Case.objects.get(pk=fresh.pk).state == CaseState.DECIDED  # still within its window
    told = Notification.objects.filter(recipient=applicant, subject__startswith="案件已办结")
    assert told.count() == 1
    sent = len(mail.outbox)
    assert sent >= 1 and any(applicant.email in m.to for m in mail.outbox)
    assert "办结的案件：0 件" in run_daily()
    assert CaseLog.objects.filter(case=case, transition="close_after_window").count() == 1
    assert told.count() == 1 and len(mail.outbox) == sent


def test_nobody_but_the_timer_closes_after_the_window(lapsed_window, applicant, clerk):
    from appraisal.workflow.transitions import run_transition
    from common.errors import ServiceError

    for user in (applicant, clerk):
        with pytest.raises(ServiceError):
            run_transition(lapsed_window.pk, user, "close_after_window")
    assert Case.objects.get(pk=lapsed_window.pk).state == CaseState.DECIDED


def test_reminders_for_a_lapsing_invitation_and_an_overdue_case(
    run_daily, applicant, clerk, project_a, pool
):
    case = factories.accepted_case(applicant, clerk, projects=[factories.same_as(project_a)])
    draw = factories.draw(clerk, case, subjects=["mathematics"])
    seat = draw.seats.select_related("expert__user").first()
    # Its reply is due tonight; the others in a week.
    tonight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59))
    )
    Seat.objects.filter(round__case=case).update(reply_by=tonight + datetime.timedelta(days=7))
    Seat.objects.filter(pk=seat.pk).update(reply_by=tonight)
    late = factories.submitted_case(applicant, projects=[factories.same_as(project_a)])
    Case.objects.filter(pk=late.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=20)
    )
    mail.outbox.clear()
    output = run_daily()
    assert "邀请答复提醒：1 条" in output
    reminder = Notification.objects.get(recipient=seat.expert.user, key=f"reply-soon:{seat.pk}")
    assert "即将逾期" in reminder.subject
    overdue = Notification.objects.get(recipient=clerk, subject__startswith="已逾期")
    assert late.number in overdue.subject and "受理" in overdue.subject
    sent = len(mail.outbox)
    assert [seat.expert.user.email] in [m.to for m in mail.outbox]
    count = Notification.objects.count()
    assert "邀请答复提醒：0 条；办理期限提醒：0 条" in run_daily()
    assert Notification.objects.count() == count and len(mail.outbox) == sent


def test_reminds_the_institution_before_its_window_ends(
    run_daily, applicant, clerk, project_a, pool
):
    from appraisal.workflow.workdays import add_working_days_or_weekdays

    # Decided so that the window ends within two days from today.
    today = timezone.localdate()
    day = today
    while add_working_days_or_weekdays(day, 15)[0] > today + datetime.timedelta(days=2):
        day -= datetime.timedelta(days=1)
    case = decided_case(
        applicant,
        clerk,
        projects=[factories.same_as(project_a)],
        at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
    )
    run_daily()
    note = Notification.objects.get(recipient=applicant, subject__startswith="即将到期")
    assert case.number in note.subject and "申请复审" in note.subject
