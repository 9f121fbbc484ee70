"""Jurisdiction and ownership: institution A never sees B's case or files; county X never sees Y's."""

import pytest
from django.urls import reverse

from appraisal import access
from appraisal.filing import cases as svc
from appraisal.models import Material
from tests import factories


@pytest.fixture
def case_a(applicant, project_a, clerk):
    case = factories.submitted_case(applicant, projects=[project_a])
    return svc.accept_case(clerk, case.pk)


@pytest.fixture
def case_b(outsider):
    return factories.submitted_case(outsider)


def test_querysets_are_scoped(
    case_a, case_b, applicant, colleague, outsider, clerk, foreign_clerk, prefecture_clerk
):
    assert list(access.cases_visible_to(applicant)) == [case_a]
    assert list(access.cases_visible_to(colleague)) == [case_a]
    assert list(access.cases_visible_to(outsider)) == [case_b]
    assert list(access.cases_visible_to(clerk)) == [case_a]
    assert list(access.cases_visible_to(foreign_clerk)) == [case_b]
    assert set(access.cases_visible_to(prefecture_clerk)) == {case_a, case_b}


def test_expert_stub_and_admin_see_no_case(case_a, jurisdictions):
    expert = factories.user("expert")
    admin = factories.user("admin", is_superuser=True, is_staff=True)
    assert not access.cases_visible_to(expert).exists()
    assert not access.cases_visible_to(admin).exists()


@pytest.mark.parametrize(
    "who,status",
    [
        ("applicant", 200),
        ("colleague", 200),
        ("clerk", 200),
        ("prefecture_clerk", 200),
        ("outsider", 404),
        ("foreign_clerk", 404),
    ],
)
def test_case_page(client, request, case_a, who, status):
    factories.login(client, request.getfixturevalue(who))
    response = client.get(reverse("appraisal:case_detail", args=[case_a.pk]))
    assert response.status_code == status
    if status == 404:
        assert "案件不存在或您无权查看" in response.content.decode()
        assert case_a.institution.name not in response.content.decode()


@pytest.mark.parametrize(
    "who,status", [("applicant", 200), ("clerk", 200), ("outsider", 404), ("foreign_clerk", 404)]
)
def test_material_and_document_downloads(client, request, case_a, who, status):
    factories.login(client, request.getfixturevalue(who))
    material = Material.objects.filter(case=case_a).first()
    document = case_a.documents.get()
    r1 = client.get(reverse("appraisal:material_download", args=[material.pk]))
    r2 = client.get(reverse("appraisal:document_download", args=[document.pk]))
    assert (r1.status_code, r2.status_code) == (status, status)
    if status == 200:
        assert r1["Content-Disposition"].startswith("attachment")
        assert r1["X-Content-Type-Options"] == "nosniff"
        assert b"".join(r1.streaming_content) == material.file.open("rb").read()
        assert b"".join(r2.streaming_content).startswith(b"%PDF")


def test_anonymous_is_sent_to_login(client, case_a):
    response = client.get(reverse("appraisal:case_detail", args=[case_a.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_case_list_shows_only_own(client, case_a, case_b, applicant, foreign_clerk):
    factories.login(client, applicant)
    page = client.get(reverse("appraisal:case_list")).content.decode()
    assert case_a.number in page and case_b.number not in page
    factories.login(client, foreign_clerk)
    page = client.get(reverse("appraisal:case_list")).content.decode()
    assert case_b.number in page and case_a.number not in page


def test_foreign_clerk_cannot_act_by_url(client, case_b, clerk):
    factories.login(client, clerk)
    response = client.post(reverse("appraisal:case_accept", args=[case_b.pk]))
    assert response.status_code == 404
    case_b.refresh_from_db()
    assert case_b.state == "submitted"


def test_outsider_cannot_upload_to_foreign_case(client, applicant, outsider):
    case = factories.draft_case(applicant, with_materials=False)
    factories.login(client, outsider)
    response = client.post(
        reverse("appraisal:material_upload", args=[case.pk]),
        {"kind": "syllabus", "file": factories.pdf_upload()},
    )
    assert response.status_code == 404
    assert not Material.objects.filter(case=case).exists()


def test_unsubmitted_draft_is_the_applicants_alone(client, applicant, clerk, prefecture_clerk):
    case = factories.draft_case(applicant, with_materials=False)
    assert not access.cases_visible_to(clerk).exists()
    assert not access.cases_visible_to(prefecture_clerk).exists()
    factories.login(client, clerk)
    assert client.get(reverse("appraisal:case_detail", args=[case.pk])).status_code == 404


def test_clerk_cannot_upload_for_institution(client, applicant, clerk):
    case = factories.submitted_case(applicant)
    svc.return_case(clerk, case.pk, missing_kinds=["syllabus"], note="")
    before = Material.objects.filter(case=case).count()
    factories.login(client, clerk)
    response = client.post(
        reverse("appraisal:material_upload", args=[case.pk]),
        {"kind": "syllabus", "file": factories.pdf_upload()},
        follow=True,
    )
    assert "只有草稿状态" in response.content.decode()
    assert Material.objects.filter(case=case).count() == before
