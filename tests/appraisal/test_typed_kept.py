"""A text over its limit is refused with a message, never cut; a refused form comes back with
everything typed (texts, ticked boxes, choices)."""

import re

import pytest
from django.urls import reverse

from appraisal.filing.materials import upload_material
from appraisal.models import Case, CaseState, Material, Seat
from appraisal.panel import invitations
from common.errors import ServiceError
from common.limits import NOTE_MAX, REASON_MAX
from tests import factories


@pytest.fixture
def seat(clerk, accepted_case, pool):
    factories.draw(clerk, accepted_case)
    return Seat.objects.filter(round__case=accepted_case).order_by("id").first()


def test_a_long_decline_explanation_is_refused_and_kept(client, seat):
    factories.login(client, seat.expert.user)
    long = "因" * 2820
    response = client.post(
        reverse("appraisal:invitation_decline", args=[seat.pk]),
        {"reason": "conflict", "note": long},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"不能超过 {NOTE_MAX} 个字（现有 2820 个）" in body
    assert f"{long}</textarea>" in body
    assert re.search(r'<option value="conflict" selected>', body)
    seat.refresh_from_db()
    assert seat.status == Seat.Status.INVITED and seat.decline_note == ""


def test_the_service_refuses_a_long_decline_explanation_rather_than_cutting_it(seat):
    with pytest.raises(ServiceError, match=f"不能超过 {NOTE_MAX} 个字"):
        invitations.decline_invitation(
            seat.expert.user, seat.pk, reason="conflict", note="因" * (NOTE_MAX + 1)
        )
    seat.refresh_from_db()
    assert seat.status == Seat.Status.INVITED


def test_ticked_declarations_stay_ticked_after_a_refusal(client, seat):
    factories.login(client, seat.expert.user)
    ticked = invitations.DECLARATION_KEYS[:2]
    response = client.post(
        reverse("appraisal:invitation_accept", args=[seat.pk]), {"confirmed": ticked}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "逐项确认" in body
    checked = set(
        re.findall(r'<input type="checkbox" name="confirmed" value="(\w+)"[^>]*checked', body)
    )
    assert checked == set(ticked)
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INVITED


def test_a_long_refusal_reason_is_refused_and_shown_again(client, applicant, clerk, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, clerk)
    long = "理" * (REASON_MAX + 1)
    page = client.post(
        reverse("appraisal:case_refuse", args=[case.pk]), {"reason": long}, follow=True
    ).content.decode()
    assert f"不能超过 {REASON_MAX} 个字" in page
    assert f">{long}</textarea>" in page
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED
    # Shown once: a later visit has the empty form again.
    again = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert long not in again


def test_a_refused_return_keeps_the_ticked_materials_and_the_note(
    client, applicant, clerk, project_a
):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, clerk)
    long = "补" * 1500
    page = client.post(
        reverse("appraisal:case_return", args=[case.pk]),
        {"missing": ["syllabus", "other"], "note": long},
        follow=True,
    ).content.decode()
    assert "不能超过" in page and long in page
    checked = set(re.findall(r'name="missing" value="(\w+)"[^>]*checked', page))
    assert checked == {"syllabus", "other"}
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_a_long_file_note_is_refused_not_cut(applicant, project_a):
    case = factories.draft_case(applicant, [project_a], with_materials=False)
    with pytest.raises(ServiceError, match="不能超过 200 个字"):
        upload_material(
            applicant, case.pk, kind="other", uploaded=factories.pdf_upload(), note="注" * 201
        )
    assert not Material.objects.exists()


def test_the_case_page_shows_each_limit(client, applicant, clerk, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, clerk)
    page = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert re.search(rf'id="refuse-reason"[^>]*maxlength="{REASON_MAX}"', page)
    assert re.search(rf'id="accept-note"[^>]*maxlength="{NOTE_MAX}"', page)
    assert '<script src="/static/portal/js/counter.js" defer>' in page


def test_a_refused_rereview_request_keeps_the_declaration_ticked(
    client, applicant, clerk, project_a, pool
):
    from tests.appraisal.rereview_world import decided_case

    case = decided_case(applicant, clerk, projects=[project_a])
    factories.login(client, applicant)
    page = client.post(
        reverse("appraisal:rereview_request", args=[case.pk]),
        {"reasons": "", "declared": "on"},
        follow=True,
    ).content.decode()
    assert "请填写申请复审的理由" in page
    assert re.search(
        r'<input type="checkbox" name="declared" value="on" id="rereview-declared" checked>', page
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.DECIDED
