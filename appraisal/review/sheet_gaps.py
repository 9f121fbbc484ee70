"""What one project's answer on the indicator sheet (附件1, guide 七(三)) still lacks before the
sheet can be submitted. Pure: reads the answer's ticked signs and evidence, no writes.

Each dimension needs an answer: a ticked sign with its evidence (a material, an activity or a
note; a page alone cites nothing), or the explicit "无上述特征" with its reason written in the
note. The project needs a vote and the reasons for it.
"""

NONE = "none"  # the key in SheetAnswer.evidence[dimension] for "无上述特征"

DIMENSION_WORDS = {
    "evidence": "勾选了特征，但未写明依据（引用材料及页码、鉴定活动，或写明依据说明）",
    "answer": "未勾选任何特征，也未选择“无上述特征”",
    "none_reason": "选择了“无上述特征”，但未在依据说明中写明理由",
}


def has_evidence(entry) -> bool:
    """Whether a dimension's evidence cites something: a material, an activity or a note."""
    entry = entry or {}
    return bool(entry.get("material") or entry.get("activity") or entry.get("text"))


def dimension_gap(ticked_here: bool, entry) -> str:
    """ "evidence", "answer", "none_reason" or "" for one dimension of one project."""
    entry = entry or {}
    if ticked_here:
        return "" if has_evidence(entry) else "evidence"
    if not entry.get(NONE):
        return "answer"
    return "" if entry.get("text") else "none_reason"


def dimension_gaps(answer, dimensions) -> dict:
    """Dimension id → the words for what it lacks, for every dimension that lacks something.
    ``dimensions``: ``(id, name)`` pairs or objects with ``pk``; ``answer`` may be None."""
    ticked = {s.dimension_id for s in answer.ticked.all()} if answer is not None else set()
    evidence = answer.evidence if answer is not None else {}
    gaps = {}
    for d in dimensions:
        pk = d[0] if isinstance(d, tuple) else d.pk
        gap = dimension_gap(pk in ticked, evidence.get(str(pk)))
        if gap:
            gaps[pk] = DIMENSION_WORDS[gap]
    return gaps


def vote_gap(answer) -> str:
    """What a project's answer lacks in its vote: "vote", "reasons" or ""."""
    if answer is None or not answer.vote:
        return "vote"
    return "" if answer.reasons.strip() else "reasons"
