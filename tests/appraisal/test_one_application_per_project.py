"""A project is appraised in one application at a time: a second application for it is refused
until the first is refused or withdrawn (a result is contested by re-review, not by re-applying)."""

import re

import pytest
from django.urls import reverse

from appraisal.filing import cases as svc
from appraisal.models import Case
from common.errors import ServiceError
from tests import factories

STATEMENT = "项目类别存在争议，申请鉴定。"


def test_a_project_in_a_submitted_application_cannot_be_applied_for_again(applicant, project_a):
    first = factories.submitted_case(applicant, projects=[project_a])
    other = factories.same_as(project_a)
    with pytest.raises(ServiceError) as refused:
        svc.create_case(applicant, projects=[other, project_a], statement=STATEMENT)
    assert (
        f"“{project_a.name}”已在鉴定申请 {first.number}（已提交待受理）中" in refused.value.message
    )
    assert other.name not in refused.value.message
    assert Case.objects.count() == 1


def test_a_second_draft_for_the_same_project_is_refused_too(applicant, project_a):
    factories.draft_case(applicant, projects=[project_a], with_materials=False)
    with pytest.raises(ServiceError, match="不能重复申请鉴定"):
        svc.create_case(applicant, projects=[project_a], statement=STATEMENT)


@pytest.mark.parametrize("end", ["refuse", "withdraw"])
def test_a_refused_or_withdrawn_application_releases_its_projects(applicant, clerk, project_a, end):
    first = factories.submitted_case(applicant, projects=[project_a])
    if end == "refuse":
        svc.refuse_case(clerk, first.pk, reason="不属于本局受理范围。")
    else:
        svc.withdraw_case(applicant, first.pk, reason="暂不申请")
    again = svc.create_case(applicant, projects=[project_a], statement=STATEMENT)
    assert list(again.projects.all()) == [project_a]


def test_a_draft_keeps_its_own_projects_when_edited(applicant, project_a):
    draft = factories.draft_case(applicant, projects=[project_a], with_materials=False)
    svc.update_application(applicant, draft.pk, projects=[project_a], statement="补充说明")
    draft.refresh_from_db()
    assert draft.statement == "补充说明"


def test_submission_checks_again(applicant, project_a):
    """Two drafts could name the project only through a race; the one submitted second is
    refused at submission, and stays a draft."""
    first = factories.submitted_case(applicant, projects=[project_a])
    second = factories.draft_case(applicant, projects=[factories.same_as(project_a)])
    second.projects.add(project_a)  # as a concurrent creation would have left it
    with pytest.raises(ServiceError, match=first.number):
        svc.submit_case(applicant, second.pk)
    second.refresh_from_db()
    assert second.state == "draft" and second.submitted_at is None


def test_the_form_says_where_a_project_is_and_the_page_explains_the_refusal(
    client, applicant, project_a
):
    first = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, applicant)
    page = client.get(reverse("appraisal:case_create")).content.decode()
    assert f"{project_a.name}（已在鉴定申请 {first.number} 中）" in page
    # It cannot be ticked, and with nothing else to apply for the page says what to do instead.
    box = re.search(rf'<input[^>]*value="{project_a.pk}"[^>]*>', page).group(0)
    assert "disabled" in box
    assert 'id="all-taken"' in page
    other = factories.project(applicant.institution)
    page = client.get(reverse("appraisal:case_create")).content.decode()
    assert 'id="all-taken"' not in page
    assert "disabled" not in re.search(rf'<input[^>]*value="{other.pk}"[^>]*>', page).group(0)
    response = client.post(
        reverse("appraisal:case_create"), {"projects": [project_a.pk], "statement": STATEMENT}
    )
    assert response.status_code == 200
    assert "不能重复申请鉴定" in response.content.decode()
    assert Case.objects.count() == 1
