"""Institution credit marks (guide 九(二)), recorded by bureau staff; never deleted."""

from django.db import transaction
from django.urls import reverse

from appraisal import access
from audit.models import Action
from common.errors import ServiceError
from common.text import cn_date
from experts.services import record_credit
from portal.notify import institution_members, notify

from .models import InstitutionCreditMark


def add_credit_mark(
    user, institution, *, kind, reason, evidence, case_number=""
) -> InstitutionCreditMark:
    if not access.can_view_institution_as_staff(user, institution):
        raise ServiceError("您无权为该机构记录信用评价。")

    with transaction.atomic():
        mark = record_credit(
            user,
            InstitutionCreditMark,
            Action.INSTITUTION_CREDIT,
            institution,
            institution.county,
            {"kind": kind, "reason": reason, "evidence": evidence, "case_number": case_number},
            institution=institution,
        )
        tell_institution(mark)
    return mark


def tell_institution(mark):
    """The institution is told of a mark against it, with the facts found and where to object:
    a credit evaluation is a finding about it, made known to it (guide 九(二))."""
    bureau = mark.bureau
    on_case = f"（案件 {mark.case_number}）" if mark.case_number else ""
    notify(
        institution_members(mark.institution),
        f"信用评价记录告知：{mark.get_kind_display()}",
        f"{bureau.name}于{cn_date(mark.recorded_at)}认定贵机构在校外培训"
        f"服务类别鉴定中存在“{mark.get_kind_display()}”的情形{on_case}，已记入信用评价记录。"
        f"\n事实与理由：{mark.reason}\n如有异议，可向{bureau.name}书面提出，并提供相关证据。",
        url=reverse("institutions:profile") + "#credit-marks",
    )
