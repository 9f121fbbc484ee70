"""Free text that ends up in an issued document has a length limit: a paste by mistake is refused
with the field's name and length, and nothing is issued (a notice cannot be withdrawn)."""

import pytest
from django.urls import reverse

from appraisal.models import Case, IssuedDocument
from appraisal.review import sheets
from common.errors import ServiceError
from institutions.models import InstitutionCreditMark
from tests import factories

from .test_reviews import in_review


@pytest.mark.parametrize(
    "action, data, message",
    [
        ("case_return", {"note": "补" * 1001}, "“补正说明”不能超过 1000 个字（现有 1001 个）"),
        ("case_refuse", {"reason": "理" * 1001}, "“理由”不能超过 1000 个字（现有 1001 个）"),
        ("case_accept", {"note": "受" * 501}, "“说明”不能超过 500 个字（现有 501 个）"),
    ],
)
def test_a_notice_is_not_issued_over_a_pasted_text(
    client, applicant, clerk, project_a, action, data, message
):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, clerk)
    page = client.post(reverse(f"appraisal:{action}", args=[case.pk]), data, follow=True)
    assert message in page.content.decode()
    assert Case.objects.get(pk=case.pk).state == "submitted"
    assert not IssuedDocument.objects.filter(case=case).exists()


def test_a_credit_mark_has_a_limit_too(client, clerk, applicant, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    factories.login(client, clerk)
    page = client.post(
        reverse("institutions:credit_mark_add", args=[case.institution_id]),
        {"kind": "false_material", "reason": "伪" * 2001, "evidence": "核查记录"},
        follow=True,
    )
    assert "不能超过 2000 个字（现有 2001 个）" in page.content.decode()
    assert not InstitutionCreditMark.objects.exists()


def test_the_reasons_for_a_vote_have_a_limit(accepted_case, clerk, pool, indicator_template):
    round, seats = in_review(clerk, accepted_case)
    project = accepted_case.projects.get()
    answers = {project.pk: {"vote": "academic", "reasons": "由" * 2001}}
    with pytest.raises(ServiceError, match="表决理由不能超过 2000 个字（现有 2001 个）"):
        sheets.save_sheet(seats[0].expert.user, round, answers=answers)
    assert not sheets.sheet_for(seats[0].expert.user, round).answers.exists()
