"""The panel's opinion (guide 七(三)): the leader the clerk appoints, the tally of the submitted
votes, the leader's drafts (each change a new revision), and the members' signatures."""

from collections import Counter

from django.db import transaction
from django.utils import timezone

import audit
from appraisal.models import Opinion, ReviewSheet, Seat, SheetAnswer, Signature
from appraisal.models.review import ACADEMIC, NON_ACADEMIC
from appraisal.review.read import accepted_seats
from appraisal.review.rounds import case_url, lock_round, own_seat
from appraisal.workflow import policy
from appraisal.workflow.transitions import log_step, run_transition
from audit.models import Action
from common.errors import ServiceError
from portal.notify import bureau_staff, notify_from
from portal.reauth import check_reauth


def set_leader(user, round, seat_id, *, ip=None) -> Opinion:
    """指定组长: the clerk chooses the leader among the accepted members, before any signature."""
    with transaction.atomic():
        case, round = lock_round(round)
        policy.check(user, case, "set_leader")
        try:
            seat = round.seats.select_related("expert").get(
                pk=int(seat_id), status=Seat.Status.ACCEPTED
            )
        except (Seat.DoesNotExist, ValueError, TypeError):
            raise ServiceError("请从已接受邀请的专家组成员中指定组长。") from None
        opinion, _ = Opinion.objects.select_for_update().get_or_create(round=round)
        if opinion.is_drafted and opinion.valid_signatures().exists():
            raise ServiceError("已有成员签署鉴定意见，不能再更换组长。")
        opinion.leader = seat
        opinion.leader_set_by = user
        opinion.save(update_fields=["leader", "leader_set_by", "updated_at"])
        log_step(
            case,
            "set_leader",
            user,
            note=f"指定{seat.expert.name}为专家组组长。",
            data={"seat": seat.pk},
            ip=ip,
        )
        notify_from("leader_appointed", [seat.expert.user], {}, url=case_url(case), case=case)
    return opinion


def tally(round, settled=None) -> tuple[list[dict], list[dict]]:
    """Per project the submitted votes and the majority; the dissent with its reasons.

    A tie (an even panel split evenly) has no majority: the guide wants the panel's result to be
    明确 (七(三)), so the panel deliberates and the leader records the result it settled on
    (``settled``: project id → category); until then the row's result is None. Dissent: each vote
    against the result.
    """
    case = round.case
    settled = {int(k): v for k, v in (settled or {}).items()}
    answers = list(
        SheetAnswer.objects.filter(sheet__round=round, sheet__submitted_at__isnull=False)
        .select_related("sheet__seat__expert", "project")
        .order_by("sheet__seat__position", "id")
    )
    results, dissent = [], []
    for project in case.projects.order_by("name"):
        votes = Counter(a.vote for a in answers if a.project_id == project.pk)
        academic, non_academic = votes[ACADEMIC], votes[NON_ACADEMIC]
        tie = academic == non_academic
        if tie:
            result = settled.get(project.pk)
        else:
            result = ACADEMIC if academic > non_academic else NON_ACADEMIC
        results.append(
            {
                "project": project.pk,
                "name": project.name,
                "academic": academic,
                "non_academic": non_academic,
                "result": result,
                "tie": tie,
            }
        )
        for a in answers:
            if result is not None and a.project_id == project.pk and a.vote != result:
                dissent.append(
                    {
                        "seat": a.sheet.seat_id,
                        "name": a.sheet.seat.expert.name,
                        "project": project.pk,
                        "project_name": project.name,
                        "vote": a.vote,
                        "reason": a.reasons,
                    }
                )
    return results, dissent


def opinion_problems(round) -> list[str]:
    """What stops the leader from drafting: every accepted member's sheet must be submitted."""
    seats = accepted_seats(round)
    submitted = set(
        ReviewSheet.objects.filter(round=round, submitted_at__isnull=False).values_list(
            "seat_id", flat=True
        )
    )
    missing = [s.expert.name for s in seats if s.pk not in submitted]
    if missing:
        return [f"尚有成员未提交评分表：{'、'.join(missing)}。"]
    return []


def save_opinion(
    user,
    round,
    *,
    reasoning: str,
    findings: dict | None = None,
    settled: dict | None = None,
    ip=None,
) -> Opinion:
    """组长起草/修改鉴定意见. The results and dissent come from the submitted sheets; for a
    project whose votes are tied, ``settled`` gives the result the panel settled on in
    deliberation (see ``tally``), which every member then signs. Every change makes a new
    revision; one after anyone signed voids those signatures (已作废), and the members are told.
    ``findings`` maps a dimension name to its 鉴定情况 text."""
    reasoning = (reasoning or "").strip()
    if not reasoning:
        raise ServiceError("请填写专家组鉴定意见（理由）。")
    with transaction.atomic():
        case, round = lock_round(round)
        policy.check(user, case, "draft_opinion", doing="起草鉴定意见")
        seat = own_seat(user, round)
        opinion = Opinion.objects.select_for_update().get(round=round)
        problems = opinion_problems(round)
        if problems:
            raise ServiceError("还不能起草鉴定意见：" + "".join(problems))
        template = ReviewSheet.objects.filter(round=round).first().template
        names = [d.name for d in template.dimensions.order_by("order", "id")]
        findings = findings or {}
        new_findings = [{"dimension": n, "text": (findings.get(n) or "").strip()} for n in names]
        if any(v not in (ACADEMIC, NON_ACADEMIC) for v in (settled or {}).values()):
            raise ServiceError("合议确定的鉴定结果只能是学科类或非学科类。")
        results, dissent = tally(round, settled)
        unsettled = [r for r in results if r["result"] is None]
        if unsettled:
            raise ServiceError(
                "".join(
                    f"“{r['name']}”表决票数相同（{r['academic']}:{r['non_academic']}），"
                    for r in unsettled
                )
                + "请专家组合议后，由组长写明合议确定的鉴定结果。"
            )
        before = opinion.content_hash if opinion.is_drafted else None
        signed = (
            set(opinion.valid_signatures().values_list("seat_id", flat=True))
            if opinion.is_drafted
            else set()
        )
        had_signatures = bool(signed)
        opinion.reasoning, opinion.findings = reasoning, new_findings
        opinion.results, opinion.dissent = results, dissent
        if not opinion.is_drafted:
            opinion.revision = 1
            opinion.drafted_at = timezone.now()
        elif opinion.compute_hash() != before:  # each text its own number, signed or not
            opinion.revision += 1
        opinion.content_hash = opinion.compute_hash()
        if opinion.content_hash == before:
            return opinion  # nothing changed: nothing to void
        opinion.save()
        seats = accepted_seats(round)
        if had_signatures:
            log_step(
                case,
                "revise_opinion",
                user,
                note=f"鉴定意见修改为第{opinion.revision}版，此前的签名已作废，请重新签署。",
                data={"revision": opinion.revision, "sha256": opinion.content_hash},
                ip=ip,
            )
            voided = [s.expert.user for s in seats if s.pk in signed and s.pk != seat.pk]
            unsigned = [s.expert.user for s in seats if s.pk not in signed and s.pk != seat.pk]
            told = {"opinion": opinion}
            notify_from("opinion_revised_signed", voided, told, url=case_url(case), case=case)
            notify_from("opinion_revised_unsigned", unsigned, told, url=case_url(case), case=case)
        else:
            log_step(
                case,
                "save_opinion",
                user,
                note=f"鉴定意见第{opinion.revision}版。",
                data={"revision": opinion.revision, "sha256": opinion.content_hash},
                ip=ip,
            )
            if before is None:
                notify_from(
                    "opinion_drafted",
                    [s.expert.user for s in seats if s.pk != seat.pk],
                    {},
                    url=case_url(case),
                    case=case,
                )
    return opinion


def sign_opinion(
    user, round, *, reauth: str, content_hash: str, ip=None, request=None
) -> Signature:
    """在线签署: the member re-enters the password (or a TOTP code) and signs exactly the revision
    shown (``content_hash``). The last signature moves the case to opinion_signed."""
    error = check_reauth(user, reauth, request=request)
    if error:
        raise ServiceError(error)
    with transaction.atomic():
        case, round = lock_round(round)
        policy.check(user, case, "sign_opinion", doing="签署鉴定意见")
        seat = own_seat(user, round)
        opinion = Opinion.objects.select_for_update().filter(round=round).first()
        if opinion is None or not opinion.is_drafted:
            raise ServiceError("鉴定意见尚未起草，不能签署。")
        if content_hash != opinion.content_hash:
            raise ServiceError("鉴定意见在您打开页面后已被修改，请核对最新内容后再签署。")
        if opinion.signatures.filter(seat=seat, revision=opinion.revision).exists():
            raise ServiceError("您已签署本版鉴定意见，不能重复签署。")
        signature = Signature.objects.create(
            opinion=opinion,
            seat=seat,
            revision=opinion.revision,
            content_hash=opinion.content_hash,
            ip=ip,
        )
        audit.record(
            request or user,
            Action.SIGNATURE,
            case,
            ip=ip,
            revision=opinion.revision,
            sha256=opinion.content_hash,
        )
        log_step(
            case,
            "sign_opinion",
            user,
            note=f"{seat.expert.name}签署第{opinion.revision}版鉴定意见。",
            data={"revision": opinion.revision, "sha256": opinion.content_hash},
            ip=ip,
            audited=False,  # the SIGNATURE event above
        )
        if case.opinion_fully_signed():
            run_transition(
                case.pk, user, "complete_opinion", note="专家组全体成员已签署鉴定意见。", ip=ip
            )
            notify_from(
                "opinion_fully_signed",
                bureau_staff(round.bureau, round.staff_role),
                {},
                url=case_url(case),
                case=case,
            )
    return signature
