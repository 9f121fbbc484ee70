"""The draw's screening is written twice, in SQL (``screening_rows``) and in Python (``exclusion``):
for a pool that trips every filter, alone and together, and every recusal window at its edges,
both give every expert the same first filter (runs on SQLite and on PostgreSQL)."""

import datetime
import itertools

from django.utils import timezone

from appraisal.panel.screening import ORDER, exclusion, removed_by, screening_rows
from experts.models import Expert, ExpertCreditRecord, ExpertTie, recusal_start
from tests import factories


def _tie(expert, institution, kind, ended_on):
    ExpertTie.objects.create(
        expert=expert,
        institution=institution,
        kind=kind,
        ended_on=ended_on,
        declared_by=expert.user,
    )


def _credit(expert, clerk):
    ExpertCreditRecord.objects.create(
        expert=expert,
        kind="neglect",
        reason="未按时审阅",
        evidence="记录",
        bureau=expert.pool,
        recorded_by=clerk,
    )


def test_sql_and_python_screening_agree_on_every_filter(
    accepted_case, clerk, changji, institution_a, applicant, settings
):
    settings.APPRAISAL_EXPERT_LOAD_CAP = 1
    today = timezone.localdate()
    experts = []

    def make(**fields):
        e = factories.expert(changji, ("mathematics",), **fields)
        experts.append(e)
        return e

    # On this case (a seat from its panel's draw) and busy (a seat on another case at work):
    # five drawn for each, then each of those also tripped by one filter before it in ORDER.
    on_case = [make() for _ in range(5)]
    factories.draw(clerk, accepted_case, panel_size=5, subjects=["mathematics"])
    other = factories.accepted_case(applicant, clerk, projects=[factories.project(institution_a)])
    busy = [make() for _ in range(5)]
    factories.draw(clerk, other, panel_size=5, subjects=["mathematics"])
    assert all(e.seats.filter(round__case=accepted_case).exists() for e in on_case)
    assert all(e.seats.filter(round__case=other).exists() for e in busy)
    triggers = {
        "status": lambda e: Expert.objects.filter(pk=e.pk).update(status=Expert.Status.SUSPENDED),
        "eligibility": lambda e: Expert.objects.filter(pk=e.pk).update(
            declares_no_training_work=False
        ),
        "credit": lambda e: _credit(e, clerk),
        "tie": lambda e: _tie(e, institution_a, ExpertTie.Kind.FINANCIAL, None),
    }
    for group in (on_case, busy):
        for e, first in zip(group[1:], triggers, strict=True):
            triggers[first](e)
    # The filters before them alone, and in pairs (the first in ORDER must win).
    for combo in [(f,) for f in triggers] + list(itertools.combinations(triggers, 2)):
        e = make()
        for f in combo:
            triggers[f](e)

    # Eligibility by each of its conditions.
    make(title_level="")
    make(category=Expert.Category.LEGAL, knows_administrative_law=False)
    employed = make()
    _tie(employed, factories.institution("652301", name="另一家培训学校"), "employment", None)

    # Every kind of tie with the case's institution, ongoing and ended at the edges of its window.
    for kind, years in ExpertTie.RECUSAL_YEARS.items():
        ends = [None, datetime.date(2000, 1, 1)]
        if years is not None:
            start = recusal_start(years, today)
            ends += [start - datetime.timedelta(days=1), start, start + datetime.timedelta(days=1)]
        for ended_on in ends:
            _tie(make(), institution_a, kind, ended_on)
    make()  # one that nothing removes

    ids = [e.pk for e in experts]
    rows = screening_rows(accepted_case, changji.pk, expert_ids=ids)
    by_sql = {eid: None for eid in ids}
    by_sql.update({eid: code for eid, (code, _name) in removed_by(rows).items()})
    by_python = {
        e.pk: exclusion(Expert.objects.get(pk=e.pk), accepted_case, today) for e in experts
    }
    assert by_sql == by_python
    # Every filter was met, and the edges of the windows went both ways.
    assert set(by_python.values()) == {*ORDER, None}
