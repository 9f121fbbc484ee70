"""Every implemented transition, allowed and refused (docs/domain.md §状态转换与操作权限)."""

import pytest
from django_fsm import TransitionNotAllowed

from appraisal.filing import cases as svc
from appraisal.models import Case, CaseLog, CaseState, IssuedDocument, Round
from appraisal.workflow.policy import actions_for
from common.errors import ServiceError
from tests import factories


@pytest.fixture
def draft(applicant, project_a):
    return factories.draft_case(applicant, [project_a])


def reload(case):
    return Case.objects.get(pk=case.pk)


def test_case_number_is_per_bureau_and_year(applicant, project_a, outsider):
    first = factories.draft_case(applicant, [project_a], with_materials=False)
    second = factories.draft_case(applicant, [factories.same_as(project_a)], with_materials=False)
    other = factories.draft_case(outsider, with_materials=False)
    assert first.number.startswith("昌市-") and first.number.endswith("-0001")
    assert second.number.endswith("-0002")
    assert other.number.startswith("阜康-") and other.number.endswith("-0001")


def test_submit_moves_draft_to_submitted_and_logs(draft, applicant):
    case = svc.submit_case(applicant, draft.pk, ip="10.0.0.1")
    assert reload(case).state == CaseState.SUBMITTED
    entry = CaseLog.objects.filter(case=case, transition="submit").get()
    assert (entry.source, entry.target, entry.actor, entry.ip) == (
        "draft",
        "submitted",
        applicant,
        "10.0.0.1",
    )
    assert reload(case).submitted_at is not None


def test_submit_refused_when_required_material_missing(applicant, project_a):
    case = factories.draft_case(applicant, [project_a], with_materials=False)
    with pytest.raises(ServiceError) as err:
        svc.submit_case(applicant, case.pk)
    assert "缺少必需的申报材料" in err.value.message and "培训课程方案" in err.value.message
    assert reload(case).state == CaseState.DRAFT
    assert not CaseLog.objects.filter(case=case, transition="submit").exists()


def test_submit_by_colleague_allowed_by_outsider_refused(draft, colleague, outsider):
    with pytest.raises(ServiceError):
        svc.submit_case(outsider, draft.pk)
    assert reload(draft).state == CaseState.DRAFT
    svc.submit_case(colleague, draft.pk)
    assert reload(draft).state == CaseState.SUBMITTED


def test_clerk_cannot_submit_for_institution(draft, clerk):
    with pytest.raises(ServiceError) as err:
        svc.submit_case(clerk, draft.pk)
    assert "无权" in err.value.message
    assert reload(draft).state == CaseState.DRAFT


def test_return_lists_missing_and_institution_resubmits(draft, applicant, clerk):
    svc.submit_case(applicant, draft.pk)
    svc.return_case(clerk, draft.pk, missing_kinds=["lesson_plans"], note="请补充全部课时教案")
    case = reload(draft)
    assert case.state == CaseState.DRAFT
    assert case.last_return.data == {"missing": ["lesson_plans"]}
    assert case.waiting_for == "待机构补正材料后重新提交"
    notice = IssuedDocument.objects.get(case=case, kind="return_notice")
    assert notice.serial.startswith("昌市鉴补〔") and notice.size > 0
    # Sent back unchanged, it is refused: what the county asked for must be uploaded anew.
    with pytest.raises(ServiceError) as err:
        svc.submit_case(applicant, case.pk)
    assert "要求补正的材料尚未上传新文件：课时教案" in err.value.message
    assert reload(case).state == CaseState.DRAFT
    factories.upload_material(  # the very file the county had: completes nothing
        applicant, case.pk, kind="lesson_plans", uploaded=factories.pdf_upload("教案.pdf")
    )
    with pytest.raises(ServiceError, match="尚未上传新文件：课时教案"):
        svc.submit_case(applicant, case.pk)
    factories.upload_material(
        applicant,
        case.pk,
        kind="lesson_plans",
        uploaded=factories.pdf_upload("教案补充.pdf", factories.PDF_BYTES + b"%v2\n"),
    )
    svc.submit_case(applicant, case.pk)
    assert reload(case).state == CaseState.SUBMITTED
    assert list(CaseLog.objects.filter(case=case).values_list("transition", flat=True)) == [
        "create",
        "submit",
        "return_for_completion",
        "submit",
    ]


def test_return_needs_a_reason(draft, applicant, clerk):
    svc.submit_case(applicant, draft.pk)
    with pytest.raises(ServiceError) as err:
        svc.return_case(clerk, draft.pk, missing_kinds=[], note="  ")
    assert "补正" in err.value.message
    assert reload(draft).state == CaseState.SUBMITTED
    assert not IssuedDocument.objects.filter(case=draft).exists()


def test_accept_opens_county_round_and_issues_notice(draft, applicant, clerk):
    svc.submit_case(applicant, draft.pk)
    svc.accept_case(clerk, draft.pk)
    case = reload(draft)
    assert case.state == CaseState.ACCEPTED and case.accepted_at is not None
    round_ = Round.objects.get(case=case)
    assert (round_.number, round_.bureau) == (Round.COUNTY, case.bureau)
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    assert notice.round == round_


def test_accept_by_foreign_county_or_prefecture_refused(
    draft, applicant, foreign_clerk, prefecture_clerk
):
    svc.submit_case(applicant, draft.pk)
    for user in (foreign_clerk, prefecture_clerk, applicant):
        with pytest.raises(ServiceError):
            svc.accept_case(user, draft.pk)
    assert reload(draft).state == CaseState.SUBMITTED
    assert not Round.objects.filter(case=draft).exists()


def test_accept_refused_in_wrong_state(draft, applicant, clerk):
    with pytest.raises(ServiceError) as err:
        svc.accept_case(clerk, draft.pk)
    assert "无权" in err.value.message  # a draft never submitted is not the bureau's yet
    svc.submit_case(applicant, draft.pk)
    svc.accept_case(clerk, draft.pk)
    with pytest.raises(ServiceError) as err:
        svc.accept_case(clerk, draft.pk)
    assert "当前状态为“已受理”" in err.value.message
    assert Round.objects.filter(case=draft).count() == 1
    assert IssuedDocument.objects.filter(case=draft, kind="acceptance_notice").count() == 1


def test_refuse_requires_reason_and_closes(draft, applicant, clerk):
    svc.submit_case(applicant, draft.pk)
    with pytest.raises(ServiceError):
        svc.refuse_case(clerk, draft.pk, reason="")
    assert reload(draft).state == CaseState.SUBMITTED
    svc.refuse_case(clerk, draft.pk, reason="申请项目不属于本局管辖范围")
    case = reload(draft)
    assert case.state == CaseState.REFUSED and case.closed_at is not None
    assert CaseLog.objects.get(case=case, transition="refuse").note == "申请项目不属于本局管辖范围"
    assert IssuedDocument.objects.filter(case=case, kind="refusal_notice").count() == 1
    with pytest.raises(ServiceError):
        svc.accept_case(clerk, case.pk)


@pytest.mark.parametrize("submitted", [False, True])
def test_withdraw_from_draft_or_submitted(draft, applicant, submitted):
    if submitted:
        svc.submit_case(applicant, draft.pk)
    svc.withdraw_case(applicant, draft.pk, reason="暂不申请")
    assert reload(draft).state == CaseState.WITHDRAWN


def test_withdraw_refused_after_acceptance_and_for_clerk(draft, applicant, clerk):
    svc.submit_case(applicant, draft.pk)
    with pytest.raises(ServiceError):
        svc.withdraw_case(clerk, draft.pk)
    svc.accept_case(clerk, draft.pk)
    with pytest.raises(ServiceError):
        svc.withdraw_case(applicant, draft.pk)
    assert reload(draft).state == CaseState.ACCEPTED


def test_state_field_cannot_be_assigned_directly(draft):
    case = reload(draft)
    with pytest.raises(AttributeError):
        case.state = CaseState.DECIDED


def test_transition_method_refuses_wrong_source(draft):
    case = reload(draft)
    with pytest.raises(TransitionNotAllowed):
        case.accept()


def test_failed_side_effect_rolls_back_the_transition(draft, applicant, clerk, monkeypatch):
    """A transition and its document commit together or not at all."""
    svc.submit_case(applicant, draft.pk)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc, "issue_document", broken)
    with pytest.raises(RuntimeError):
        svc.accept_case(clerk, draft.pk)
    case = reload(draft)
    assert case.state == CaseState.SUBMITTED
    assert not Round.objects.filter(case=case).exists()
    assert not CaseLog.objects.filter(case=case, transition="accept").exists()


def test_a_transition_writes_only_the_columns_it_changed(draft, applicant):
    """Saving the transition does not write back, unchanged, what it read before another write."""
    from appraisal.workflow.transitions import run_transition

    def meanwhile(case):
        Case.objects.filter(pk=case.pk).update(statement="同一事务中另行写入的申请事由")

    before = reload(draft).updated_at
    run_transition(draft.pk, applicant, "submit", before=meanwhile)
    case = reload(draft)
    assert case.state == CaseState.SUBMITTED and case.submitted_at is not None
    assert case.statement == "同一事务中另行写入的申请事由"
    assert case.updated_at > before


def test_available_actions_follow_role_and_state(draft, applicant, clerk, outsider):
    assert actions_for(applicant, draft) == {"edit", "upload", "submit", "withdraw"}
    assert actions_for(clerk, draft) == set()
    case = svc.submit_case(applicant, draft.pk)
    assert actions_for(applicant, case) == {"withdraw"}
    assert actions_for(clerk, case) == {"accept", "return_for_completion", "refuse"}
    assert actions_for(outsider, case) == set()
