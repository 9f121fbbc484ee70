"""What the pages read of a round's review: its accepted members, the user's own seat, the state
of the records, sheets, opinion and decision, and what waits on an expert."""

from collections import Counter

from django.urls import reverse

from appraisal.models import CaseState, Decision, Opinion, ReviewSheet, Seat, Signature


def accepted_seats(round):
    """The round's members: the seats accepted, in their order, with their experts and users."""
    return list(
        round.seats.filter(status=Seat.Status.ACCEPTED)
        .select_related("expert", "expert__user")
        .order_by("position", "id")
    )


def seat_of(user, round) -> Seat | None:
    """The user's accepted seat on this round's panel, if any."""
    if not (user.is_authenticated and user.role == "expert"):
        return None
    return (
        round.seats.filter(expert__user_id=user.pk, status=Seat.Status.ACCEPTED)
        .select_related("expert")
        .first()
    )


def review_state(round) -> dict:
    """For the case page: the round's activities, sheets' states, opinion, signatures, decision."""
    seats = accepted_seats(round)
    sheets = {s.seat_id: s for s in ReviewSheet.objects.filter(round=round)}
    opinion = Opinion.objects.filter(round=round).select_related("leader__expert").first()
    signatures = []
    if opinion is not None:
        for sig in opinion.signatures.select_related("seat__expert").order_by("signed_at", "id"):
            signatures.append({"signature": sig, "valid": sig.is_valid_for(opinion)})
    return {
        "round": round,
        "activities": list(round.activities.prefetch_related("files").order_by("date", "id")),
        "members": [{"seat": s, "sheet": sheets.get(s.pk)} for s in seats],
        "opinion": opinion,
        "signatures": signatures,
        "decision": Decision.objects.filter(round=round).select_related("document").first(),
    }


def expert_todo(seats) -> dict[int, tuple[str, str]]:
    """What waits on an expert, per accepted seat whose round is under review: fill in the sheet,
    draft the opinion (the leader, once every sheet is in), or sign its current revision. Seat id
    → (what, the page's URL). No query when no case of the expert's is under review, four when."""
    seats = [
        s
        for s in seats
        if s.status == Seat.Status.ACCEPTED and s.round.case.state == CaseState.IN_REVIEW
    ]
    if not seats:
        return {}
    rounds = {s.round_id for s in seats}
    # A county seat on a case the prefecture now re-reviews needs no exception: its round was
    # decided, so its sheet is in and the final revision carries its signature.
    opinions = {o.round_id: o for o in Opinion.objects.filter(round__in=rounds)}
    members = Counter(
        Seat.objects.filter(round__in=rounds, status=Seat.Status.ACCEPTED).values_list(
            "round_id", flat=True
        )
    )
    submitted = list(
        ReviewSheet.objects.filter(
            round__in=rounds, submitted_at__isnull=False, seat__status=Seat.Status.ACCEPTED
        ).values_list("round_id", "seat_id")
    )
    sheets_in = Counter(round_id for round_id, _ in submitted)
    done = {seat_id for _, seat_id in submitted}
    signed = set(
        Signature.objects.filter(seat__in=seats).values_list("seat_id", "opinion_id", "revision")
    )
    todo = {}
    for seat in seats:
        opinion = opinions.get(seat.round_id)
        if seat.pk not in done:
            todo[seat.pk] = ("填写评分表", reverse("appraisal:sheet", args=[seat.round_id]))
        elif opinion is not None and opinion.is_drafted:
            if (seat.pk, opinion.pk, opinion.revision) not in signed:
                todo[seat.pk] = (
                    f"核对并签署鉴定意见（第{opinion.revision}版）",
                    reverse("appraisal:opinion_sign", args=[seat.round_id]),
                )
        elif (
            opinion is not None
            and opinion.leader_id == seat.pk
            and sheets_in[seat.round_id] == members[seat.round_id]
        ):
            todo[seat.pk] = (
                "起草鉴定意见",
                reverse("appraisal:opinion_edit", args=[seat.round_id]),
            )
    return todo
