"""Who may see what: the one place that answers it for cases and everything hanging from them.

Every view, every file download and every document goes through these functions, and the lists are
scoped by the same code (DOMAIN §6): an institution sees its own cases, a county clerk its county's,
the prefecture's staff every case of the prefecture.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from . import rules
from .models import Case, IssuedDocument, Material

# Bureau staff see an application once it has been submitted; before that it is the applicant's draft.
SUBMITTED_ONCE = Q(submitted_at__isnull=False)


def cases_visible_to(user) -> QuerySet[Case]:
    """The cases this user may open."""
    cases = Case.objects.all()
    if not (user.is_authenticated and user.is_active):
        return cases.none()
    if user.role == "institution":
        if user.institution_id is None:
            return cases.none()
        return cases.filter(institution_id=user.institution_id)
    if user.role == "county":
        if user.bureau_id is None:
            return cases.none()
        return cases.filter(SUBMITTED_ONCE, bureau_id=user.bureau_id)
    if user.role == "prefecture":
        if user.bureau_id is None:
            return cases.none()
        return cases.filter(
            SUBMITTED_ONCE, Q(bureau_id=user.bureau_id) | Q(bureau__parent_id=user.bureau_id)
        )
    return cases.none()


def can_view_case(user, case: Case) -> bool:
    if rules.is_case_institution_member(case, user):
        return True
    if case.submitted_at is None:
        return False
    if rules.is_case_county_staff(case, user):
        return True
    if rules.is_prefecture_staff(user) and user.bureau_id is not None:
        return case.bureau_id == user.bureau_id or case.bureau.parent_id == user.bureau_id
    return False


def get_case_for(user, pk) -> Case:
    """The case, if this user may see it; otherwise 404 (a foreign id reveals nothing)."""
    try:
        case = Case.objects.select_related("institution", "bureau", "bureau__parent").get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("案件不存在或您无权查看。") from None
    if not can_view_case(user, case):
        raise Http404("案件不存在或您无权查看。")
    return case


def can_edit_application(user, case: Case) -> bool:
    """The applicant edits its application and materials only while it is a draft."""
    return case.state == "draft" and rules.is_case_institution_member(case, user)


def get_material_for(user, pk) -> Material:
    try:
        material = Material.objects.select_related("case", "case__bureau").get(pk=pk)
    except (Material.DoesNotExist, ValueError, TypeError):
        raise Http404("文件不存在或您无权查看。") from None
    if not can_view_case(user, material.case):
        raise Http404("文件不存在或您无权查看。")
    return material


def get_document_for(user, pk) -> IssuedDocument:
    try:
        document = IssuedDocument.objects.select_related("case", "case__bureau").get(pk=pk)
    except (IssuedDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("文书不存在或您无权查看。") from None
    if not can_view_case(user, document.case):
        raise Http404("文书不存在或您无权查看。")
    return document
