"""Who may see what: the one place that answers it for cases and everything hanging from them.

Every view, every file download and every document goes through these functions, and the lists are
scoped by the same code (DOMAIN §6): an institution sees its own cases, a county clerk its county's,
the prefecture's staff every case of the prefecture.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from audit.models import AuditEvent
from institutions.models import Institution, TrainingProject
from portal.models import Notification

from . import rules
from .models import Case, IssuedDocument, Material

# Bureau staff see an application once it has been submitted; before that it is the applicant's draft.
SUBMITTED_ONCE = Q(submitted_at__isnull=False)

BUREAU_ROLES = ("county", "prefecture")
CASE_LIST_ROLES = ("institution", "county", "prefecture")


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


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


def can_list_cases(user) -> bool:
    """The case list: the applicants' members and the bureaus' staff."""
    return _active(user) and user.role in CASE_LIST_ROLES


def can_edit_application(user, case: Case) -> bool:
    """The applicant edits its application and materials only while it is a draft."""
    return case.state == "draft" and rules.is_case_institution_member(case, user)


def get_case_to_edit(user, pk) -> Case:
    """The case, for its applicant while it is a draft: 404 if not visible, 403 if not editable."""
    case = get_case_for(user, pk)
    if not can_edit_application(user, case):
        raise PermissionDenied("只有草稿状态（含退回补正）的申请可由申请机构修改。")
    return case


def may_run(user, case: Case, transition: str) -> bool:
    """Whether the transition's own ``permission`` (django-fsm) lets this user run it at all,
    whatever the case's current state (the service then checks the state with a message)."""
    meta = getattr(case, transition)._django_fsm
    return any(t.has_perm(case, user) for t in meta.transitions.values())


def get_case_for_transition(user, pk, transition: str) -> Case:
    """The case, for a user who may run ``transition`` on it: 404 if not visible, else 403."""
    case = get_case_for(user, pk)
    if not may_run(user, case, transition):
        raise PermissionDenied("您无权对该案件执行此操作。")
    return case


def get_material_for(user, pk) -> Material:
    try:
        material = Material.objects.select_related("case", "case__bureau").get(pk=pk)
    except (Material.DoesNotExist, ValueError, TypeError):
        raise Http404("文件不存在或您无权查看。") from None
    if not can_view_case(user, material.case):
        raise Http404("文件不存在或您无权查看。")
    return material


def _opinion_issued(case, round_id) -> bool:
    return IssuedDocument.objects.filter(
        case=case, round_id=round_id, kind=IssuedDocument.Kind.OPINION
    ).exists()


def can_view_document(user, document: IssuedDocument) -> bool:
    """Whoever sees the case sees its documents, except that the applicant sees the experts'
    sheets (附件1, which name the expert) only once the opinion of their round is issued: the
    institution does not learn who sits on its panel before the result (DOMAIN §3)."""
    if not can_view_case(user, document.case):
        return False
    if document.kind == IssuedDocument.Kind.SHEET and rules.is_case_institution_member(
        document.case, user
    ):
        return _opinion_issued(document.case, document.round_id)
    return True


def documents_visible_to(user, case: Case) -> list[IssuedDocument]:
    """The case's issued documents this user may open, in the order they were issued."""
    documents = list(case.documents.order_by("issued_at", "id"))
    if not rules.is_case_institution_member(case, user):
        return documents if can_view_case(user, case) else []
    opinion_rounds = {d.round_id for d in documents if d.kind == IssuedDocument.Kind.OPINION}
    return [
        d for d in documents if d.kind != IssuedDocument.Kind.SHEET or d.round_id in opinion_rounds
    ]


def get_document_for(user, pk) -> IssuedDocument:
    try:
        document = IssuedDocument.objects.select_related("case", "case__bureau").get(pk=pk)
    except (IssuedDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("文书不存在或您无权查看。") from None
    if not can_view_document(user, document):
        raise Http404("文书不存在或您无权查看。")
    return document


# ---- the institution's own records -------------------------------------------------------------
def own_institution(user) -> Institution:
    """The institution a member acts for; 403 for anyone else."""
    if not (_active(user) and user.role == "institution" and user.institution_id is not None):
        raise PermissionDenied("只有培训机构的用户可以管理机构信息和培训项目。")
    return user.institution


def get_project_for(user, pk) -> TrainingProject:
    """One of the member's own institution's projects; 404 for another's."""
    institution = own_institution(user)
    try:
        return TrainingProject.objects.get(pk=pk, institution=institution)
    except (TrainingProject.DoesNotExist, ValueError, TypeError):
        raise Http404("培训项目不存在或您无权查看。") from None


# ---- notifications -----------------------------------------------------------------------------
def get_notification_for(user, pk) -> Notification:
    """One of the user's own notifications; 404 for anyone else's."""
    try:
        return Notification.objects.get(pk=pk, recipient_id=user.pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("通知不存在。") from None


# ---- the audit trail ---------------------------------------------------------------------------
def can_view_audit(user) -> bool:
    """Bureau staff: the county's staff see their county's events, the prefecture's all."""
    return _active(user) and user.role in BUREAU_ROLES and user.bureau_id is not None


def events_visible_to(user) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if not can_view_audit(user):
        return events.none()
    if user.role == "county":
        return events.filter(bureau_id=user.bureau_id)
    # The prefecture: its own bureau, its counties, and events of no jurisdiction (the system's).
    return events.filter(
        Q(bureau_id=user.bureau_id) | Q(bureau__parent_id=user.bureau_id) | Q(bureau__isnull=True)
    )
