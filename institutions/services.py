"""Institution credit marks (guide 九(二)), recorded by bureau staff; never deleted."""

from appraisal import access
from appraisal.services import ServiceError
from audit.models import Action

from .models import InstitutionCreditMark


def add_credit_mark(
    user, institution, *, kind, reason, evidence, case_number=""
) -> InstitutionCreditMark:
    if not access.can_view_institution_as_staff(user, institution):
        raise ServiceError("您无权为该机构记录信用评价。")
    from experts.services import record_credit

    return record_credit(
        user,
        InstitutionCreditMark,
        Action.INSTITUTION_CREDIT,
        institution,
        institution.county,
        {"kind": kind, "reason": reason, "evidence": evidence, "case_number": case_number},
        institution=institution,
    )
