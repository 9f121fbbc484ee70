"""The generated data set: every state, the rows each state implies, reproducible from its seed."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from stdnum.cn import uscc

from appraisal import scenario
from appraisal.models import (
    Case,
    CaseLog,
    CaseState,
    Decision,
    Draw,
    IssuedDocument,
    Material,
    Opinion,
    ReviewSheet,
    Seat,
    Signature,
)
from institutions.models import Institution
from portal.datagen import Generator, Sizes

SIZES = Sizes(bureaus=10, experts=30, institutions=20, cases=80)


def snapshot():
    return list(Case.objects.order_by("number").values_list("number", "state", "institution__name"))


@pytest.mark.django_db
def test_every_state_with_its_rows(jurisdictions, indicator_template):
    Generator(SIZES, seed=3).run()
    assert Case.objects.count() == 80
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert Material.objects.count() == 80 * 8
    drawn = Case.objects.exclude(
        state__in=["draft", "submitted", "accepted", "refused", "withdrawn"]
    )
    assert Draw.objects.count() == drawn.count()
    assert Seat.objects.filter(status="accepted").count() == ReviewSheet.objects.count()
    decided = Case.objects.filter(
        state__in=["decided", "rereview_requested", "rereview_forwarded", "closed"]
    )
    assert Decision.objects.count() == decided.count()
    assert IssuedDocument.objects.filter(kind="opinion").count() == decided.count()
    for opinion in Opinion.objects.all()[:5]:
        assert opinion.content_hash == opinion.compute_hash()
        assert opinion.valid_signatures().count() == opinion.round.seats.count()
    assert Signature.objects.count() > 0
    draw = Draw.objects.first()
    assert draw.verify() == []
    assert all(uscc.is_valid(c) for c in Institution.objects.values_list("credit_code", flat=True))


@pytest.mark.django_db
def test_same_seed_same_data_and_no_second_run(jurisdictions, indicator_template):
    with transaction.atomic():
        Generator(SIZES, seed=4).run()
        first = snapshot()
        transaction.set_rollback(True)
    assert Case.objects.count() == 0
    Generator(SIZES, seed=4).run()
    assert snapshot() == first
    with pytest.raises(CommandError):
        call_command("generate_data", "--scale", "tiny", "--seed", "4", verbosity=0)


@pytest.mark.django_db
def test_each_case_took_the_route_the_scenario_drives_to_its_state(
    jurisdictions, indicator_template
):
    """The generator writes its rows directly, but each case's log is the route by which
    appraisal.scenario takes a case to that state through the services, each step by its actor."""
    Generator(SIZES, seed=5).run()
    logs = {}
    for row in CaseLog.objects.select_related("actor").order_by("case_id", "at", "id"):
        logs.setdefault(row.case_id, []).append(row)
    for case in Case.objects.all():
        rows = logs[case.pk]
        assert [r.transition for r in rows] == ["create", *scenario.ROUTES[case.state]]
        assert [(r.source, r.target) for r in rows[1:]] == [
            (before, after)
            for before, (_, after) in zip(
                scenario.path(case.state)[:-1], scenario.steps(case.state), strict=True
            )
        ]
        for row in rows[1:]:
            by_applicant = scenario.STEPS[row.transition].by == scenario.APPLICANT
            assert (row.actor.role == "institution") == by_applicant
