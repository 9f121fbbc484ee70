"""Serial numbers of issued documents: never duplicated, never skipped, also when issued at once."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from appraisal.filing import cases as case_services
from appraisal.models import CaseState, IssuedDocument, SerialCounter
from common.errors import ServiceError
from tests import factories


def test_a_rolled_back_issue_leaves_no_gap(applicant, clerk, project_a):
    case = factories.accepted_case(applicant, clerk, projects=[project_a])
    first = factories.issue_opinion(case, clerk, experts=3)
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.issue_opinion(case, clerk, experts=3)
        raise RuntimeError("the stamping failed after the document was numbered")
    second = factories.issue_opinion(case, clerk, experts=3)
    assert (first.sequence, second.sequence) == (1, 2)
    assert IssuedDocument.objects.filter(kind="opinion").count() == 2


def test_a_bureau_without_a_signing_key_cannot_issue_and_nothing_changes(
    applicant, clerk, project_a, settings, tmp_path
):
    case = factories.submitted_case(applicant, projects=[project_a])
    settings.APPRAISAL_SIGNING_DIR = tmp_path / "no-keys"
    with pytest.raises(ServiceError) as err:
        case_services.accept_case(clerk, case.pk)
    assert "签名证书未配置" in err.value.message
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert not IssuedDocument.objects.filter(case=case).exists()
    assert not SerialCounter.objects.filter(kind="acceptance_notice", last__gt=0).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_gets_consecutive_unique_serials(jurisdictions):
    """Eight threads stamp at the same moment: the counter row's lock orders them.

    Every thread waits at a barrier, then numbers and renders in its own transaction. Without the
    row lock (SerialCounter.next_value's select_for_update) two would read the same ``last`` and
    one would fail on the unique serial; with it, they get 1..8 exactly.
    """
    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    clerk = factories.user("county", bureau=factories.bureau("652301"))
    case = factories.accepted_case(applicant, clerk)
    threads, errors, serials = 8, [], []
    barrier = threading.Barrier(threads)
    lock = threading.Lock()

    def stamp():
        try:
            barrier.wait(timeout=30)
            document = factories.issue_opinion(case, clerk, experts=3)
            with lock:
                serials.append(document.sequence)
        except Exception as exc:  # noqa: BLE001  (collected and reported below)
            with lock:
                errors.append(repr(exc))
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=stamp) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    assert sorted(serials) == list(range(1, threads + 1))
    stored = IssuedDocument.objects.filter(kind="opinion").order_by("sequence")
    assert [d.sequence for d in stored] == list(range(1, threads + 1))
    assert len({d.serial for d in stored}) == threads
    assert SerialCounter.objects.get(kind="opinion").last == threads
