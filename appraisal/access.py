"""Who may see what: the one place that answers it for cases and everything hanging from them.

Every view, every file download and every document goes through these functions, and the lists are
scoped by the same code (docs/domain.md §角色与辖区): an institution sees its own cases, a county
clerk its county's, the prefecture's staff every case of the prefecture, an expert the cases where
it accepted a seat (an invited expert sees only its invitation), a supervisor the draw records of
its jurisdiction.
The expert pools and the institutions' credit marks are answered here too.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from appraisal.workflow import policy, rules
from appraisal.workflow.states import RESULT_ISSUED
from experts.models import Expert
from institutions.models import Institution, TrainingProject
from portal.models import Bureau, jurisdiction

from .models import ActivityFile, Case, Draw, IssuedDocument, Material, ReviewSheet, Round, Seat

# From these states on, the result has been issued and the panel may be named to the institution.

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
        return cases.filter(SUBMITTED_ONCE, bureau_id__in=jurisdiction(user.bureau_id))
    if user.role == "expert":
        return cases.filter(
            rounds__seats__expert__user_id=user.pk, rounds__seats__status=Seat.Status.ACCEPTED
        ).distinct()
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
    return rules.holds_accepted_seat(case, user)


def is_case_staff(user, case: Case) -> bool:
    """Bureau staff with jurisdiction over the case (its county, or the prefecture)."""
    return (
        user.is_authenticated
        and user.role in ("county", "prefecture")
        and can_view_case(user, case)
    )


def panel_names_visible_to(user, case: Case, round=None) -> bool:
    """Confidentiality (保密, docs/domain.md §专家组名单的保密; the guide sets no such rule) of a
    round's panel (the current round's by default): bureau staff and supervisors see who sits on
    it, and so do its own members; the institution, and the members of the case's other round,
    only once that round's result has been issued (the county panel whose result is under
    re-review does not learn who reviews it)."""
    if is_case_staff(user, case) or can_view_draws_of(user, case):
        return True
    round = round if round is not None else case.current_round
    if round is None:
        return False
    if round.pk in rules.accepted_rounds(case, user):
        return True
    if rules.is_case_institution_member(case, user) or rules.holds_accepted_seat(case, user):
        if round.number < max(case.rounds.values_list("number", flat=True), default=round.number):
            return True  # a later round exists: this one's result was issued
        return case.state in RESULT_ISSUED
    return False


# ---- draws and seats ---------------------------------------------------------------------------
def _supervises(user, bureau) -> bool:
    return rules.is_supervisor(user) and (
        user.bureau_id == bureau.pk or user.bureau_id == bureau.parent_id
    )


def can_view_draws_of(user, case: Case) -> bool:
    """Draw records: the case's bureau staff, and supervisors of its county or the prefecture."""
    return is_case_staff(user, case) or _supervises(user, case.bureau)


def draws_visible_to(user) -> QuerySet[Draw]:
    draws = Draw.objects.select_related("round__case__institution", "round__case__bureau")
    if rules.is_supervisor(user) or (
        user.is_authenticated and user.role in ("county", "prefecture") and user.bureau_id
    ):
        return draws.filter(round__case__bureau_id__in=jurisdiction(user.bureau_id))
    return draws.none()


def get_draw_for(user, pk) -> Draw:
    try:
        draw = Draw.objects.select_related(
            "round__case__bureau",
            "round__case__institution",
            "round__bureau",
            "pool",
            "for_seat",
            "drawn_by",
            "witness",
            "commitment",
            "log_entry",
        ).get(pk=pk)
    except (Draw.DoesNotExist, ValueError, TypeError):
        raise Http404("抽取记录不存在或您无权查看。") from None
    if not can_view_draws_of(user, draw.round.case):
        raise Http404("抽取记录不存在或您无权查看。")
    return draw


def public_draws(case: Case) -> QuerySet[Draw]:
    """Draw records anyone holding one of the case's document verification codes may download
    (docs/draw-spec.md §8): those of rounds whose result (the opinion) has been issued, when the
    panel's names are no longer secret either. The records name no one."""
    issued = IssuedDocument.objects.filter(case=case, kind=IssuedDocument.Kind.OPINION)
    return Draw.objects.filter(round__case=case, round_id__in=issued.values("round_id"))


def can_manage_panel(user, case: Case) -> bool:
    """Who draws, calls alternates and checks lapsed invitations: the bureau running the round."""
    return rules.runs_current_round(case, user)


def get_invitation_for(user, pk) -> Seat:
    """A seat, for the expert it was offered to only."""
    try:
        seat = Seat.objects.select_related(
            "expert", "round__case__institution", "round__case__bureau"
        ).get(pk=pk)
    except (Seat.DoesNotExist, ValueError, TypeError):
        raise Http404("邀请不存在或您无权查看。") from None
    if not (user.is_authenticated and user.is_active and seat.expert.user_id == user.pk):
        raise Http404("邀请不存在或您无权查看。")
    return seat


# ---- expert pools and institutions -------------------------------------------------------------
def experts_visible_to(user):
    """County staff see their county's pool; prefecture staff every pool of the prefecture."""
    experts = Expert.objects.all()
    if not (user.is_authenticated and user.is_active and user.bureau_id):
        return experts.none()
    if user.role == "county":
        return experts.filter(pool_id=user.bureau_id)
    if user.role == "prefecture":
        return experts.filter(pool_id__in=jurisdiction(user.bureau_id))
    return experts.none()


def pools_managed_by(user):
    """The pools this user keeps (adds, edits, imports): the clerk's own bureau's pool."""
    if (
        user.is_authenticated
        and user.is_active
        and user.role in ("county", "prefecture")
        and user.bureau_id
    ):
        return Bureau.objects.filter(pk=user.bureau_id)
    return Bureau.objects.none()


def can_manage_expert(user, expert) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role in ("county", "prefecture")
        and user.bureau_id is not None
        and expert.pool_id == user.bureau_id
    )


def get_expert_for(user, pk):
    try:
        return experts_visible_to(user).select_related("pool", "user").get(pk=pk)
    except (Expert.DoesNotExist, ValueError, TypeError):
        raise Http404("专家不存在或您无权查看。") from None


def can_view_institution_as_staff(user, institution) -> bool:
    """Bureau staff of the institution's county, or of the prefecture."""
    if not (user.is_authenticated and user.is_active and user.bureau_id):
        return False
    if user.role == "county":
        return institution.county_id == user.bureau_id
    if user.role == "prefecture":
        return institution.county_id == user.bureau_id or (
            institution.county.parent_id == user.bureau_id
        )
    return False


def get_institution_for_staff(user, pk):
    try:
        institution = Institution.objects.select_related("county").get(pk=pk)
    except (Institution.DoesNotExist, ValueError, TypeError):
        raise Http404("机构不存在或您无权查看。") from None
    if not can_view_institution_as_staff(user, institution):
        raise Http404("机构不存在或您无权查看。")
    return institution


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
    return policy.allowed(user, case, "edit")


def get_case_to_edit(user, pk) -> Case:
    """The case, for its applicant while it is a draft: 404 if not visible, 403 if not editable."""
    case = get_case_for(user, pk)
    if not can_edit_application(user, case):
        raise PermissionDenied("只有草稿状态（含退回补正）的申请可由申请机构修改。")
    return case


def get_case_for_transition(user, pk, transition: str) -> Case:
    """The case, for a user who may run the action ``transition`` on it at all (the workflow
    policy's "who"): 404 if not visible, 403 for anyone else; the state is the service's to say."""
    case = get_case_for(user, pk)
    refusal = policy.who_refusal(user, case, transition)
    if refusal is not None:
        raise PermissionDenied(refusal)
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
    """Whoever sees the case sees its documents, except the experts' sheets (附件1, which name the
    expert and give their vote): the applicant sees them only once the opinion of their round is
    issued (the institution does not learn who sits on its panel before the result, docs/domain.md
    §专家组名单的保密),
    and a panel member sees another member's only once their own is submitted (as the sheet
    itself, ``can_view_sheet``)."""
    case = document.case
    if not can_view_case(user, case):
        return False
    if document.kind != IssuedDocument.Kind.SHEET or is_case_staff(user, case):
        return True
    if rules.is_case_institution_member(case, user):
        return _opinion_issued(case, document.round_id)
    sheet = getattr(document, "sheet", None)
    return sheet is not None and can_view_sheet(user, sheet)


def documents_visible_to(user, case: Case) -> list[IssuedDocument]:
    """The case's issued documents this user may open (``can_view_document``), in the order they
    were issued."""
    if not can_view_case(user, case):
        return []
    documents = list(case.documents.order_by("issued_at", "id"))
    if is_case_staff(user, case):
        return documents
    if rules.is_case_institution_member(case, user):
        rounds = {d.round_id for d in documents if d.kind == IssuedDocument.Kind.OPINION}
    else:  # a panel member: the rounds in which their own sheet is submitted
        rounds = set(
            ReviewSheet.objects.filter(
                round__case=case,
                seat__expert__user_id=user.pk,
                seat__status=Seat.Status.ACCEPTED,
                submitted_at__isnull=False,
            ).values_list("round_id", flat=True)
        )
    return [d for d in documents if d.kind != IssuedDocument.Kind.SHEET or d.round_id in rounds]


def get_document_for(user, pk) -> IssuedDocument:
    try:
        document = IssuedDocument.objects.select_related("case", "case__bureau").get(pk=pk)
    except (IssuedDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("文书不存在或您无权查看。") from None
    if not can_view_document(user, document):
        raise Http404("文书不存在或您无权查看。")
    return document


# ---- the review of a round --------------------------------------------------------------------
def can_view_sheet(user, sheet) -> bool:
    """An expert's sheet: the expert always; once submitted, the round's bureau staff (and the
    prefecture) and the other members who have submitted their own (experts do not see each
    other's sheets before submitting theirs). The applicant reads the issued 附件1 only."""
    case = sheet.round.case
    if not can_view_case(user, case):
        return False
    if sheet.seat.expert.user_id == user.pk:
        return True
    if not sheet.is_submitted:
        return False
    if is_case_staff(user, case):
        return True
    if user.role == "expert":
        return sheet.round.sheets.filter(
            seat__expert__user_id=user.pk,
            seat__status=Seat.Status.ACCEPTED,
            submitted_at__isnull=False,
        ).exists()
    return False


def get_round_for(user, pk):
    """A round of a case the user may see; 404 otherwise."""
    try:
        round = Round.objects.select_related("case__institution", "case__bureau", "bureau").get(
            pk=pk
        )
    except (Round.DoesNotExist, ValueError, TypeError):
        raise Http404("鉴定轮次不存在或您无权查看。") from None
    if not can_view_case(user, round.case):
        raise Http404("鉴定轮次不存在或您无权查看。")
    return round


def can_view_review_records(user, round) -> bool:
    """The activity records and their files: bureau staff with jurisdiction and that round's
    panel (not the panel of the case's other round)."""
    case = round.case
    return is_case_staff(user, case) or round.pk in rules.accepted_rounds(case, user)


def get_activity_file_for(user, pk):
    try:
        f = ActivityFile.objects.select_related("activity__round__case__bureau").get(pk=pk)
    except (ActivityFile.DoesNotExist, ValueError, TypeError):
        raise Http404("文件不存在或您无权查看。") from None
    round = f.activity.round
    if not (can_view_case(user, round.case) and can_view_review_records(user, round)):
        raise Http404("文件不存在或您无权查看。")
    return f


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
