"""The round a review command works on: the case row locked first, the round checked to be the
case's current one, and the caller's own seat on its panel.

Every command of the review (activities, sheets, opinion, decision) takes the round, so the
prefecture's re-review round runs on the same code; each locks the case row first, checks,
changes, logs, and (where the state changes) goes through ``run_transition``, all in one
transaction."""

from django.urls import reverse

from appraisal.models import Round, Seat
from appraisal.review.read import seat_of
from appraisal.workflow.transitions import lock_case
from common.errors import ServiceError


def case_url(case) -> str:
    return reverse("appraisal:case_detail", args=[case.pk])


def lock_round(round):
    """The case row locked, then the round (fresh), checked to be the case's current one."""
    round_id = round.pk if isinstance(round, Round) else round
    try:
        case_id = Round.objects.values_list("case_id", flat=True).get(pk=round_id)
    except (Round.DoesNotExist, ValueError, TypeError):
        raise ServiceError("鉴定轮次不存在。") from None
    case = lock_case(case_id)
    round = Round.objects.select_related("bureau").get(pk=round_id)
    if case.current_round.pk != round.pk:
        raise ServiceError("该轮次鉴定已结束，不能再办理。")
    return case, round


def own_seat(user, round) -> Seat:
    seat = seat_of(user, round)
    if seat is None:
        raise ServiceError("您不是本轮专家组成员（或未接受邀请），不能办理。")
    return seat
