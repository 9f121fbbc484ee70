"""Panel pages: the draw, its record and verification, the invitations. Thin, like views.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appraisal import access
from appraisal.models import CaseState, Draw, Seat
from appraisal.pages.forms import (
    AcceptInvitationForm,
    DeclineInvitationForm,
    DrawForm,
    WitnessFields,
)
from appraisal.panel import attempts as draw_attempts
from appraisal.panel import draws as draw_services
from appraisal.panel import invitations as invitation_services
from appraisal.workflow import policy
from common.errors import ServiceError
from common.forms import form_errors_to_messages
from common.http import client_ip
from common.views import run
from experts.models import Expert
from portal.models import Subject
from portal.pagination import CappedPaginator

# Log rows about the panel's members: not shown to whoever may not know the panel's names.
PANEL_STEPS = {
    "accept_invitation",
    "decline_invitation",
    "lapse_invitation",
    "call_alternate",
    "alternates_exhausted",
    "draw_seat",
    "submit_sheet",
    "set_leader",
    "sign_opinion",
}


def panel_context(user, case) -> dict:
    """What the case page shows about the panel to this user."""
    names_visible = access.panel_names_visible_to(user, case)
    seats = list(
        Seat.objects.filter(round__case=case)
        .select_related("expert", "round__bureau", "replaces")
        .order_by("round__number", "position", "invited_at", "id")
    )
    accepted = [s for s in seats if s.status == Seat.Status.ACCEPTED]
    current = case.current_round
    overseers = access.can_view_draws_of(user, case)  # the case's bureau staff, its supervisors
    rounds = {s.round_id: s.round for s in seats}
    visible = {  # each round's panel on its own terms (a member of one round, another's result)
        pk: access.panel_names_visible_to(user, case, round) for pk, round in rounds.items()
    }
    return {
        "panel_names_visible": names_visible,
        "seats": [s for s in seats if visible[s.round_id]] if names_visible else [],
        "panel_members": [s for s in accepted if visible[s.round_id]] if names_visible else [],
        # the current round's panel, as far as it has formed (a second round starts again)
        "panel_count": sum(1 for s in accepted if current and s.round_id == current.pk),
        "draws": list(case_draws(case)) if overseers else [],
        # why an expert declined (a relative's job, …): for those who oversee the panel only
        "decline_reasons_visible": overseers,
        "can_manage_panel": access.can_manage_panel(user, case),
        "may_draw": policy.allowed(user, case, "draw_panel"),
    }


def rounds_overview(user, case, panel, documents) -> list[dict]:
    """Each round of the case, side by side on the case page: who ran it, its panel, its draws,
    its opinion and decision, and its documents (as far as this user may see them)."""
    rows = []
    for round in case.rounds.select_related("bureau").order_by("number"):
        # The first round's panel is no secret once its result was issued, whatever the second's.
        visible = access.panel_names_visible_to(user, case, round)
        accepted = Seat.objects.filter(round=round, status=Seat.Status.ACCEPTED).select_related(
            "expert"
        )
        rows.append(
            {
                "round": round,
                "names_visible": visible,
                "members": list(accepted),
                "draws": [d for d in panel["draws"] if d.round_id == round.pk],
                "documents": [d for d in documents if d.round_id == round.pk],
                # The opinion as far as drafted, to whoever may know the panel; the decision,
                # once stamped, to everyone who sees the case.
                "opinion": getattr(round, "opinion", None) if visible else None,
                "decision": getattr(round, "decision", None),
            }
        )
    return rows


def case_draws(case):
    return Draw.objects.filter(round__case=case).select_related("drawn_by", "witness", "round")


def _refused_on_the_form(request, case, form, seat=None):
    """A draw attempt the form refused (a wrong field, a witness not verified), audited like
    those the service refuses (``draw_attempts``)."""
    errors = [str(e) for errors in form.errors.values() for e in errors]
    draw_attempts.refused(
        request,
        case.pk,
        commitment_id=request.POST.get("commitment"),
        message="；".join(errors),
        ip=client_ip(request),
        seat=seat,
    )


@never_cache
@login_required
def draw_panel(request, pk):
    case = access.get_case_for(request.user, pk)
    if not access.can_manage_panel(request.user, case):
        raise PermissionDenied("您无权为该案件抽取专家。")
    if policy.state_refusal("draw_panel", case):
        messages.error(request, "该案件当前不能抽取专家。")
        return redirect("appraisal:case_detail", pk=case.pk)
    try:
        commitment = draw_services.pending_commitment(request.user, case)
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from None
    codes = draw_services.case_subject_codes(case)
    choices = [(s.code, s.name) for s in Subject.objects.filter(code__in=codes)]
    form = DrawForm(
        request.POST or None,
        request=request,
        about=draw_attempts.about(case, commitment),
        subject_choices=choices,
        initial={"subjects": codes, "commitment": commitment.pk, "panel_size": 3},
    )
    if request.method == "POST" and not form.is_valid():
        _refused_on_the_form(request, case, form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draw = draw_services.draw_panel(
                request.user,
                case.pk,
                panel_size=data["panel_size"],
                subjects=data["subjects"],
                legal_seat=data["legal_seat"],
                commitment_id=data["commitment"],
                witness=data["witness"],
                witness_value=data.get("witness_value", ""),
                ip=client_ip(request),
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"已抽取专家组 {draw.panel_size} 人并发出邀请，候补专家 {len(draw.alternates)} 人。",
            )
            return redirect("appraisal:case_detail", pk=case.pk)
    return render(
        request,
        "appraisal/draw_form.html",
        {
            "case": case,
            "form": form,
            "commitment": commitment,
            "seat": None,
            "witness_required": settings.APPRAISAL_DRAW_REQUIRE_WITNESS,
        },
    )


@never_cache
@login_required
def draw_seat(request, pk, seat_pk):
    case = access.get_case_for(request.user, pk)
    if not access.can_manage_panel(request.user, case):
        raise PermissionDenied("您无权为该案件抽取专家。")
    try:
        seat = Seat.objects.select_related("expert").get(pk=seat_pk, round__case=case)
        commitment = draw_services.pending_commitment(request.user, case)
    except (Seat.DoesNotExist, ValueError):
        messages.error(request, "席位不存在。")
        return redirect("appraisal:case_detail", pk=case.pk)
    except ServiceError as exc:
        raise PermissionDenied(exc.message) from None
    if case.state != CaseState.PANEL_DRAWN or not seat.is_vacant:  # as the case page offers it
        messages.error(request, "该席位不是空缺席位，无需补抽。")
        return redirect("appraisal:case_detail", pk=case.pk)
    form = WitnessFields(
        request.POST or None,
        request=request,
        about=draw_attempts.about(case, commitment),
        initial={"commitment": commitment.pk},
    )
    if request.method == "POST" and not form.is_valid():
        _refused_on_the_form(request, case, form, seat=seat.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run(
            request,
            lambda: invitation_services.draw_for_seat(
                request.user,
                case.pk,
                seat.pk,
                commitment_id=data["commitment"],
                witness=data["witness"],
                witness_value=data.get("witness_value", ""),
                ip=client_ip(request),
            ),
            f"已为席位{seat.position}补抽专家并发出邀请。",
            form=form,
        ):
            return redirect("appraisal:case_detail", pk=case.pk)
    return render(
        request,
        "appraisal/draw_form.html",
        {
            "case": case,
            "form": form,
            "commitment": commitment,
            "seat": seat,
            "witness_required": settings.APPRAISAL_DRAW_REQUIRE_WITNESS,
        },
    )


@never_cache
@login_required
@require_POST
def lapse_check(request, pk):
    case = access.get_case_for(request.user, pk)
    if not access.can_manage_panel(request.user, case):
        raise PermissionDenied("您无权处理该案件的专家邀请。")
    count = invitation_services.lapse_overdue(case_id=case.pk, actor=request.user)
    if count:
        messages.success(request, f"{count} 个邀请已逾期，已依次递补候补专家。")
    else:
        messages.info(request, "没有逾期未答复的邀请。")
    return redirect("appraisal:case_detail", pk=case.pk)


def _draw_rows(draw):
    """The order of a draw with names, panel marks and what became of each call."""
    experts = Expert.objects.prefetch_related("subjects").in_bulk(draw.order)
    seats = {s.expert_id: s for s in Seat.objects.filter(round=draw.round)}
    panel = set(draw.panel)
    return [
        {
            "rank": rank,
            "id": eid,
            "expert": experts.get(eid),
            "in_panel": eid in panel,
            "seat": seats.get(eid),
        }
        for rank, eid in enumerate(draw.order, start=1)
    ]


@login_required
def draw_record(request, pk):
    """抽取记录表: printable (the browser prints it without the portal's frame)."""
    draw = access.get_draw_for(request.user, pk)
    return render(
        request,
        "appraisal/draw_record.html",
        {
            "draw": draw,
            "case": draw.round.case,
            "rows": _draw_rows(draw),
            "subjects": dict(Subject.objects.values_list("code", "name")),
        },
    )


@login_required
def draw_verify(request, pk):
    draw = access.get_draw_for(request.user, pk)
    problems = draw.verify()
    result = None if any("重新运行失败" in p for p in problems) else draw.rerun()
    return render(
        request,
        "appraisal/draw_verify.html",
        {"draw": draw, "case": draw.round.case, "problems": problems, "result": result},
    )


@login_required
def draw_list(request):
    if request.user.role not in ("supervisor", "county", "prefecture"):
        raise PermissionDenied
    draws = (
        access.draws_visible_to(request.user)
        .select_related("drawn_by", "witness", "round__bureau", "round__case__institution")
        .defer("candidates", "order", "filters")
        .order_by("-created_at", "-id")
    )
    page = CappedPaginator(draws, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    return render(request, "appraisal/draw_list.html", {"page": page})


@never_cache
@login_required
def invitation(request, pk):
    """The invitation: enough to decide on a conflict (institution, projects, dates); the
    materials open only after accepting."""
    return _invitation_page(request, access.get_invitation_for(request.user, pk))


def _invitation_page(request, seat, accept_form=None, decline_form=None):
    """The invitation page; after a refused reply, with the forms as the expert filled them
    (the ticked declarations, the reason and its explanation), never emptied."""
    seat.refresh_from_db()  # a refusal may have come from a change made meanwhile
    case = seat.round.case
    return render(
        request,
        "appraisal/invitation.html",
        {
            "seat": seat,
            "case": case,
            "projects": case.projects.prefetch_related("subjects"),
            "accept_form": accept_form
            or AcceptInvitationForm(items=invitation_services.DECLARATION_ITEMS),
            "decline_form": decline_form or DeclineInvitationForm(),
            "answerable": seat.status == Seat.Status.INVITED
            and not seat.is_overdue()
            and case.state == CaseState.PANEL_DRAWN,
        },
    )


@never_cache
@login_required
@require_POST
def invitation_accept(request, pk):
    seat = access.get_invitation_for(request.user, pk)
    form = AcceptInvitationForm(request.POST, items=invitation_services.DECLARATION_ITEMS)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _invitation_page(request, seat, accept_form=form)
    try:
        invitation_services.accept_invitation(
            request.user, seat.pk, confirmed=form.cleaned_data["confirmed"], ip=client_ip(request)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _invitation_page(request, seat, accept_form=form)
    messages.success(request, "您已接受邀请并签署声明，可以查阅本案材料。")
    return redirect("appraisal:case_detail", pk=seat.round.case_id)


@never_cache
@login_required
@require_POST
def invitation_decline(request, pk):
    seat = access.get_invitation_for(request.user, pk)
    form = DeclineInvitationForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _invitation_page(request, seat, decline_form=form)
    try:
        invitation_services.decline_invitation(
            request.user,
            seat.pk,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            ip=client_ip(request),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _invitation_page(request, seat, decline_form=form)
    messages.success(request, "您已谢绝该邀请，感谢答复。")
    return redirect("home")
