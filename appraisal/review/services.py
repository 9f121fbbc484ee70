"""The review of a round (guide 七(三)(四), 八; docs/domain.md §鉴定活动 to §确定类别与盖章): records,
sheets, the opinion, signatures, the decision and its seal.

Every service takes the round, so the prefecture's re-review round runs on this same code; each
locks the case row first, checks, changes, logs, and (where the state changes) goes through
``run_transition``, all in one transaction.
"""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import audit
from appraisal.documents import issue_document
from appraisal.documents.context import BASIS, CATEGORY_LABELS, methods, remedy
from appraisal.documents.issue import public_summary
from appraisal.filing.uploads import check_upload
from appraisal.models import (
    ActivityFile,
    CaseState,
    Decision,
    IndicatorSign,
    IndicatorTemplate,
    IssuedDocument,
    Opinion,
    ReviewActivity,
    ReviewSheet,
    Round,
    Seat,
    SheetAnswer,
    Signature,
)
from appraisal.models.review import ACADEMIC, NON_ACADEMIC
from appraisal.review.indicators import suggest_category
from appraisal.workflow import policy
from appraisal.workflow.states import RECORDING
from appraisal.workflow.transitions import lock_case, log_step, run_transition
from audit.models import Action
from common.errors import ServiceError
from common.text import cn_date, paragraphs
from portal.notify import bureau_staff, institution_members, notify
from portal.reauth import check_reauth

# The transition that makes a round's decision take effect: the county's decides the case (a
# re-review may follow); the prefecture's re-review result is final and closes it.
DECISION_TRANSITIONS = {Round.COUNTY: "decide", Round.PREFECTURE: "close_after_rereview"}

# Activities a clerk records while the panel is formed and at work.

# 附件2's 鉴定方式 row, from the kinds of activity recorded.
ACTIVITY_METHODS = {
    ReviewActivity.Kind.WRITTEN_REVIEW: "written",
    ReviewActivity.Kind.SITE_VISIT: "site_visit",
    ReviewActivity.Kind.CLASS_OBSERVATION: "observation",
    ReviewActivity.Kind.INTERVIEW: "interview",
}


_log = log_step


def _case_url(case) -> str:
    return reverse("appraisal:case_detail", args=[case.pk])


def _lock_round(round):
    """The case row locked, then the round (fresh), checked to be the case's current one."""
    round_id = round.pk if isinstance(round, Round) else round
    try:
        case_id = Round.objects.values_list("case_id", flat=True).get(pk=round_id)
    except (Round.DoesNotExist, ValueError, TypeError):
        raise ServiceError("鉴定轮次不存在。") from None
    case = lock_case(case_id)
    round = Round.objects.select_related("bureau").get(pk=round_id)
    if case.current_round.pk != round.pk:
        raise ServiceError("该轮次鉴定已结束，不能再办理。")
    return case, round


def accepted_seats(round):
    return list(
        round.seats.filter(status=Seat.Status.ACCEPTED)
        .select_related("expert", "expert__user")
        .order_by("position", "id")
    )


def seat_of(user, round) -> Seat | None:
    """The user's accepted seat on this round's panel, if any."""
    if not (user.is_authenticated and user.role == "expert"):
        return None
    return (
        round.seats.filter(expert__user_id=user.pk, status=Seat.Status.ACCEPTED)
        .select_related("expert")
        .first()
    )


def _own_seat(user, round) -> Seat:
    seat = seat_of(user, round)
    if seat is None:
        raise ServiceError("您不是本轮专家组成员（或未接受邀请），不能办理。")
    return seat


# ---- review records ----------------------------------------------------------------------------
def record_activity(
    user, round, *, kind, date, place, attendees, findings="", files=(), ip=None
) -> ReviewActivity:
    """记录鉴定活动 (guide 八): the opening meeting, written review, site visit, class observation or
    interview, with its date, place, attendees, findings and files. By staff of the round's bureau."""
    if kind not in ReviewActivity.Kind.values:
        raise ServiceError("请选择活动类别。")
    if date is None:
        raise ServiceError("请填写活动日期。")
    place, attendees, findings = (place or "").strip(), (attendees or "").strip(), findings or ""
    if not place or not attendees:
        raise ServiceError("请填写活动地点和参加人员。")
    checked = []
    for uploaded in files or ():
        try:
            checked.append((uploaded, check_upload(uploaded)))
        except ValidationError as exc:
            raise ServiceError(exc.messages[0]) from None
    stored = []
    with transaction.atomic():
        case, round = _lock_round(round)
        policy.check(user, case, "record_activity")
        if kind not in recordable_kinds(case, round):
            raise ServiceError(policy.recording_refusal(case))
        if date > timezone.localdate():
            raise ServiceError("活动日期不能晚于今天。")
        opened = timezone.localdate(round.opened_at)
        if date < opened:  # the round began with the acceptance (or the re-review's forwarding)
            raise ServiceError(f"活动日期不能早于本轮鉴定开始之日（{opened:%Y年%m月%d日}）。")
        activity = ReviewActivity.objects.create(
            round=round,
            kind=kind,
            date=date,
            place=place[:200],
            attendees=attendees,
            findings=findings.strip(),
            recorded_by=user,
        )
        try:
            for uploaded, info in checked:
                f = ActivityFile(
                    activity=activity,
                    original_name=(uploaded.name or "未命名文件")[-255:],
                    content_type=info.content_type,
                    size=info.size,
                    sha256=info.sha256,
                    uploaded_by=user,
                )
                f.file.save(f.original_name, uploaded, save=False)
                stored.append(f.file.name)
                f.save()
                audit.record(user, Action.MATERIAL_UPLOAD, f, sha256=f.sha256, size=f.size)
            _log(
                case,
                "record_activity",
                user,
                note=f"{activity.get_kind_display()}（{cn_date(date)}，{activity.place}）",
                data={"activity": activity.pk, "files": len(checked)},
                ip=ip,
            )
        except Exception:
            for name in stored:
                ActivityFile._meta.get_field("file").storage.delete(name)
            raise
    return activity


# ---- review sheets -----------------------------------------------------------------------------
def sheet_for(user, round) -> ReviewSheet:
    """The expert's own sheet of the round, made on first opening on the current indicators."""
    seat = _own_seat(user, round)
    sheet = ReviewSheet.objects.filter(seat=seat).first()
    if sheet is not None:
        return sheet
    template = IndicatorTemplate.current()
    if template is None:
        raise ServiceError("尚未发布鉴定指标，请联系系统管理员。")
    with transaction.atomic():
        sheet, _ = ReviewSheet.objects.get_or_create(
            seat=seat, defaults={"round": round, "template": template}
        )
    return sheet


def _dimension_keys(template):
    return [(d.pk, d.name) for d in template.dimensions.order_by("order", "id")]


def suggestion_for(answer: SheetAnswer, dimensions=None):
    """The rule's suggestion (docs/domain.md §鉴定指标与类别规则) from the answer's ticked signs."""
    dimensions = dimensions or _dimension_keys(answer.sheet.template)
    return suggest_category(answer.ticked.all(), dimensions)


# a page reference, one dimension's evidence, the reasons for a vote (printed on 附件1)
PAGE_MAX, EVIDENCE_MAX, REASONS_MAX = 40, 2000, 2000


def save_sheet(user, round, *, answers: dict, ip=None) -> ReviewSheet:
    """Save the expert's draft: per project the ticked signs, the evidence per dimension, the vote
    and reasons. ``answers`` maps a project id to ``{"ticked": [sign ids], "evidence": {dimension
    id: {"material": id|None, "page": "", "activity": id|None, "text": ""}}, "vote": "",
    "reasons": ""}``. A submitted sheet is locked."""
    with transaction.atomic():
        case, round = _lock_round(round)
        policy.check(user, case, "fill_sheet", doing="填写评分表")
        sheet = sheet_for(user, round)
        sheet = ReviewSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.is_submitted:
            raise ServiceError("评分表已提交，不能再修改。")
        projects = {p.pk: p for p in case.projects.all()}
        signs = {
            s.pk: s for s in IndicatorSign.objects.filter(dimension__template_id=sheet.template_id)
        }
        dimension_names = {str(k): name for k, name in _dimension_keys(sheet.template)}
        materials = set(case.materials.values_list("pk", flat=True))
        activities = set(round.activities.values_list("pk", flat=True))
        for project_id, data in (answers or {}).items():
            try:
                project = projects[int(project_id)]
            except (KeyError, ValueError, TypeError):
                raise ServiceError("所填写的培训项目不属于本案件。") from None
            ticked = []
            for sign_id in data.get("ticked", []):
                try:
                    ticked.append(signs[int(sign_id)])
                except (KeyError, ValueError, TypeError):
                    raise ServiceError("所勾选的特征不属于本评分表的指标版本。") from None
            evidence = {}
            for dim, row in (data.get("evidence") or {}).items():
                if str(dim) not in dimension_names:
                    raise ServiceError("依据所对应的维度不属于本评分表的指标版本。")
                where = f"“{project.name}”的“{dimension_names[str(dim)]}”"
                material = _int_or_none(row.get("material"))
                activity = _int_or_none(row.get("activity"))
                if material is not None and material not in materials:
                    raise ServiceError("所引用的材料不属于本案件。")
                if activity is not None and activity not in activities:
                    raise ServiceError("所引用的鉴定活动不属于本轮鉴定。")
                # "第3页" typed in full is kept as "3": the sheet prints 第…页 around it.
                page = (row.get("page") or "").strip().removeprefix("第").removesuffix("页")
                # A browser sends a textarea's line breaks as CR LF but counts them as one.
                text = (row.get("text") or "").replace("\r\n", "\n").strip()
                if len(page) > PAGE_MAX:
                    raise ServiceError(f"{where}页码不能超过 {PAGE_MAX} 个字符。")
                if len(text) > EVIDENCE_MAX:
                    raise ServiceError(
                        f"{where}依据说明不能超过 {EVIDENCE_MAX} 个字（现有 {len(text)} 个），"
                        "本次未保存。"
                    )
                entry = {
                    "material": material,
                    "page": page.strip(),
                    "activity": activity,
                    "text": text,
                }
                if any(entry.values()):
                    evidence[str(dim)] = entry
            vote = data.get("vote") or ""
            if vote not in ("", ACADEMIC, NON_ACADEMIC):
                raise ServiceError("表决意见只能是学科类或非学科类。")
            reasons = (data.get("reasons") or "").replace("\r\n", "\n").strip()
            if len(reasons) > REASONS_MAX:
                raise ServiceError(
                    f"“{project.name}”的表决理由不能超过 {REASONS_MAX} 个字（现有 {len(reasons)} 个），"
                    "本次未保存。"
                )
            answer, _ = SheetAnswer.objects.get_or_create(sheet=sheet, project=project)
            answer.evidence = evidence
            answer.vote = vote
            answer.reasons = reasons
            answer.ticked.set(ticked)
            s = suggest_category(ticked, _dimension_keys(sheet.template))
            answer.suggested = s.category or ""
            answer.suggestion_reason = s.reason
            answer.save()
        sheet.save(update_fields=["updated_at"])
    return sheet


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (ValueError, TypeError):
        raise ServiceError("所引用的材料或活动编号无效。") from None


def answer_gap(answer) -> str:
    """What a project's answer lacks before the sheet can be submitted: "vote", "reasons" or ""."""
    if answer is None or not answer.vote:
        return "vote"
    return "" if answer.reasons.strip() else "reasons"


def sheet_problems(sheet: ReviewSheet, projects) -> list[str]:
    """What stops the sheet from being submitted, in words for the expert."""
    answers = {a.project_id: a for a in sheet.answers.all()}
    words = {
        "vote": "请对“{}”作出表决（学科类或非学科类）。",
        "reasons": "请写明对“{}”表决的理由。",
    }
    gaps = ((p, answer_gap(answers.get(p.pk))) for p in projects)
    return [words[gap].format(p.name) for p, gap in gaps if gap]


def submit_sheet(user, round, *, ip=None) -> ReviewSheet:
    """提交评分表: locked from now on; the rule's suggestion is stored with each answer and the
    expert's 附件1 is issued. The clerk and the leader are told when every sheet is in."""
    with transaction.atomic():
        case, round = _lock_round(round)
        policy.check(user, case, "fill_sheet", doing="提交评分表")
        seat = _own_seat(user, round)
        sheet = ReviewSheet.objects.select_for_update().filter(seat=seat).first()
        if sheet is None:
            raise ServiceError("请先填写并保存评分表。")
        if sheet.is_submitted:
            raise ServiceError("评分表已提交，不能重复提交。")
        projects = list(case.projects.order_by("name"))
        problems = sheet_problems(sheet, projects)
        if problems:
            raise ServiceError("评分表还不能提交：" + "".join(problems))
        dimensions = _dimension_keys(sheet.template)
        for answer in sheet.answers.all():
            s = suggestion_for(answer, dimensions)
            answer.suggested = s.category or ""
            answer.suggestion_reason = s.reason
            answer.save(update_fields=["suggested", "suggestion_reason"])
        sheet.submitted_at = timezone.now()
        sheet.document = issue_document(
            case=case,
            kind=IssuedDocument.Kind.SHEET,
            bureau=round.bureau,
            template="documents/sheet.html",
            context=sheet_context(sheet),
            user=user,
            round=round,
        )
        sheet.save(update_fields=["submitted_at", "document", "updated_at"])
        _log(
            case,
            "submit_sheet",
            user,
            note=f"席位{seat.position}：{seat.expert.name}提交了评分表。",
            data={"sheet": sheet.pk, "document": sheet.document.serial},
            ip=ip,
        )
        seats = accepted_seats(round)
        submitted = ReviewSheet.objects.filter(round=round, submitted_at__isnull=False).count()
        if submitted == len(seats):
            opinion = Opinion.objects.filter(round=round).select_related("leader__expert").first()
            leader = [opinion.leader.expert.user] if opinion and opinion.leader else []
            notify(
                bureau_staff(round.bureau, round.staff_role) + leader,
                f"评分表已全部提交：{case.number}",
                f"案件 {case.number} 的专家组成员均已提交评分表，可由组长起草鉴定意见。",
                url=_case_url(case),
                case=case,
            )
    return sheet


def sheet_context(sheet: ReviewSheet) -> dict:
    """附件1's plain context (appraisal/documents/context.py) from a sheet."""
    case = sheet.round.case
    expert = sheet.seat.expert
    dims = sheet.template.dimensions_with_signs()
    materials = {m.pk: m for m in case.materials.all()}
    activities = {a.pk: a for a in sheet.round.activities.all()}
    rows = []
    answers = {a.project_id: a for a in sheet.answers.prefetch_related("ticked")}
    for project in case.projects.order_by("name").prefetch_related("subjects"):
        a = answers.get(project.pk)
        ticked = {s.pk for s in a.ticked.all()} if a else set()
        evidence = a.evidence if a else {}
        dimensions = []
        for d in dims:
            dimensions.append(
                {
                    "name": d.name,
                    "academic": [
                        {"text": s.text, "ticked": s.pk in ticked} for s in d.academic_signs
                    ],
                    "non_academic": [
                        {"text": s.text, "ticked": s.pk in ticked} for s in d.non_academic_signs
                    ],
                    "evidence": evidence_text(evidence.get(str(d.pk)), materials, activities),
                }
            )
        rows.append(
            {
                "name": project.name,
                "subjects": "、".join(s.name for s in project.subjects.all()),
                "grades": project.grades,
                "dimensions": dimensions,
                "suggested": (a.suggested or None) if a else None,
                "suggestion_reason": a.suggestion_reason if a else "",
                "vote": a.vote if a else "",
                "reason": a.reasons if a else "",
            }
        )
    return {
        "institution": {"name": case.institution.name, "credit_code": case.institution.credit_code},
        "case_number": case.number,
        "round_label": sheet.round.get_number_display(),
        "expert": {"name": expert.name, "title": expert.title, "employer": expert.employer},
        "template": {"name": sheet.template.name, "version": sheet.template.version},
        "projects": rows,
        "submitted_at": sheet.submitted_at,
    }


def evidence_text(entry, materials, activities) -> str:
    """One dimension's evidence in words: 《material》第 n 页; activity (date); the note."""
    if not entry:
        return ""
    parts = []
    material = materials.get(entry.get("material"))
    if material is not None:
        page = f"第{entry['page']}页" if entry.get("page") else ""
        parts.append(f"《{material.get_kind_display()}：{material.original_name}》{page}")
    activity = activities.get(entry.get("activity"))
    if activity is not None:
        parts.append(f"{activity.get_kind_display()}（{activity.date:%Y年%m月%d日}）")
    if entry.get("text"):
        parts.append(entry["text"])
    return "；".join(parts)


# ---- the panel opinion -------------------------------------------------------------------------
def set_leader(user, round, seat_id, *, ip=None) -> Opinion:
    """指定组长: the clerk chooses the leader among the accepted members, before any signature."""
    with transaction.atomic():
        case, round = _lock_round(round)
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
        _log(
            case,
            "set_leader",
            user,
            note=f"指定{seat.expert.name}为专家组组长。",
            data={"seat": seat.pk},
            ip=ip,
        )
        notify(
            [seat.expert.user],
            f"您被指定为专家组组长：{case.number}",
            "专家组成员均提交评分表后，请在案件页面起草鉴定意见。",
            url=_case_url(case),
            case=case,
        )
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
        case, round = _lock_round(round)
        policy.check(user, case, "draft_opinion", doing="起草鉴定意见")
        seat = _own_seat(user, round)
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
            _log(
                case,
                "revise_opinion",
                user,
                note=f"鉴定意见修改为第{opinion.revision}版，此前的签名已作废，请重新签署。",
                data={"revision": opinion.revision, "sha256": opinion.content_hash},
                ip=ip,
            )
            voided = [s.expert.user for s in seats if s.pk in signed and s.pk != seat.pk]
            unsigned = [s.expert.user for s in seats if s.pk not in signed and s.pk != seat.pk]
            notify(
                voided,
                f"鉴定意见已修改，请重新签署：{case.number}",
                f"组长修改了鉴定意见（第{opinion.revision}版），您此前的签名已作废，请核对后重新签署。",
                url=_case_url(case),
                case=case,
            )
            notify(
                unsigned,
                f"鉴定意见已修改，请核对后签署：{case.number}",
                f"组长修改了鉴定意见（现为第{opinion.revision}版），请核对全文和结果后在线签署。",
                url=_case_url(case),
                case=case,
            )
        else:
            _log(
                case,
                "save_opinion",
                user,
                note=f"鉴定意见第{opinion.revision}版。",
                data={"revision": opinion.revision, "sha256": opinion.content_hash},
                ip=ip,
            )
            if before is None:
                notify(
                    [s.expert.user for s in seats if s.pk != seat.pk],
                    f"鉴定意见待签署：{case.number}",
                    "组长已起草鉴定意见，请核对全文和结果后在线签署。",
                    url=_case_url(case),
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
        case, round = _lock_round(round)
        policy.check(user, case, "sign_opinion", doing="签署鉴定意见")
        seat = _own_seat(user, round)
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
        _log(
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
            notify(
                bureau_staff(round.bureau, round.staff_role),
                f"鉴定意见已全部签署：{case.number}",
                f"案件 {case.number} 的鉴定意见已由专家组全体成员签署，请确定类别并盖章。",
                url=_case_url(case),
                case=case,
            )
    return signature


# ---- the decision and the seal -----------------------------------------------------------------
def decision_transition(round) -> str:
    try:
        return DECISION_TRANSITIONS[round.number]
    except KeyError:
        raise ServiceError("该轮次的类别确定尚未开放。") from None


def stamp_decision(
    user,
    round,
    *,
    categories: dict | None = None,
    reason: str = "",
    reauth: str,
    ip=None,
    request=None,
) -> Decision:
    """确定类别并盖章 (guide 七(四), 八(三)): a clerk of the round's bureau with the stamp permission
    decides each project's category on the basis of the opinion (a different one only with a
    written reason), re-authenticates, and the seal is applied: 附件2 is issued and signed, and
    the round's decision transition runs. The institution is told."""
    reason = (reason or "").strip()
    error = check_reauth(user, reauth, request=request)
    if error:
        raise ServiceError(error)
    with transaction.atomic():
        case, round = _lock_round(round)
        name = decision_transition(round)
        if hasattr(round, "decision"):
            raise ServiceError("本轮鉴定已确定类别并盖章，不能重复办理。")
        policy.check(user, case, "stamp")
        if not held_meeting(round):
            raise ServiceError(NO_MEETING)
        opinion = round.opinion
        categories = {str(k): v for k, v in (categories or {}).items()}
        results = []
        for r in opinion.results:
            category = categories.get(str(r["project"])) or r["result"]
            if category not in (ACADEMIC, NON_ACADEMIC):
                raise ServiceError("确定的类别只能是学科类或非学科类。")
            results.append(
                {
                    "project": r["project"],
                    "name": r["name"],
                    "opinion": r["result"],
                    "category": category,
                }
            )
        differs = any(r["category"] != r["opinion"] for r in results)
        if differs and not reason:
            raise ServiceError("确定的类别与专家组鉴定意见不同的，必须写明理由。")

        def after(case, log):
            now = timezone.now()
            decision = Decision(
                round=round,
                results=results,
                reason=reason if differs else "",
                decided_by=user,
                decided_at=now,
                stamped_by=user,
                stamped_at=now,
            )
            projects = [{"name": r["name"], "result": r["category"]} for r in results]
            decision.document = issue_document(
                case=case,
                kind=IssuedDocument.Kind.OPINION,
                bureau=round.bureau,
                template="documents/opinion.html",
                context=opinion_context(round, decision),
                user=user,
                round=round,
                public=public_summary(case, IssuedDocument.Kind.OPINION, projects=projects),
            )
            decision.save()
            audit.record(
                request or user,
                Action.STAMP,
                case,
                ip=ip,
                round=round.number,
                serial=decision.document.serial,
                results={r["name"]: r["category"] for r in results},
            )
            lines = "；".join(f"{r['name']}：{CATEGORY_LABELS[r['category']]}" for r in results)
            serial = decision.document.serial
            if round.number == Round.PREFECTURE:  # the re-review's result ends the case
                subject = f"复审结论已出具，案件办结：{case.number}"
                told = (
                    f"{round.bureau.bureau_name}的复审鉴定结果：{lines}。此为最终结论，案件已办结。"
                    f"鉴定意见书（{serial}）可在案件页面下载。"
                )
                notify(
                    bureau_staff(case.bureau),
                    subject,
                    f"{round.bureau.bureau_name}对案件 {case.number} 的复审鉴定结论：{lines}。"
                    f"鉴定意见书（{serial}）为最终结论，案件已办结。",
                    url=_case_url(case),
                    case=case,
                )
            else:
                subject = f"鉴定结论已出具：{case.number}"
                told = (
                    f"鉴定结果：{lines}。鉴定意见书（{serial}）可在案件页面下载。"
                    "对结论有不同意见的，可在规定期限内申请复审。"
                )
            notify(
                institution_members(case.institution), subject, told, url=_case_url(case), case=case
            )
            notify(
                [s.expert.user for s in accepted_seats(round)],
                f"鉴定结论已出具：{case.number}",
                f"案件 {case.number} 的鉴定意见书已盖章出具（{serial}）。",
                url=_case_url(case),
                case=case,
            )

        run_transition(
            case.pk,
            user,
            name,
            note=reason if differs else "依据专家组鉴定意见确定类别。",
            data={"results": {r["name"]: r["category"] for r in results}},
            ip=ip,
            after=after,
        )
    return Decision.objects.select_related("document").get(round=round)


NO_MEETING = (
    "本轮尚未记录鉴定会（政策培训）：依指南七（三），专家组开展鉴定须召开鉴定会进行政策培训。"
    "请先在“鉴定活动记录”中登记鉴定会，再确定类别并盖章。"
)


def held_meeting(round) -> bool:
    """Whether the round's opening meeting with its policy briefing (guide 七(三)) is recorded."""
    return round.activities.filter(kind=ReviewActivity.Kind.OPENING_MEETING).exists()


def recordable_kinds(case, round) -> list[str]:
    """The kinds of activity the round's bureau may record now: any while the panel forms and
    reviews; once every member signed, only an opening meeting that was held but not entered
    (the seal waits for it); none after that."""
    if case.state in RECORDING:
        return list(ReviewActivity.Kind.values)
    if policy.meeting_recordable(case):
        return [ReviewActivity.Kind.OPENING_MEETING]
    return []


def opinion_context(round, decision: Decision) -> dict:
    """附件2's plain context (appraisal/documents/context.py) from the round's records."""
    case = round.case
    inst = case.institution
    opinion = round.opinion
    decided = {r["project"]: r for r in decision.results}
    projects = []
    for p in case.projects.order_by("name").prefetch_related("subjects"):
        row = decided.get(p.pk, {})
        projects.append(
            {
                "name": p.name,
                "subjects": "、".join(s.name for s in p.subjects.all()),
                "grades": p.grades,
                "result": row.get("category"),
                # the panel's result, when the bureau determined another (its reason is printed
                # under 教育局意见): the members signed the panel's, not the bureau's
                "overruled": CATEGORY_LABELS[row["opinion"]]
                if row and row["opinion"] != row["category"]
                else "",
            }
        )
    used = {}
    for a in round.activities.order_by("date", "id"):
        code = ACTIVITY_METHODS.get(a.kind)
        if code:
            used.setdefault(code, [])
            if a.date not in used[code]:
                used[code].append(a.date)
    # Written review is always done (guide 八): dated by the sheets when no record names it.
    if "written" not in used:
        used["written"] = sorted(
            {
                timezone.localtime(s.submitted_at).date()
                for s in round.sheets.filter(submitted_at__isnull=False)
            }
        )
    signatures = {s.seat_id: s.signed_at for s in opinion.valid_signatures()}
    experts = [
        {
            "name": s.expert.name,
            "title": s.expert.title,
            "employer": s.expert.employer,
            "is_leader": s.pk == opinion.leader_id,
            "signed_at": signatures.get(s.pk),
        }
        for s in accepted_seats(round)
    ]
    votes = [
        {
            "name": r["name"],
            "academic": r["academic"],
            "non_academic": r["non_academic"],
            "tie": r["tie"],
            "settled": CATEGORY_LABELS.get(r["result"], "") if r["tie"] else "",
        }
        for r in opinion.results
    ]
    text = "依据专家组鉴定意见，确定上述培训项目的类别如“鉴定结果”栏所列。"
    if round.number == Round.PREFECTURE:
        replaced = (
            IssuedDocument.objects.filter(
                case=case, kind=IssuedDocument.Kind.OPINION, round__number=Round.COUNTY
            )
            .values_list("serial", flat=True)
            .first()
        )
        standing = "本意见书为州级复审鉴定结论，为最终结论"
        standing += (
            f"；原鉴定意见书（{replaced}）所列鉴定结果以本意见书为准。" if replaced else "。"
        )
        standing += remedy(round.bureau, "结论")
    else:  # guide 七(五): the institution may disagree, within the window counted from the seal
        ends, basis = case.rereview_window_after(decision.stamped_at)
        note = f"（{basis.document_note}）" if basis.document_note else ""
        standing = (
            f"培训机构对鉴定结果有不同意见的，可于 {cn_date(ends)} 前{note}向{round.bureau.bureau_name}"
            "提出复审申请并如实填写复审申请书（附件3）；期满未申请的，本鉴定结果为最终结论。"
        )
    if decision.reason:
        text = f"经研究，确定上述培训项目的类别如“鉴定结果”栏所列。与专家组意见不同的理由：{decision.reason}"
    return {
        "institution": {
            "name": inst.name,
            "credit_code": inst.credit_code,
            "licence_no": inst.licence_no,
            "address": inst.address,
        },
        "round_label": round.get_number_display(),
        "projects": projects,
        "basis": BASIS,
        "methods": methods(used),
        "findings": [f for f in opinion.findings if f.get("text")]
        or [{"dimension": "综合", "text": "见专家组意见。"}],
        "opinion": {
            "paragraphs": paragraphs(opinion.reasoning),
            "votes_academic": sum(v["academic"] for v in votes),
            "votes_non_academic": sum(v["non_academic"] for v in votes),
            "votes": votes,
            "dissent": [
                {
                    "name": d["name"],
                    "project": d["project_name"],
                    "vote": CATEGORY_LABELS.get(d["vote"], ""),
                    "reason": d["reason"],
                }
                for d in opinion.dissent
            ],
        },
        "experts": experts,
        "decision": {"text": text, "decided_at": decision.decided_at},
        "standing": standing,
    }


def review_state(round) -> dict:
    """For the case page: the round's activities, sheets' states, opinion, signatures, decision."""
    seats = accepted_seats(round)
    sheets = {s.seat_id: s for s in ReviewSheet.objects.filter(round=round)}
    opinion = Opinion.objects.filter(round=round).select_related("leader__expert").first()
    signatures = []
    if opinion is not None:
        for sig in opinion.signatures.select_related("seat__expert").order_by("signed_at", "id"):
            signatures.append({"signature": sig, "valid": sig.is_valid_for(opinion)})
    return {
        "round": round,
        "activities": list(round.activities.prefetch_related("files").order_by("date", "id")),
        "members": [{"seat": s, "sheet": sheets.get(s.pk)} for s in seats],
        "opinion": opinion,
        "signatures": signatures,
        "decision": Decision.objects.filter(round=round).select_related("document").first(),
    }


def expert_todo(seats) -> dict[int, tuple[str, str]]:
    """What waits on an expert, per accepted seat whose round is under review: fill in the sheet,
    draft the opinion (the leader, once every sheet is in), or sign its current revision. Seat id
    → (what, the page's URL). No query when no case of the expert's is under review, four when."""
    seats = [
        s
        for s in seats
        if s.status == Seat.Status.ACCEPTED and s.round.case.state == CaseState.IN_REVIEW
    ]
    if not seats:
        return {}
    rounds = {s.round_id for s in seats}
    # A county seat on a case the prefecture now re-reviews needs no exception: its round was
    # decided, so its sheet is in and the final revision carries its signature.
    opinions = {o.round_id: o for o in Opinion.objects.filter(round__in=rounds)}
    members = Counter(
        Seat.objects.filter(round__in=rounds, status=Seat.Status.ACCEPTED).values_list(
            "round_id", flat=True
        )
    )
    submitted = list(
        ReviewSheet.objects.filter(
            round__in=rounds, submitted_at__isnull=False, seat__status=Seat.Status.ACCEPTED
        ).values_list("round_id", "seat_id")
    )
    sheets_in = Counter(round_id for round_id, _ in submitted)
    done = {seat_id for _, seat_id in submitted}
    signed = set(
        Signature.objects.filter(seat__in=seats).values_list("seat_id", "opinion_id", "revision")
    )
    todo = {}
    for seat in seats:
        opinion = opinions.get(seat.round_id)
        if seat.pk not in done:
            todo[seat.pk] = ("填写评分表", reverse("appraisal:sheet", args=[seat.round_id]))
        elif opinion is not None and opinion.is_drafted:
            if (seat.pk, opinion.pk, opinion.revision) not in signed:
                todo[seat.pk] = (
                    f"核对并签署鉴定意见（第{opinion.revision}版）",
                    reverse("appraisal:opinion_sign", args=[seat.round_id]),
                )
        elif (
            opinion is not None
            and opinion.leader_id == seat.pk
            and sheets_in[seat.round_id] == members[seat.round_id]
        ):
            todo[seat.pk] = (
                "起草鉴定意见",
                reverse("appraisal:opinion_edit", args=[seat.round_id]),
            )
    return todo
