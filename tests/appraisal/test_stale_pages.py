"""Pages that change state are never served from the browser's cache (Back reloads them), and an
invitation past its final deadline shows as lapsed on every page before the daily run marks it."""

import datetime

import pytest
from django.urls import reverse

from appraisal.models import Case, Seat
from appraisal.workflow.workdays import Basis
from tests import factories

from .test_reviews import drafted, in_review

PAST = datetime.datetime(2026, 1, 5, 23, 59, 59, tzinfo=datetime.UTC)


def no_store(client, url) -> bool:
    response = client.get(url)
    assert response.status_code == 200, url
    return "no-store" in response.get("Cache-Control", "")


def test_the_filing_and_panel_pages_are_not_cached(client, applicant, clerk, accepted_case, pool):
    factories.login(client, applicant)
    for url in (reverse("appraisal:case_create"), reverse("home")):
        assert no_store(client, url), url
    factories.login(client, clerk)
    for url in (
        reverse("appraisal:case_detail", args=[accepted_case.pk]),
        reverse("appraisal:draw_panel", args=[accepted_case.pk]),
        reverse("home"),
    ):
        assert no_store(client, url), url
    # A read-only page keeps the default (no header forbidding the cache).
    assert not no_store(client, reverse("appraisal:case_list"))


def test_the_invitation_and_review_pages_are_not_cached(
    client, clerk, accepted_case, pool, indicator_template
):
    round, seats = in_review(clerk, accepted_case)
    review = (accepted_case, round, seats)
    drafted(review, clerk, indicator_template)
    factories.login(client, seats[1].expert.user)
    for name in ("sheet", "opinion_sign", "review_records"):
        assert no_store(client, reverse(f"appraisal:{name}", args=[round.pk])), name
    assert no_store(client, reverse("appraisal:invitation", args=[seats[1].pk]))
    factories.login(client, seats[0].expert.user)  # the leader
    assert no_store(client, reverse("appraisal:opinion_edit", args=[round.pk]))
    factories.login(client, clerk)
    assert no_store(client, reverse("appraisal:decision", args=[round.pk]))


@pytest.fixture
def overdue(clerk, accepted_case, pool):
    """An invitation past a final deadline that the daily run has not yet marked lapsed."""
    factories.draw(clerk, accepted_case)
    seat = Seat.objects.filter(round__case=accepted_case).order_by("id").first()
    Seat.objects.filter(pk=seat.pk).update(reply_by=PAST, reply_by_basis=Basis.OFFICIAL)
    seat.refresh_from_db()
    assert seat.status == Seat.Status.INVITED and seat.is_overdue()
    return seat


def test_an_overdue_invitation_is_lapsed_on_the_experts_home(client, overdue):
    factories.login(client, overdue.expert.user)
    response = client.get(reverse("home"))
    assert overdue not in response.context["invitations"]
    pending = response.content.decode().split('id="invitations"')[1].split('id="my-cases"')[0]
    assert overdue.round.case.number not in pending and "查看并答复" not in pending
    assert overdue in response.context["answered"]
    assert "逾期未答复" in response.content.decode()


def test_an_overdue_invitation_page_has_no_reply_forms(client, overdue):
    factories.login(client, overdue.expert.user)
    body = client.get(reverse("appraisal:invitation", args=[overdue.pk])).content.decode()
    assert 'id="accept"' not in body and 'id="decline"' not in body
    assert "已超过答复期限" in body
    badge = body.split('id="inv-status">')[1].split("<")[0]
    assert badge == "逾期未答复"


def test_an_overdue_invitation_is_lapsed_on_the_case_page(client, clerk, overdue):
    factories.login(client, clerk)
    case = Case.objects.get(pk=overdue.round.case_id)
    body = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    row = body.split(overdue.expert.name)[1].split("</tr>")[0]
    assert "逾期未答复" in row and "已邀请" not in row
    record = client.get(reverse("appraisal:draw_record", args=[overdue.draw_id])).content.decode()
    assert f"席位{overdue.position} · 逾期未答复" in record
