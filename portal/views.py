"""The home page: what must I do now (待办), by role."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

import audit
from appraisal import access
from appraisal.deadlines import COUNTY, PREFECTURE, overdue, owed_with_deadlines, with_deadlines
from appraisal.models import Case, CaseState, Round
from appraisal.models.case import RETURNED, RETURNED_LABEL
from appraisal.services.cases import REVIEW_STATES
from audit.models import Action

from .forms import LoginForm
from .models import Bureau


@login_required
def home(request):
    user = request.user
    if user.is_superuser or user.role == user.Role.ADMIN:
        return render(request, "portal/home_admin.html")
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
    return render(
        request,
        "portal/home_institution.html",
        {
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
    open_cases = owed_with_deadlines(visible, COUNTY)
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
    cases = (
        visible.filter(state__in=[CaseState.ACCEPTED, *REVIEW_STATES])
        .exclude(rounds__number=Round.PREFECTURE)
        .annotate(county_round=Subquery(first))
        .select_related("institution")
        .order_by("accepted_at", "id")[:200]
    )
    by_state = {}
    for case in cases:
        by_state.setdefault(case.state, []).append(case)
    return {
        "to_seal": by_state.get(CaseState.OPINION_SIGNED, []),
        "in_review": by_state.get(CaseState.IN_REVIEW, []),
        "forming_panel": by_state.get(CaseState.PANEL_DRAWN, []),
        "waiting_draw": by_state.get(CaseState.ACCEPTED, []),
    }


# The stages the prefecture's overview counts, each a group of states.
STAGES = [
    ("待受理", [CaseState.SUBMITTED]),
    ("补正中", [CaseState.DRAFT]),
    (
        "鉴定中",
        [CaseState.ACCEPTED, CaseState.PANEL_DRAWN, CaseState.IN_REVIEW, CaseState.OPINION_SIGNED],
    ),
    ("已出结论", [CaseState.DECIDED]),
    ("复审中", [CaseState.REREVIEW_REQUESTED, CaseState.REREVIEW_FORWARDED]),
    ("已办结", [CaseState.CLOSED]),
    ("不予受理或撤回", [CaseState.REFUSED, CaseState.WITHDRAWN]),
]


def prefecture_home(request):
    visible = access.cases_visible_to(request.user)
    bureaus = Bureau.objects.filter(
        Q(pk=request.user.bureau_id) | Q(parent_id=request.user.bureau_id)
    )
    counts = {}
    for row in visible.values("bureau_id", "state").annotate(n=Count("id")).order_by():
        counts[(row["bureau_id"], row["state"])] = row["n"]
    stats = []
    for b in bureaus:
        by_stage = [sum(counts.get((b.pk, s), 0) for s in states) for _, states in STAGES]
        stats.append({"bureau": b, "total": sum(by_stage), "by_stage": by_stage})
    open_cases = owed_with_deadlines(visible, PREFECTURE)
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
            "own_rounds": [c for c in open_cases if c.state in REVIEW_STATES],
            "overdue": overdue(open_cases, PREFECTURE),
            "recent": recent,
        },
    )


def lockout(request, response=None, credentials=None):
    """django-axes: the login page again, saying why the login was refused (HTTP 429)."""
    username = str((credentials or {}).get("username", ""))[:150]
    audit.record(request, Action.LOCKED_OUT, None, username=username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {
            "form": LoginForm(request),
            "lockout_message": (
                f"登录失败次数过多，该账户已暂时锁定，请 {minutes} 分钟后再试。"
                "如忘记密码，请联系所在教育局重置。"
            ),
        },
        status=429,
    )


def expert_home(request):
    """Invitations to answer, with their deadlines, and the cases where the expert sits."""
    from appraisal.models import Seat
    from appraisal.services.reviews import expert_todo

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
    return render(
        request,
        "portal/home_expert.html",
        {
            "profile": profile,
            "invitations": seats.filter(
                status=Seat.Status.INVITED, round__case__state=CaseState.PANEL_DRAWN
            ).order_by("reply_by"),
            "accepted": accepted,
            "waiting": sum(1 for s in accepted if s.todo),
            "answered": seats.exclude(
                status__in=[Seat.Status.INVITED, Seat.Status.ACCEPTED]
            ).order_by("-invited_at")[:20],
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


@require_GET
def healthz(request):
    """For the load balancer and the load benchmark's ceiling: answers without the database."""
    return HttpResponse("ok", content_type="text/plain")


def root(request):
    return redirect("home")


def error_403(request, exception=None):
    return render(request, "403.html", {"message": _message(exception)}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", {"message": _message(exception)}, status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def _message(exception):
    text = str(exception or "")
    # Only our own Chinese messages are shown; Django's technical ones are not.
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


@login_required
def notifications(request):
    items = request.user.notifications.select_related("case")[:100]
    return render(request, "portal/notifications.html", {"items": items})


@login_required
def notification_open(request, pk):
    """Mark one of the user's own notifications read and go where it points."""
    from django.utils import timezone
    from django.utils.http import url_has_allowed_host_and_scheme

    item = access.get_notification_for(request.user, pk)
    if item.read_at is None:
        request.user.notifications.filter(pk=item.pk).update(read_at=timezone.now())
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()}):
        return redirect(item.url)
    return redirect("notifications")


@login_required
def notifications_read_all(request):
    from django.utils import timezone

    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
