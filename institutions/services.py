"""Institution credit marks (guide 九(二)), recorded by bureau staff; never deleted."""

from django.db import transaction

import audit
from appraisal import access
from appraisal.services import ServiceError
from audit.models import Action

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
    from experts.services import checked_case_number

    with transaction.atomic():
        mark = InstitutionCreditMark.objects.create(
            institution=institution,
            kind=kind,
            reason=reason,
            evidence=evidence,
            case_number=checked_case_number(user, case_number),
            bureau=user.bureau,
            recorded_by=user,
        )
        audit.record(
            user,
            Action.INSTITUTION_CREDIT,
            institution,
            bureau=institution.county,
            kind=mark.get_kind_display(),
            case_number=mark.case_number,
        )
    return mark
