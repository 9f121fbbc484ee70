"""What the user looking at a case owes on it now (the case page's 现在要做): one or two steps,
each a link to the step itself. Read from what the page already knows: the policy's actions
(``policy.actions_for``) and the review rounds
(``review_context``); no query of its own."""

from django.urls import reverse


def _step(label, url, key):
    return {"label": label, "url": url, "key": key}


def owed_now(case, actions, *, review_rounds=(), missing=()) -> list[dict]:
    """The steps owed now by this user, most urgent first, at most two."""
    detail = reverse("appraisal:case_detail", args=[case.pk])
    steps = []
    # The review of the current round: the expert's and the leader's steps, then the bureau's.
    for r in review_rounds:
        if r.get("applicant_view"):
            continue
        pk = r["round"].pk
        seat, opinion = r.get("my_seat"), r.get("opinion")
        if r.get("may_stamp"):
            steps.append(_step("确定类别并盖章", reverse("appraisal:decision", args=[pk]), "stamp"))
        if not r.get("in_review"):
            continue
        staff = r.get("is_round_staff")
        if staff and not any(a.kind == "opening_meeting" for a in r.get("activities", [])):
            url = reverse("appraisal:review_records", args=[pk])
            steps.append(_step("记录鉴定会（政策培训）", url, "record_meeting"))
        if r.get("may_set_leader") and not (opinion and opinion.leader_id):
            steps.append(_step("指定专家组组长", f"{detail}#leader-form", "set_leader"))
        if seat and not (r.get("my_sheet") and r["my_sheet"].is_submitted):
            steps.append(_step("填写评分表", reverse("appraisal:sheet", args=[pk]), "sheet"))
        elif r.get("is_leader") and r.get("all_sheets_in") and not opinion.is_drafted:
            url = reverse("appraisal:opinion_edit", args=[pk])
            steps.append(_step("起草鉴定意见", url, "draft_opinion"))
        elif seat and opinion and opinion.is_drafted:
            signed = any(
                s["valid"] and s["signature"].seat_id == seat.pk for s in r.get("signatures", [])
            )
            if not signed:
                url = reverse("appraisal:opinion_sign", args=[pk])
                steps.append(_step("核对并签署鉴定意见", url, "sign"))
    if "draw_panel" in actions:
        steps.append(_step("抽取鉴定专家", reverse("appraisal:draw_panel", args=[case.pk]), "draw"))
    by_action = (
        ("accept", "审查申请材料并受理", "#actions"),
        ("forward_rereview", "审核复审申请", "#forward-form"),
        ("receive_rereview", "签收复审申请", "#receive-form"),
        ("request_rereview", "申请复审或接受鉴定结论", "#rereview-form"),
    )
    for name, label, anchor in by_action:
        if name in actions:
            steps.append(_step(label, f"{detail}{anchor}", name))
    if "submit" in actions:
        if missing:
            steps.append(_step("上传必需材料", f"{detail}#materials", "upload"))
        steps.append(_step("提交申请", f"{detail}#actions", "submit"))
    return steps[:2]
