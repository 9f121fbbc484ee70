"""Review pages of a round: records, the expert's sheet, the opinion, signing, the decision.

Thin, like views.py: each reads its input, asks ``access`` who may see it, calls one service of
``appraisal/review/`` and shows its message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

import audit
from appraisal import access
from appraisal.models import CaseState, MaterialKind, Opinion, ReviewSheet, Round
from appraisal.pages.forms import ActivityForm, LeaderForm, OpinionForm, SignOpinionForm, StampForm
from appraisal.rereview.services import opinion_standing
from appraisal.review import activities, read, sheet_gaps, sheets
from appraisal.review import decision as decisions
from appraisal.review import opinion as opinions
from appraisal.workflow import policy, rules
from audit.models import Action
from common.errors import ServiceError
from common.forms import form_errors_to_messages
from common.http import attachment, client_ip
from common.views import run


def _round_for_panel_or_staff(user, pk):
    round = access.get_round_for(user, pk)
    if not access.can_view_review_records(user, round):
        raise PermissionDenied("您无权查看该轮鉴定的记录。")
    return round


# ---- records -----------------------------------------------------------------------------------
@never_cache
@login_required
def review_records(request, pk):
    """The round's activity records; its bureau's clerks add to them."""
    round = _round_for_panel_or_staff(request.user, pk)
    may_record = rules.is_round_staff(round, request.user)
    kinds = activities.recordable_kinds(round.case, round)
    # With nothing recordable the form offers every kind, and the service says why it refuses.
    form = ActivityForm(request.POST or None, kinds=kinds or None)
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied("只有组织本轮鉴定的教育局工作人员可以记录鉴定活动。")
        if form.is_valid():
            if run(
                request,
                lambda: activities.record_activity(
                    request.user,
                    round,
                    **form.cleaned_data,
                    files=request.FILES.getlist("files"),
                    ip=client_ip(request),
                ),
                "鉴定活动已记录。",
                form=form,
            ):
                return redirect("appraisal:review_records", pk=round.pk)
    return render(
        request,
        "appraisal/review_records.html",
        {
            "round": round,
            "case": round.case,
            "activities": round.activities.prefetch_related("files").select_related("recorded_by"),
            "form": form,
            "may_record": may_record and bool(kinds),
        },
    )


@login_required
def activity_file_download(request, pk):
    f = access.get_activity_file_for(request.user, pk)
    audit.record(request, Action.MATERIAL_DOWNLOAD, f, sha256=f.sha256)
    return attachment(f.file, f.original_name, f.content_type)


# ---- the expert's sheet ------------------------------------------------------------------------
def answers_from_post(post, projects, dimensions) -> dict:
    """The sheet's form fields, per project (p<id>-…) and dimension (…-d<id>-…)."""
    answers = {}
    for p in projects:
        prefix = f"p{p.pk}"
        evidence = {}
        for d in dimensions:
            key = f"{prefix}-d{d.pk}"
            evidence[str(d.pk)] = {
                "material": post.get(f"{key}-material") or None,
                "page": post.get(f"{key}-page", ""),
                "activity": post.get(f"{key}-activity") or None,
                "text": post.get(f"{key}-text", ""),
                "none": post.get(f"{key}-none") == "1",
            }
        answers[p.pk] = {
            "ticked": post.getlist(f"{prefix}-sign"),
            "evidence": evidence,
            "vote": post.get(f"{prefix}-vote", ""),
            "reasons": post.get(f"{prefix}-reasons", ""),
        }
    return answers


def _number_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _sheet_row(project, dimensions, answer, typed=None) -> dict:
    """One project's part of the sheet: the saved answer, or, when ``typed`` (what the expert sent,
    in ``answers_from_post``'s shape) could not be saved, what was typed, so nothing is lost."""
    if typed is not None:
        ticked = {n for n in map(_number_or_none, typed["ticked"]) if n is not None}
        evidence = {
            dim: {
                **entry,
                "material": _number_or_none(entry["material"]),
                "activity": _number_or_none(entry["activity"]),
            }
            for dim, entry in typed["evidence"].items()
        }
        vote, reasons = typed["vote"], typed["reasons"]
    else:
        ticked = {s.pk for s in answer.ticked.all()} if answer else set()
        evidence = answer.evidence if answer else {}
        vote, reasons = (answer.vote, answer.reasons) if answer else ("", "")
    # A saved draft that cannot be submitted yet says so by its own vote and by each dimension,
    # not only at the top.
    missing, gaps = "", {}
    if answer is not None and typed is None and not answer.sheet.is_submitted:
        missing = {"vote": "尚未表决", "reasons": "尚未写明理由", "": ""}[sheets.answer_gap(answer)]
        gaps = sheet_gaps.dimension_gaps(answer, dimensions)
    return {
        "project": project,
        "answer": answer,
        "vote": vote,
        "reasons": reasons,
        "missing": missing,
        "gap_count": len(gaps),
        "dimensions": [
            {
                "dimension": d,
                "academic": [(s, s.pk in ticked) for s in d.academic_signs],
                "non_academic": [(s, s.pk in ticked) for s in d.non_academic_signs],
                "evidence": evidence.get(str(d.pk), {}),
                "gap": gaps.get(d.pk, ""),
            }
            for d in dimensions
        ],
    }


@never_cache
@login_required
def sheet(request, pk):
    """The expert's own sheet: tick signs, give evidence, vote; save a draft or submit."""
    round = access.get_round_for(request.user, pk)
    if read.seat_of(request.user, round) is None:
        raise PermissionDenied("您不是本轮专家组成员（或未接受邀请）。")
    case = round.case
    try:
        own = sheets.sheet_for(request.user, round)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("appraisal:case_detail", pk=case.pk)
    projects = list(case.projects.order_by("name").prefetch_related("subjects"))
    dimensions = own.template.dimensions_with_signs()
    saved = {a.project_id: a for a in own.answers.prefetch_related("ticked")}
    typed = None  # what the expert sent, shown again when it could not be saved
    if request.method == "POST":
        action = request.POST.get("action", "save")
        typed = answers_from_post(request.POST, projects, dimensions)
        try:
            sheets.save_sheet(request.user, round, answers=typed, ip=client_ip(request))
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            try:
                if action == "submit":
                    if request.POST.get("confirm_submit") != "1":
                        raise ServiceError(
                            "草稿已保存。提交前请勾选“确认提交”：提交后评分表不能再修改。"
                        )
                    sheets.submit_sheet(request.user, round, ip=client_ip(request))
                    messages.success(request, "评分表已提交，附件1已出具。")
                else:
                    messages.success(request, "草稿已保存，规则提示的类别已更新。")
            except ServiceError as exc:
                messages.error(request, exc.message)
            return redirect("appraisal:sheet", pk=round.pk)
        case.refresh_from_db(fields=["state"])  # the state may be why it was refused
        own.refresh_from_db()
    rows = [_sheet_row(p, dimensions, saved.get(p.pk), (typed or {}).get(p.pk)) for p in projects]
    return render(
        request,
        "appraisal/sheet.html",
        {
            "round": round,
            "case": case,
            "sheet": own,
            "rows": rows,
            "materials": sorted(  # in the checklist's order, as everywhere else
                case.materials.order_by("-version", "id"),
                key=lambda m: MaterialKind.values.index(m.kind),
            ),
            "activities": round.activities.order_by("date", "id"),
            "editable": not own.is_submitted and case.state == CaseState.IN_REVIEW,
        },
    )


# ---- the opinion -------------------------------------------------------------------------------
@never_cache
@login_required
@require_POST
def set_leader(request, pk):
    round = access.get_round_for(request.user, pk)
    if not rules.is_round_staff(round, request.user):
        raise PermissionDenied("只有组织本轮鉴定的教育局工作人员可以指定组长。")
    form = LeaderForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: opinions.set_leader(
                request.user, round, form.cleaned_data["seat"], ip=client_ip(request)
            ),
            "已指定专家组组长。",
        )
    else:
        form_errors_to_messages(request, form)
    return redirect("appraisal:case_detail", pk=round.case_id)


def _opinion(round) -> Opinion | None:
    return Opinion.objects.filter(round=round).select_related("leader__expert").first()


@never_cache
@login_required
def opinion_edit(request, pk):
    """The leader drafts (or revises) the opinion; the results come from the sheets."""
    round = access.get_round_for(request.user, pk)
    seat = read.seat_of(request.user, round)
    opinion = _opinion(round)
    if seat is None or opinion is None or opinion.leader_id != seat.pk:
        raise PermissionDenied("只有教育局指定的专家组组长可以起草鉴定意见。")
    problems = opinions.opinion_problems(round)
    if problems:  # the page shows every member's vote and reasons: not before all are in
        messages.info(request, "全部评分表提交后方可起草鉴定意见：" + "".join(problems))
        return redirect("appraisal:case_detail", pk=round.case_id)
    first = ReviewSheet.objects.filter(round=round).select_related("template").first()
    names = [d.name for d in first.template.dimensions.order_by("order", "id")] if first else []
    results, dissent = opinions.tally(round)
    ties = [r for r in results if r["tie"]]
    initial = {"reasoning": opinion.reasoning}
    for i, name in enumerate(names):
        initial[f"finding_{i}"] = next(
            (f["text"] for f in opinion.findings if f["dimension"] == name), ""
        )
    for r in opinion.results:  # the result the panel settled on, as last drafted
        if r.get("tie") and r.get("result"):
            initial[f"settled_{r['project']}"] = r["result"]
    form = OpinionForm(request.POST or None, dimensions=names, ties=ties, initial=initial)
    editable = round.case.state == CaseState.IN_REVIEW
    refused = ""
    if request.method == "POST" and not editable:  # the page no longer offers the form
        refused = f"案件当前为“{round.case.state_label}”，鉴定意见已不能修改，本次未作更改。"
    elif request.method == "POST" and form.is_valid():
        if run(
            request,
            lambda: opinions.save_opinion(
                request.user,
                round,
                reasoning=form.cleaned_data["reasoning"],
                findings=form.findings(),
                settled=form.settled(),
                ip=client_ip(request),
            ),
            "鉴定意见已保存，请专家组成员核对后签署。",
            form=form,
        ):
            return redirect("appraisal:opinion_sign", pk=round.pk)
    return render(
        request,
        "appraisal/opinion_edit.html",
        {
            "round": round,
            "case": round.case,
            "opinion": opinion,
            "form": form,
            "problems": opinions.opinion_problems(round),
            "results": results,
            "dissent": dissent,
            "sheets": ReviewSheet.objects.filter(round=round, submitted_at__isnull=False)
            .select_related("seat__expert", "document")
            .prefetch_related("answers__project"),
            "editable": editable,
            "refused": refused,
        },
    )


@never_cache
@login_required
def opinion_sign(request, pk):
    """The exact text and results being signed, the signatures (valid or void), and the form."""
    round = _round_for_panel_or_staff(request.user, pk)
    seat = read.seat_of(request.user, round)
    opinion = _opinion(round)
    form = SignOpinionForm(
        request.POST or None, initial={"content_hash": opinion.content_hash if opinion else ""}
    )
    if request.method == "POST":
        if seat is None:
            raise PermissionDenied("只有本轮专家组成员可以签署鉴定意见。")
        if form.is_valid():
            if run(
                request,
                lambda: opinions.sign_opinion(
                    request.user,
                    round,
                    reauth=form.cleaned_data["reauth"],
                    content_hash=form.cleaned_data["content_hash"],
                    ip=client_ip(request),
                    request=request,
                ),
                "您已签署鉴定意见。",
                form=form,
            ):
                return redirect("appraisal:opinion_sign", pk=round.pk)
        if opinion is not None and form.data.get("content_hash") != opinion.content_hash:
            # The text changed since the page was opened: the page now shows the new text, and
            # the next signature is for it, once the member confirms having read it again.
            form.data = form.data.copy()
            form.data["content_hash"] = opinion.content_hash
            form.data.pop("confirm", None)
    state = read.review_state(round)
    signed_now = bool(
        opinion
        and seat
        and opinion.is_drafted
        and opinion.signatures.filter(seat=seat, revision=opinion.revision).exists()
    )
    return render(
        request,
        "appraisal/opinion_sign.html",
        {
            "round": round,
            "case": round.case,
            "opinion": opinion,
            "signed_content": opinion.signed_content() if opinion and opinion.is_drafted else "",
            "form": form,
            "may_sign": seat is not None
            and opinion is not None
            and opinion.is_drafted
            and not signed_now
            and round.case.state == CaseState.IN_REVIEW,
            "signed_now": signed_now,
            **state,
        },
    )


# ---- the decision and the seal -----------------------------------------------------------------
@never_cache
@login_required
def decision(request, pk):
    """确定类别并盖章, for the round's bureau staff; the service checks the stamp permission."""
    round = access.get_round_for(request.user, pk)
    if not rules.is_round_staff(round, request.user):
        raise PermissionDenied("只有组织本轮鉴定的教育局工作人员可以确定类别并盖章。")
    opinion = _opinion(round)
    if opinion is not None and not opinion.is_drafted:
        opinion = None
    form = StampForm(request.POST or None, results=opinion.results if opinion else [])
    if request.method == "POST" and opinion is None:
        messages.error(request, "本轮鉴定尚无鉴定意见，不能确定类别。")
    elif request.method == "POST" and form.is_valid():
        if run(
            request,
            lambda: decisions.stamp_decision(
                request.user,
                round,
                categories=form.categories(),
                reason=form.cleaned_data["reason"],
                reauth=form.cleaned_data["reauth"],
                ip=client_ip(request),
                request=request,
            ),
            "已确定类别并加盖公章，鉴定意见书已出具。",
            form=form,
        ):
            return redirect("appraisal:case_detail", pk=round.case_id)
    return render(
        request,
        "appraisal/decision.html",
        {
            "round": round,
            "case": round.case,
            "opinion": opinion,
            "form": form,
            "may_stamp": policy.may_ever(request.user, round.case, "stamp"),
            "no_meeting": activities.NO_MEETING if not activities.held_meeting(round) else "",
            **read.review_state(round),
        },
    )


# ---- the case page's 鉴定 section ---------------------------------------------------------------
def review_context(user, case) -> dict:
    """Per round, what the case page shows of its review to bureau staff and the panel; the
    applicant sees the decided results (and the panel's names) once the result is issued."""
    rounds = []
    actions = policy.actions_for(user, case)
    staff = access.is_case_staff(user, case)
    all_rounds = list(case.rounds.select_related("bureau", "decision__document").order_by("number"))
    later = next(  # the prefecture's opinion, which replaces the county's
        (
            r.decision.document
            for r in all_rounds
            if r.number == Round.PREFECTURE and hasattr(r, "decision")
        ),
        None,
    )

    def standing(round, decision):
        if decision is None or decision.document is None:
            return None
        return opinion_standing(decision.document, round=round, case=case, later=later)

    for round in all_rounds:
        if not round.seats.filter(status="accepted").exists():
            continue
        decision = getattr(round, "decision", None) if hasattr(round, "decision") else None
        if not (staff or rules.holds_accepted_seat_in(round, user)):
            if decision is not None and rules.is_case_institution_member(case, user):
                rounds.append(
                    {
                        "round": round,
                        "decision": decision,
                        "applicant_view": True,
                        "standing": standing(round, decision),
                    }
                )
            continue
        state = read.review_state(round)
        seat = read.seat_of(user, round)
        opinion = state["opinion"]
        current = case.current_round.pk == round.pk
        state.update(
            {
                "my_seat": seat,
                "my_sheet": ReviewSheet.objects.filter(seat=seat).first() if seat else None,
                "is_leader": bool(seat and opinion and opinion.leader_id == seat.pk),
                "is_round_staff": rules.is_round_staff(round, user),
                "may_set_leader": current and "set_leader" in actions,
                "may_stamp": current and "stamp" in actions,
                "in_review": current and case.state == CaseState.IN_REVIEW,
                "valid_count": sum(1 for s in state["signatures"] if s["valid"]),
                "all_sheets_in": all(
                    m["sheet"] is not None and m["sheet"].is_submitted for m in state["members"]
                ),
                "standing": standing(round, state["decision"]),
            }
        )
        rounds.append(state)
    return {"review_rounds": rounds}
