"""Institution credit marks (guide 九(二)), recorded by bureau staff; never deleted."""

from django.db import transaction
from django.urls import reverse

from appraisal import access
from audit.models import Action
from common.errors import ServiceError
from experts.services import record_credit
from portal.notify import institution_members, notify_from

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
    notify_from(
        "credit_mark",
        institution_members(mark.institution),
        {"mark": mark},
        url=reverse("institutions:profile") + "#credit-marks",
    )
