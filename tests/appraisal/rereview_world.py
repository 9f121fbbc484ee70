"""Cases taken through a whole round by the real services (``appraisal.scenario``), for the
re-review's tests.

``review_round`` runs a round's review as its bureau and panel would: every member fills and
submits a sheet, the clerk names a leader, the leader drafts the opinion, every member signs, and
a clerk holding the seal stamps (the round's decision transition: ``decide`` for the county,
``close_after_rereview`` for the prefecture). ``decided_case`` does this for the county's round;
with ``at``, the decision is dated then (the stamp's time, which the re-review window counts
from), as if it had been taken that day. ``clerk`` is the staff of the round under way: the
county's, or the prefecture's in the re-review.
"""

from dataclasses import replace

from django.core.management import call_command

from appraisal import scenario
from appraisal.models import Case, CaseState, Decision, IndicatorTemplate, Round
from tests import factories

grant_stamp = factories.grant_stamp


def panel(clerk, case, subjects=None):
    """Draw the current round's panel (by default on all the case's subjects) and have every
    member accept."""
    draw = factories.draw(clerk, case, subjects=subjects)
    scenario.drive(case, CaseState.IN_REVIEW)
    factories.opening_meeting(clerk, draw.round)
    return draw


def _script(vote):
    if IndicatorTemplate.current() is None:  # emptied by a transactional test's flush
        call_command("loaddata", "fixtures/indicators.json", verbosity=0)
    return replace(factories.SCRIPT, vote=vote)


def _drive(clerk, case, to, vote):
    # ``clerk`` acts for whichever round is under way.
    return scenario.drive(
        case, to, clerk=clerk, prefecture=clerk, password=factories.PASSWORD, script=_script(vote)
    )


def sign_round(clerk, case, *, vote="academic"):
    """The current round's review, from the sheets to the last signature; returns the round."""
    return _drive(clerk, case, CaseState.OPINION_SIGNED, vote).round


def review_round(clerk, case, *, vote="academic"):
    """The current round's review, from the sheets to the stamp; returns its Decision."""
    case = Case.objects.get(pk=case.pk)
    to = CaseState.CLOSED if case.in_second_round() else CaseState.DECIDED
    round = _drive(grant_stamp(clerk), case, to, vote).round
    return Decision.objects.select_related("document").get(round=round)


def decided_case(applicant, clerk, *, projects=None, at=None, vote="academic"):
    driven = factories.case_at(
        CaseState.DECIDED, applicant, grant_stamp(clerk), projects=projects, script=_script(vote)
    )
    if at is not None:
        Decision.objects.filter(round=driven.round).update(stamped_at=at, decided_at=at)
    return Case.objects.get(pk=driven.case.pk)


def first_round(case):
    return case.rounds.get(number=Round.COUNTY)
