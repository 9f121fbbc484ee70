"""The expert's review sheet (附件1; guide 七(三)): made on first opening on the current
indicators, saved as a draft, submitted once with the rule's suggestion, then issued."""

from django.db import transaction
from django.utils import timezone

from appraisal.documents import issue_document
from appraisal.documents.review_context import sheet_context
from appraisal.models import (
    IndicatorSign,
    IndicatorTemplate,
    IssuedDocument,
    Opinion,
    ReviewSheet,
    SheetAnswer,
)
from appraisal.models.review import ACADEMIC, NON_ACADEMIC
from appraisal.review.indicators import suggest_category
from appraisal.review.read import accepted_seats
from appraisal.review.rounds import case_url, lock_round, own_seat
from appraisal.review.sheet_gaps import NONE, dimension_gaps, vote_gap
from appraisal.workflow import policy
from appraisal.workflow.transitions import log_step
from common.errors import ServiceError
from portal.notify import bureau_staff, notify_from


def sheet_for(user, round) -> ReviewSheet:
    """The expert's own sheet of the round, made on first opening on the current indicators."""
    seat = own_seat(user, round)
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
    id: {"material": id|None, "page": "", "activity": id|None, "text": "", "none": bool}},
    "vote": "", "reasons": ""}`` ("none": the expert found none of the dimension's signs, 无上述特征).
    A submitted sheet is locked."""
    with transaction.atomic():
        case, round = lock_round(round)
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
            ticked_dimensions = {str(s.dimension_id) for s in ticked}
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
                none = bool(row.get(NONE))
                if none and str(dim) in ticked_dimensions:
                    raise ServiceError(f"{where}已勾选特征，不能同时选择“无上述特征”，本次未保存。")
                entry = {
                    "material": material,
                    "page": page.strip(),
                    "activity": activity,
                    "text": text,
                }
                if none:
                    entry[NONE] = True
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
    """What a project's answer lacks in its vote before the sheet can be submitted: "vote",
    "reasons" or "" (each dimension's answer: ``sheet_gaps.dimension_gaps``)."""
    return vote_gap(answer)


def sheet_problems(sheet: ReviewSheet, projects) -> list[str]:
    """What stops the sheet from being submitted, per project and dimension, in words for the
    expert: each dimension answered (a sign with its evidence, or 无上述特征 with its reason),
    then the vote and its reasons."""
    answers = {a.project_id: a for a in sheet.answers.prefetch_related("ticked")}
    dimensions = _dimension_keys(sheet.template)
    names = dict(dimensions)
    words = {
        "vote": "请对“{}”作出表决（学科类或非学科类）。",
        "reasons": "请写明对“{}”表决的理由。",
    }
    problems = []
    for p in projects:
        answer = answers.get(p.pk)
        for pk, gap in dimension_gaps(answer, dimensions).items():
            problems.append(f"“{p.name}”的“{names[pk]}”维度{gap}。")
        gap = vote_gap(answer)
        if gap:
            problems.append(words[gap].format(p.name))
    return problems


def submit_sheet(user, round, *, ip=None) -> ReviewSheet:
    """提交评分表: locked from now on; the rule's suggestion is stored with each answer and the
    expert's 附件1 is issued. The clerk and the leader are told when every sheet is in."""
    with transaction.atomic():
        case, round = lock_round(round)
        policy.check(user, case, "fill_sheet", doing="提交评分表")
        seat = own_seat(user, round)
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
        log_step(
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
            notify_from(
                "sheets_all_submitted",
                bureau_staff(round.bureau, round.staff_role) + leader,
                {},
                url=case_url(case),
                case=case,
            )
    return sheet
