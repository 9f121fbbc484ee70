"""Two clerks pressing "draw" at the same moment produce exactly one draw (PostgreSQL)."""

import itertools
import threading

import pytest
from django.db import connection

from appraisal.models import Case, CaseState, Draw, Seat
from appraisal.panel import draws as svc
from common.errors import ServiceError
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_draws_yield_one_draw(jurisdictions):
    changji = factories.bureau("652301")
    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    clerks = [factories.user("county", bureau=changji) for _ in range(2)]
    factories.experts(changji, 10, ("mathematics",))
    case = factories.accepted_case(applicant, clerks[0], projects=[factories.project(institution)])
    commitments = [svc.pending_commitment(c, case) for c in clerks]
    witness = factories.witness_for(changji)  # every draw is witnessed by default
    barrier = threading.Barrier(2)
    outcomes = []

    def press(clerk, commitment):
        try:
            barrier.wait()
            factories.draw_panel(
                clerk, case, commitment, witness=witness, witness_value=clerk.username
            )
            outcomes.append("drawn")
        except ServiceError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()  # each thread has its own connection

    threads = [
        threading.Thread(target=press, args=(c, m))
        for c, m in zip(clerks, commitments, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes, key=lambda o: o != "drawn")[0] == "drawn"
    assert outcomes.count("drawn") == 1, outcomes
    assert Draw.objects.count() == 1
    assert Seat.objects.count() == 3
    assert Case.objects.get(pk=case.pk).state == CaseState.PANEL_DRAWN


def test_a_transition_locks_only_its_case_not_the_county_or_institution(jurisdictions):
    """While one case is being drawn, the county's and the institution's rows stay free: other
    cases of the same county (and edits to the institution) are not held up."""
    from django.db import DatabaseError, transaction

    from appraisal.workflow.transitions import lock_case
    from institutions.models import Institution
    from portal.models import Bureau

    changji = factories.bureau("652301")
    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    clerk = factories.user("county", bureau=changji)
    case = factories.accepted_case(applicant, clerk, projects=[factories.project(institution)])
    held, release, outcomes = threading.Event(), threading.Event(), []

    def hold_the_case():
        try:
            with transaction.atomic():
                lock_case(case.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_case)
    holder.start()
    try:
        assert held.wait(timeout=30)
        for model, pk in ((Bureau, changji.pk), (Institution, institution.pk), (Case, case.pk)):
            try:
                with transaction.atomic():
                    model.objects.select_for_update(nowait=True).get(pk=pk)
                outcomes.append((model.__name__, "free"))
            except DatabaseError:
                outcomes.append((model.__name__, "locked"))
    finally:
        release.set()
        holder.join(timeout=30)
    assert outcomes == [("Bureau", "free"), ("Institution", "free"), ("Case", "locked")]


def test_concurrent_draws_of_two_cases_are_logged_one_after_the_other(jurisdictions):
    """The transparency log's lock numbers entries in commit order: two cases drawn at the same
    moment get consecutive entries, each chained to the one before (docs/draw-spec.md §9.1)."""
    from appraisal.models import LogEntry

    changji = factories.bureau("652301")
    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    clerk = factories.user("county", bureau=changji)
    factories.experts(changji, 12, ("mathematics",))
    cases = [
        factories.accepted_case(applicant, clerk, projects=[factories.project(institution)])
        for _ in range(2)
    ]
    witness = factories.witness_for(changji)
    commitments = [svc.pending_commitment(clerk, c) for c in cases]
    barrier = threading.Barrier(2)
    outcomes = []

    def press(case, commitment):
        try:
            barrier.wait()
            factories.draw_panel(
                clerk, case, commitment, witness=witness, witness_value=str(case.pk)
            )
            outcomes.append("drawn")
        except ServiceError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=press, args=(c, m)) for c, m in zip(cases, commitments, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["drawn", "drawn"]
    entries = list(LogEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(entries))
    assert [e.kind for e in entries].count("draw") == 2
