"""Institution credit marks (guide 九(二)), recorded by bureau staff; never deleted."""

from appraisal import access
from appraisal.services import ServiceError

from .models import InstitutionCreditMark


def add_credit_mark(
    user, institution, *, kind, reason, evidence, case_number=""
) -> InstitutionCreditMark:
    if not access.can_view_institution_as_staff(user, institution):
        raise ServiceError("您无权为该机构记录信用评价。")
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    if kind not in InstitutionCreditMark.Kind.values:
        raise ServiceError("请选择情形。")
    if not reason or not evidence:
        raise ServiceError("请写明事实与理由，并列明证据。")
    return InstitutionCreditMark.objects.create(
        institution=institution,
        kind=kind,
        reason=reason,
        evidence=evidence,
        case_number=(case_number or "").strip()[:40],
        bureau=user.bureau,
        recorded_by=user,
    )
