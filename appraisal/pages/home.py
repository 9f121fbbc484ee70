"""The home page of each role: what it must do now (待办)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from appraisal import access
from appraisal.models import Case, CaseState, Decision, Opinion, ReviewActivity, Round, Seat
from appraisal.models.calendar import working_calendar
from appraisal.review.read import expert_todo
from appraisal.workflow.deadlines import (
    COUNTY,
    PREFECTURE,
    overdue,
    owed_with_deadlines,
    with_deadlines,
)
from appraisal.workflow.states import (
    RESULT_ISSUED,
    RETURNED,
    RETURNED_LABEL,
    REVIEW,
    STAGES,
    stage_of,
)
from appraisal.workflow.workdays import missing_schedules
from portal.models import Bureau


@never_cache
@login_required
def home(request):
    user = request.user
    if user.is_superuser or user.role == user.Role.ADMIN:
        return render(request, "portal/home_admin.html", {"missing_schedules": missing_schedules()})
    handler = {
        user.Role.INSTITUTION: institution_home,
        user.Role.COUNTY: county_home,
        user.Role.PREFECTURE: prefecture_home,
        user.Role.EXPERT: expert_home,
        user.Role.SUPERVISOR: supervisor_home,
    }.get(user.role)
    if handler is None:
        return render(request, "portal/home_other.html")
    return handler(request)


def institution_home(request):
    institution = request.user.institution
    if institution is None:
        return render(request, "portal/home_other.html", {"no_institution": True})
    cases = list(
        access.cases_visible_to(request.user)
        .select_related("bureau", "institution")
        .prefetch_related("projects")
        .order_by("-created_at")[:50]
    )
    Case.attach_last_returns(cases)
    todo = [c for c in cases if c.state == CaseState.DRAFT]
    decided = [  # those that may still ask for a re-review
        c for c in with_deadlines([c for c in cases if c.state == CaseState.DECIDED]) if c.deadline
    ]
    # The category once decided (guide 七(四)): the last round's decision of each case, the
    # prefecture's replacing the county's.
    results = {}
    issued = [c.pk for c in cases if c.state in RESULT_ISSUED]
    decisions = Decision.objects.filter(round__case_id__in=issued).select_related("round")
    for d in decisions.order_by("round__number"):
        results[d.round.case_id] = d
    for c in cases:
        c.decision = results.get(c.pk)
    return render(
        request,
        "portal/home_institution.html",
        {
            "results": [c for c in cases if c.decision is not None],
            "institution": institution,
            "cases": cases,
            "todo": todo,
            "decided": decided,
            "project_count": institution.projects.count(),
        },
    )


def county_home(request):
    visible = access.cases_visible_to(request.user)
    inbox = list(
        visible.filter(state=CaseState.SUBMITTED)
        .select_related("institution")
        .prefetch_related("projects", "materials")
        .order_by("submitted_at", "id")
    )
    for case in inbox:
        present = {m.kind for m in case.materials.all()}
        case.checklist_missing = case.missing_kinds_from(present)
    counts = dict(visible.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    calendar = working_calendar()
    open_cases = owed_with_deadlines(visible, COUNTY, calendar)
    rereview_inbox = sorted(
        (c for c in open_cases if c.state == CaseState.REREVIEW_REQUESTED),
        key=lambda c: (c.updated_at, c.pk),
    )
    return render(
        request,
        "portal/home_county.html",
        {
            "inbox": inbox,
            "rereview_inbox": rereview_inbox,
            "overdue": overdue(open_cases, COUNTY),
            "missing_schedules": missing_schedules(calendar=calendar),
            # Staff see only cases submitted at least once: their drafts are the ones sent back.
            "counts": [
                (RETURNED, RETURNED_LABEL, counts.get(s, 0))
                if s == CaseState.DRAFT
                else (s, label, counts.get(s, 0))
                for s, label in CaseState.choices
            ],
            **_county_rounds(visible),
        },
    )


def _county_rounds(visible) -> dict:
    """The county's own rounds under way, by what each waits for, from one query: to seal (the
    clerk's step, linked to its page), in review, forming the panel, to draw. A re-review's round
    is the prefecture's to follow."""
    first = Round.objects.filter(case=OuterRef("pk"), number=Round.COUNTY).values("pk")[:1]
    of_round = {"round__case": OuterRef("pk"), "round__number": Round.COUNTY}
    cases = (
        visible.filter(state__in=[CaseState.ACCEPTED, *REVIEW])
        .exclude(rounds__number=Round.PREFECTURE)
        .annotate(
            county_round=Subquery(first),
            # what the clerk owes while the panel works (guide 七(三)): the meeting, the leader
            has_meeting=Exists(
                ReviewActivity.objects.filter(**of_round, kind=ReviewActivity.Kind.OPENING_MEETING)
            ),
            has_leader=Exists(Opinion.objects.filter(**of_round, leader__isnull=False)),
        )
        .select_related("institution")
        .order_by("accepted_at", "id")[:200]
    )
    by_state = {}
    for case in cases:
        by_state.setdefault(case.state, []).append(case)
    return {
        "to_seal": by_state.get(CaseState.OPINION_SIGNED, []),
        "in_review": by_state.get(CaseState.IN_REVIEW, []),
        "in_review_owed": [
            c for c in by_state.get(CaseState.IN_REVIEW, []) if not (c.has_meeting and c.has_leader)
        ],
        "forming_panel": by_state.get(CaseState.PANEL_DRAWN, []),
        "waiting_draw": by_state.get(CaseState.ACCEPTED, []),
    }


def prefecture_home(request):
    visible = access.cases_visible_to(request.user)
    bureaus = list(
        Bureau.objects.filter(Q(pk=request.user.bureau_id) | Q(parent_id=request.user.bureau_id))
    )
    stats = [
        {"bureau": b, "total": sum(row), "by_stage": row}
        for b, row in zip(bureaus, _stage_counts(visible, bureaus), strict=True)
    ]
    calendar = working_calendar()
    open_cases = owed_with_deadlines(visible, PREFECTURE, calendar)
    recent = list(
        Case.flag_rereview_requests(visible.select_related("institution", "bureau")).order_by(
            "-created_at"
        )[:10]
    )
    Case.attach_last_returns(recent)
    return render(
        request,
        "portal/home_prefecture.html",
        {
            "stats": stats,
            "stages": [label for label, _ in STAGES],
            "forwarded": [c for c in open_cases if c.state == CaseState.REREVIEW_FORWARDED],
            # Its own round under way, from the draw to the seal (OWED_BY: round 2 only).
            "own_rounds": [c for c in open_cases if c.state in REVIEW],
            "to_seal": _prefecture_to_seal(visible),
            "overdue": overdue(open_cases, PREFECTURE),
            "missing_schedules": missing_schedules(calendar=calendar),
            "recent": recent,
        },
    )


def _stage_counts(visible, bureaus) -> list[list[int]]:
    """Per bureau, its cases per stage of ``STAGES`` (``stage_of``), from one aggregate query."""
    second = Round.objects.filter(case=OuterRef("pk"), number=Round.PREFECTURE)
    rows = (
        visible.annotate(second=Exists(second))
        .values("bureau_id", "state", "second")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {}
    for row in rows:
        stage = stage_of(row["state"], second_round=row["second"])
        if stage is not None:
            key = (row["bureau_id"], stage)
            counts[key] = counts.get(key, 0) + row["n"]
    return [[counts.get((b.pk, i), 0) for i in range(len(STAGES))] for b in bureaus]


def _prefecture_to_seal(visible) -> list:
    """The prefecture's own rounds whose opinion is signed by all: to decide and seal (the
    clerk's step, linked to its page), each with its round."""
    second = Round.objects.filter(case=OuterRef("pk"), number=Round.PREFECTURE).values("pk")[:1]
    return list(
        visible.filter(state=CaseState.OPINION_SIGNED, rounds__number=Round.PREFECTURE)
        .annotate(prefecture_round=Subquery(second))
        .select_related("institution", "bureau")
        .order_by("updated_at", "id")[:200]
    )


def expert_home(request):
    """Invitations to answer, with their deadlines, and the cases where the expert sits."""
    profile = getattr(request.user, "expert_profile", None)
    if profile is None:
        return render(request, "portal/home_other.html")
    seats = Seat.objects.filter(expert=profile).select_related(
        "round__case__institution", "round__bureau"
    )
    accepted = list(seats.filter(status=Seat.Status.ACCEPTED).order_by("-accepted_at"))
    todo = expert_todo(accepted)
    for seat in accepted:
        seat.todo = todo.get(seat.pk)
    invited = seats.filter(status=Seat.Status.INVITED, round__case__state=CaseState.PANEL_DRAWN)
    # Past its final deadline an invitation is lapsed now, not when the daily run records it.
    lapsed = [s for s in invited.order_by("-invited_at") if s.is_overdue()]
    return render(
        request,
        "portal/home_expert.html",
        {
            "profile": profile,
            "invitations": [s for s in invited.order_by("reply_by") if not s.is_overdue()],
            "accepted": accepted,
            "waiting": sum(1 for s in accepted if s.todo),
            "answered": lapsed
            + list(
                seats.exclude(status__in=[Seat.Status.INVITED, Seat.Status.ACCEPTED]).order_by(
                    "-invited_at"
                )[:20]
            ),
        },
    )


def supervisor_home(request):
    """监督人: the draws of its jurisdiction, nothing else."""
    draws = (
        access.draws_visible_to(request.user)
        .defer("candidates", "order", "filters")
        .order_by("-created_at", "-id")[:20]
    )
    return render(request, "portal/home_supervisor.html", {"draws": draws})
