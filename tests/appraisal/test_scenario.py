"""Driving a case to every point of its life through the real services (appraisal.scenario)."""

from dataclasses import replace

import pytest

from appraisal import scenario
from appraisal.filing.materials import upload_material
from appraisal.models import Case, CaseLog, CaseState, Decision, RereviewRequest, Round, Seat
from common.errors import ServiceError
from tests import factories


@pytest.fixture
def prefecture_pool(prefecture_bureau):
    return factories.experts(prefecture_bureau, 4, ("mathematics",)) + factories.experts(
        prefecture_bureau, 2, ("integrated-practice",)
    )


@pytest.fixture
def cast(applicant, clerk, prefecture_clerk, pool, prefecture_pool, indicator_template):
    """The applicant, and the clerks of 昌吉市 and of the prefecture, both holding their seal."""
    return {
        "applicant": applicant,
        "clerk": factories.grant_stamp(clerk),
        "prefecture": factories.grant_stamp(prefecture_clerk),
        "password": factories.PASSWORD,
    }


# The scenario's own words, and a witness for every draw (the portal requires one by default).
WITNESSED = scenario.Script(witness=lambda round: factories.witness_for(round.bureau))


def new_case(cast, to, **kwargs):
    applicant = cast["applicant"]
    kwargs.setdefault("script", WITNESSED)
    return scenario.new_case_at(
        to,
        applicant=applicant,
        projects=[factories.project(applicant.institution, ("mathematics",))],
        clerk=cast["clerk"],
        prefecture=cast["prefecture"],
        password=cast["password"],
        **kwargs,
    )


def test_every_state_has_a_route_and_each_route_follows_the_case_transitions():
    assert {scenario.state_of(stop) for stop in scenario.ROUTES} == set(CaseState.values)
    declared = {
        (t.name, t.source, t.target)
        for t in Case._meta.get_field("state").get_all_transitions(Case)
    }
    for stop in scenario.ROUTES:
        before = CaseState.DRAFT
        for name, after in scenario.steps(stop):
            assert name in scenario.STEPS and name in CaseLog.TRANSITION_LABELS
            if name == "receive_rereview":  # a step inside the state
                assert before == after
            else:
                assert (name, before, after) in declared
            before = after


@pytest.mark.parametrize("stop", list(scenario.ROUTES))
def test_a_new_case_reaches_each_stop_by_its_route_each_step_by_its_actor(cast, stop):
    driven = new_case(cast, stop)
    case = Case.objects.get(pk=driven.case.pk)
    assert case.state == scenario.state_of(stop)
    assert scenario.history(case) == scenario.ROUTES[stop]
    rows = case.log.filter(transition__in=scenario.STEPS).select_related("actor")
    for row in rows:
        by = scenario.STEPS[row.transition].by
        expected = {
            scenario.APPLICANT: {cast["applicant"]},
            scenario.STAFF: {cast["clerk"], cast["prefecture"]},
        }.get(by)
        if expected is None:  # the panel's steps are taken by the last member to act
            seats = Seat.objects.filter(round__case=case, expert__user=row.actor)
            assert row.actor.role == "expert" and seats.exists()
        else:
            assert row.actor in expected, (row.transition, row.actor)
    assert driven.applicant == cast["applicant"]
    if case.current_round is not None and case.current_round.seats.exists():
        assert len(driven.experts) == 3


def test_a_returned_draft_reads_as_returned(cast):
    case = new_case(cast, scenario.RETURNED).case
    assert case.state == CaseState.DRAFT and case.was_returned
    assert case.unchanged_since_return() == ["lesson_plans"]


def test_the_re_review_closes_the_case_on_the_prefecture_panel_result(cast):
    driven = new_case(
        cast, scenario.CLOSED_AFTER_REREVIEW, script=replace(WITNESSED, vote="non_academic")
    )
    case = driven.case
    assert case.current_round.number == Round.PREFECTURE
    assert case.current_round.bureau == cast["prefecture"].bureau
    decisions = Decision.objects.filter(round__case=case).order_by("round__number")
    assert [d.results[0]["category"] for d in decisions] == ["non_academic", "non_academic"]
    first = case.rounds.get(number=Round.COUNTY).seats.values_list("expert__user_id", flat=True)
    assert len(driven.experts) == 3 and not set(first) & {
        u.pk for u in driven.experts
    }  # nobody sits on the case twice


def test_a_state_is_reached_from_where_the_case_is(cast):
    decided = new_case(cast, CaseState.DECIDED).case
    closed = scenario.drive(decided, CaseState.CLOSED, clerk=cast["clerk"], script=WITNESSED)
    assert closed.case.state == CaseState.CLOSED
    assert scenario.history(closed.case)[-2:] == ("decide", "accept_result")

    forwarded = new_case(cast, CaseState.REREVIEW_FORWARDED).case
    closed = scenario.drive(
        forwarded,
        CaseState.CLOSED,
        clerk=cast["clerk"],
        prefecture=cast["prefecture"],
        password=cast["password"],
        script=WITNESSED,
    )
    assert closed.case.state == CaseState.CLOSED
    assert scenario.history(closed.case) == scenario.ROUTES[scenario.CLOSED_AFTER_REREVIEW]

    requested = new_case(cast, CaseState.REREVIEW_REQUESTED).case
    again = scenario.drive(requested, CaseState.DECIDED, clerk=cast["clerk"], script=WITNESSED).case
    assert again.state == CaseState.DECIDED
    assert RereviewRequest.objects.get(case=again).is_refused


def test_steps_a_test_took_itself_are_gone_on_from(cast):
    """A panel drawn by hand, a draft sent back for 补正 and completed: the drive takes over."""
    accepted = new_case(cast, CaseState.ACCEPTED).case
    factories.draw(cast["clerk"], accepted, panel_size=3)
    driven = scenario.drive(accepted, CaseState.IN_REVIEW, clerk=cast["clerk"], script=WITNESSED)
    assert driven.case.state == CaseState.IN_REVIEW and len(driven.experts) == 3

    returned = new_case(cast, scenario.RETURNED).case
    complete = factories.pdf_upload("课时教案（全学期）.pdf", factories.PDF_BYTES + b"%full term\n")
    upload_material(cast["applicant"], returned.pk, kind="lesson_plans", uploaded=complete)
    driven = scenario.drive(returned, CaseState.ACCEPTED, clerk=cast["clerk"], script=WITNESSED)
    assert driven.case.state == CaseState.ACCEPTED


def test_a_case_is_not_taken_back_nor_on_a_route_that_does_not_go_on_from_it(cast):
    decided = new_case(cast, CaseState.DECIDED).case
    for to in (CaseState.ACCEPTED, CaseState.WITHDRAWN, scenario.RETURNED, "nowhere"):
        with pytest.raises(ValueError):
            scenario.drive(decided, to, clerk=cast["clerk"], script=WITNESSED)
    assert Case.objects.get(pk=decided.pk).state == CaseState.DECIDED


def test_a_step_refused_by_its_service_leaves_the_case_where_it_was(cast, changji):
    """Every step of one drive commits together: a clerk without the seal stops it at the end,
    and not even the draw is kept."""
    unsealed = factories.user("county", bureau=changji)
    accepted = new_case(cast, CaseState.ACCEPTED).case
    with pytest.raises(ServiceError, match="盖章权限"):
        scenario.drive(
            accepted, CaseState.DECIDED, clerk=unsealed, password=cast["password"], script=WITNESSED
        )
    case = Case.objects.get(pk=accepted.pk)
    assert case.state == CaseState.ACCEPTED and not case.current_round.draws.exists()
    assert scenario.history(case) == scenario.ROUTES[CaseState.ACCEPTED]


def test_a_step_without_its_actor_is_named(cast):
    submitted = new_case(cast, CaseState.SUBMITTED).case
    with pytest.raises(ValueError, match="clerk"):
        scenario.drive(submitted, CaseState.ACCEPTED, script=WITNESSED)
    assert Case.objects.get(pk=submitted.pk).state == CaseState.SUBMITTED
