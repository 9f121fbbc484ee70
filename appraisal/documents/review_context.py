"""The contexts of the review's documents, built from the round's records: 附件1
(templates/documents/sheet.html) from an expert's sheet, and 附件2 (templates/documents/opinion.html)
from the opinion and the decision. The shapes they fill are documented in context.py."""

from django.utils import timezone

from appraisal.models import Decision, IssuedDocument, ReviewActivity, ReviewSheet, Round
from common.text import cn_date, paragraphs

from .context import BASIS, CATEGORY_LABELS, methods, remedy

# 附件2's 鉴定方式 row, from the kinds of activity recorded.
ACTIVITY_METHODS = {
    ReviewActivity.Kind.WRITTEN_REVIEW: "written",
    ReviewActivity.Kind.SITE_VISIT: "site_visit",
    ReviewActivity.Kind.CLASS_OBSERVATION: "observation",
    ReviewActivity.Kind.INTERVIEW: "interview",
}


# ---- 附件1 鉴定指标评分表 (documents/sheet.html) ---------------------------------
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
    """One dimension's evidence in words: 《material》第 n 页; activity (date); the note; led by
    "无上述特征" when the expert found none of the dimension's signs."""
    if not entry:
        return ""
    parts = ["无上述特征"] if entry.get("none") else []
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


# ---- 附件2 鉴定意见书 (documents/opinion.html) -----------------------------------
def opinion_context(round, decision: Decision, seats) -> dict:
    """附件2's plain context (appraisal/documents/context.py) from the round's records; ``seats``:
    the panel's accepted seats in their order, with their experts."""
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
        for s in seats
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
