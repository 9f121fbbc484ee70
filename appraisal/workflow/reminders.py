"""Reminders of time limits (docs/domain.md §办理期限), sent by the daily timer. Each has a key
naming the case, the limit and its day, so running the timer again sends nothing twice
(``notify(key=...)``)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from appraisal.models import Case, CaseState, Seat
from appraisal.workflow import deadlines
from appraisal.workflow.states import OPEN
from portal.notify import bureau_staff, institution_members, notify_from

# Remind this many calendar days ahead (and again once overdue).
SOON_DAYS = 2


def _owners(case, deadline):
    if deadline.owner == deadlines.COUNTY:
        return bureau_staff(case.bureau)
    if deadline.owner == deadlines.PREFECTURE:
        return bureau_staff(case.bureau.prefecture, "prefecture")
    if deadline.owner == deadlines.INSTITUTION:
        return institution_members(case.institution)
    return []  # the experts' replies are reminded seat by seat


def remind_invitations(today=None) -> int:
    """Experts whose invitation lapses today or tomorrow, not yet answered."""
    today = today or timezone.localdate()
    sent = 0
    seats = Seat.objects.filter(
        status=Seat.Status.INVITED, round__case__state=CaseState.PANEL_DRAWN
    ).select_related("expert__user", "round__case")
    for seat in seats:
        due = timezone.localtime(seat.reply_by).date()
        if not (today <= due <= today + timedelta(days=1)) or seat.expert.user is None:
            continue
        case = seat.round.case
        sent += len(
            notify_from(
                "invitation_reply_soon",
                [seat.expert.user],
                {"seat": seat},
                url=reverse("appraisal:invitation", args=[seat.pk]),
                case=case,
                key=f"reply-soon:{seat.pk}",
            )
        )
    return sent


def remind_deadlines(today=None) -> int:
    """The office owing a case's next step, when its limit is near and again once it passed."""
    today = today or timezone.localdate()
    sent = 0
    cases = Case.objects.filter(state__in=OPEN).select_related(
        "institution", "bureau", "bureau__parent"
    )
    for case in deadlines.with_deadlines(cases, today=today):
        deadline = case.deadline
        if deadline is None or deadline.owner == deadlines.EXPERTS:
            continue
        if deadline.overdue:
            stage = "overdue"
        elif 0 <= deadline.days_left <= SOON_DAYS:
            stage = "soon"
        else:
            continue
        sent += len(
            notify_from(
                "deadline_reminder",
                _owners(case, deadline),
                {"deadline": deadline, "overdue": deadline.overdue},
                url=reverse("appraisal:case_detail", args=[case.pk]),
                case=case,
                key=f"deadline-{stage}:{case.pk}:{deadline.code}:{deadline.due.isoformat()}",
            )
        )
    return sent
