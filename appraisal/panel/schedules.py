"""The State Council's holiday schedule of a year, once the admin has entered it (docs/domain.md §工作日).

Every time limit but one is counted when it is shown, from the day its clock started, so an
entered year changes them at once. The exception is an invitation's reply deadline, stored on its
seat (``Seat.reply_by``: the daily timer lapses invitations by it, and the expert was told it):
``recount_reply_deadlines`` counts the open ones again and tells each expert whose day moved.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisal.models import Seat
from appraisal.panel.draws import reply_deadline
from appraisal.workflow.transitions import lock_case
from appraisal.workflow.workdays import Basis, Calendar
from portal.notify import notify_from


def recount_reply_deadlines(*, years=None, provisional_only=False) -> int:
    """Count again the reply deadline of every invitation still unanswered (those whose span
    touches one of ``years``, or whose deadline is not final) on the calendar as it stands;
    returns how many moved. Idempotent."""
    seats = Seat.objects.filter(status=Seat.Status.INVITED)
    if provisional_only:
        seats = seats.exclude(reply_by_basis__in=[Basis.OFFICIAL, Basis.ENTERED])
    calendar = Calendar()
    moved = 0
    for seat_id, case_id, invited_at, reply_by in seats.values_list(
        "pk", "round__case_id", "invited_at", "reply_by"
    ):
        first = timezone.localtime(invited_at).year
        last = timezone.localtime(reply_by).year
        if years is not None and not any(first <= y <= last for y in years):
            continue
        with transaction.atomic():
            case = lock_case(case_id)  # the order every service locks in: the case, then the seat
            seat = Seat.objects.select_for_update().select_related("expert__user").get(pk=seat_id)
            if seat.status != Seat.Status.INVITED:
                continue
            due, basis = reply_deadline(seat.invited_at, calendar)
            if (due, basis) == (seat.reply_by, seat.reply_by_basis):
                continue
            changed_day = due != seat.reply_by
            seat.reply_by, seat.reply_by_basis = due, basis
            seat.save(update_fields=["reply_by", "reply_by_basis"])
            if changed_day:
                moved += 1
                _tell(seat, case)
    return moved


def _tell(seat, case):
    day = timezone.localtime(seat.reply_by)
    notify_from(
        "reply_deadline_moved",
        [seat.expert.user],
        {"day": day, "basis": Basis(seat.reply_by_basis)},
        url=reverse("appraisal:invitation", args=[seat.pk]),
        case=case,
        key=f"reply-by:{seat.pk}:{day:%Y%m%d}",
    )
