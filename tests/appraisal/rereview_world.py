"""Cases taken through a whole round by the real services, for the re-review's tests.

``review_round`` runs a round's review as its bureau and panel would: every member fills and
submits a sheet, the clerk names a leader, the leader drafts the opinion, every member signs, and
a clerk holding the seal stamps (the round's decision transition: ``decide`` for the county,
``close_after_rereview`` for the prefecture). ``decided_case`` does this for the county's round;
with ``at``, the decision is dated then (the stamp's time, which the re-review window counts
from), as if it had been taken that day.
"""

from django.contrib.auth.models import Permission
from django.core.management import call_command

from appraisal.models import Case, Decision, IndicatorSign, IndicatorTemplate, Round
from appraisal.panel import invitations
from appraisal.review import services as reviews
from tests import factories


def grant_stamp(user):
    user.user_permissions.add(Permission.objects.get(codename="stamp_decision"))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


def panel(clerk, case, subjects=None):
    """Draw the current round's panel (by default on all the case's subjects) and have every
    member accept."""
    draw = factories.draw(clerk, case, subjects=subjects)
    for seat in draw.seats.select_related("expert__user"):
        invitations.accept_invitation(
            seat.expert.user, seat.pk, confirmed=invitations.DECLARATION_KEYS
        )
    factories.opening_meeting(clerk, draw.round)
    return draw


def _ticks(template, category):
    picked = {}
    for sign in IndicatorSign.objects.filter(
        dimension__template=template, category=category
    ).order_by("dimension__order", "order"):
        picked.setdefault(sign.dimension_id, sign.pk)
    return list(picked.values())


def sign_round(clerk, case, *, vote="academic"):
    """The current round's review, from the sheets to the last signature; returns the round."""
    case = Case.objects.get(pk=case.pk)
    round = case.current_round
    if IndicatorTemplate.current() is None:  # emptied by a transactional test's flush
        call_command("loaddata", "fixtures/indicators.json", verbosity=0)
    template = IndicatorTemplate.current()
    seats = list(reviews.accepted_seats(round))
    for seat in seats:
        answers = {
            p.pk: {"ticked": _ticks(template, vote), "vote": vote, "reasons": "依据材料。"}
            for p in case.projects.all()
        }
        reviews.save_sheet(seat.expert.user, round, answers=answers)
        reviews.submit_sheet(seat.expert.user, round)
    reviews.set_leader(clerk, round, seats[0].pk)
    opinion = reviews.save_opinion(
        seats[0].expert.user, round, reasoning="专家组经书面审查，一致形成鉴定意见。"
    )
    for seat in seats:
        reviews.sign_opinion(
            seat.expert.user, round, reauth=factories.PASSWORD, content_hash=opinion.content_hash
        )
    return round


def review_round(clerk, case, *, vote="academic"):
    """The current round's review, from the sheets to the stamp; returns its Decision."""
    round = sign_round(clerk, case, vote=vote)
    return reviews.stamp_decision(grant_stamp(clerk), round, reauth=factories.PASSWORD)


def decided_case(applicant, clerk, *, projects=None, at=None, vote="academic"):
    case = factories.accepted_case(applicant, clerk, projects=projects)
    panel(clerk, case)
    decision = review_round(clerk, case, vote=vote)
    if at is not None:
        Decision.objects.filter(pk=decision.pk).update(stamped_at=at, decided_at=at)
    return Case.objects.get(pk=case.pk)


def first_round(case):
    return case.rounds.get(number=Round.COUNTY)
