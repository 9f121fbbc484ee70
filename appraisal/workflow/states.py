"""Every state of a case and every named group of states, declared once (docs/domain.md §案件的状态).

The case's one state field (``Case.state``, django-fsm) takes these values; the groups below are
the only lists of states in the code: the workflow policy, the deadlines, the lists, the access
rules and the data generator all read them from here.
"""

from django.db import models


class CaseState(models.TextChoices):
    """Every state of a case's life (guide 七(一)–(五))."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待受理"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    PANEL_DRAWN = "panel_drawn", "已抽取专家"
    IN_REVIEW = "in_review", "专家鉴定中"
    OPINION_SIGNED = "opinion_signed", "鉴定意见已签署"
    DECIDED = "decided", "已作出鉴定结论"
    REREVIEW_REQUESTED = "rereview_requested", "已申请复审"
    REREVIEW_FORWARDED = "rereview_forwarded", "已报送州教育局复审"
    CLOSED = "closed", "已办结"


S = CaseState

RETURNED = "returned"  # the list filter's name for drafts sent back for 补正
RETURNED_LABEL = "已退回补正"

# The path of a case that runs the whole procedure, in order (the data generator walks it).
PATH = (
    S.DRAFT,
    S.SUBMITTED,
    S.ACCEPTED,
    S.PANEL_DRAWN,
    S.IN_REVIEW,
    S.OPINION_SIGNED,
    S.DECIDED,
    S.REREVIEW_REQUESTED,
    S.REREVIEW_FORWARDED,
    S.CLOSED,
)

# A round's panel is drawn once the county accepted the case, or the prefecture received the
# forwarded re-review (guide 五, 七(五)).
DRAWABLE = frozenset({S.ACCEPTED, S.REREVIEW_FORWARDED})

# A round's review is under way: its panel drawn, reviewing, or its opinion awaiting the seal.
REVIEW = frozenset({S.PANEL_DRAWN, S.IN_REVIEW, S.OPINION_SIGNED})

# The review's activities (meetings, visits, …) are recorded while the panel works (guide 七(三)).
RECORDING = frozenset({S.PANEL_DRAWN, S.IN_REVIEW})

# From these states on, a round's result has been issued and its panel may be named to the
# institution (docs/domain.md §专家组名单的保密: the names stay confidential until then; the guide
# sets no such rule).
RESULT_ISSUED = frozenset({S.DECIDED, S.REREVIEW_REQUESTED, S.REREVIEW_FORWARDED, S.CLOSED})

# Cases that leave their projects free for a new application: never taken up, or withdrawn.
RELEASED = frozenset({S.REFUSED, S.WITHDRAWN})

# Ended: nothing more happens to the case.
ENDED = frozenset({S.REFUSED, S.WITHDRAWN, S.CLOSED})

# Open: filed and not ended; a time limit runs in each of them (the daily reminders).
OPEN = frozenset(set(S) - ENDED - {S.DRAFT})

# What each office owes in each state (the "who owes the next step" of the lists and homes). The
# prefecture also owes the review states while its own round runs (``Round.PREFECTURE``).
OWED_BY = {
    "institution": frozenset({S.DRAFT}),
    "county": frozenset(
        {
            S.SUBMITTED,
            S.ACCEPTED,
            S.PANEL_DRAWN,
            S.IN_REVIEW,
            S.OPINION_SIGNED,
            S.REREVIEW_REQUESTED,
        }
    ),
    "prefecture": frozenset({S.REREVIEW_FORWARDED}),
    "experts": frozenset({S.PANEL_DRAWN, S.IN_REVIEW}),
}

# The stages the prefecture's overview counts, each a group of states.
STAGES = (
    ("待受理", (S.SUBMITTED,)),
    ("补正中", (S.DRAFT,)),
    ("鉴定中", (S.ACCEPTED, S.PANEL_DRAWN, S.IN_REVIEW, S.OPINION_SIGNED)),
    ("已出结论", (S.DECIDED,)),
    ("复审中", (S.REREVIEW_REQUESTED, S.REREVIEW_FORWARDED)),
    ("已办结", (S.CLOSED,)),
    ("不予受理或撤回", (S.REFUSED, S.WITHDRAWN)),
)


def stage_of(state, *, second_round: bool = False) -> int | None:
    """The index in ``STAGES`` where a case counts: one whose prefecture round is under way
    (guide 七(五)) is 复审中, though its review runs through the same states as the first round's."""
    if second_round and state in REVIEW:
        state = S.REREVIEW_FORWARDED
    return next((i for i, (_, states) in enumerate(STAGES) if state in states), None)


# Who owes the next step, in the applicant's words and in the bureau's (the case page's 当前环节).
WAITING = {
    S.DRAFT: "待机构上传材料并提交",
    S.SUBMITTED: "待县（市）教育局受理",
    S.ACCEPTED: "待县（市）教育局抽取鉴定专家",
    S.PANEL_DRAWN: "待鉴定专家确认参加",
    S.IN_REVIEW: "专家组鉴定中",
    S.OPINION_SIGNED: "待教育局确定类别并盖章",
    S.DECIDED: "鉴定结论已出具，可在期限内申请复审",
    S.REREVIEW_REQUESTED: "待县（市）教育局审核复审申请",
    S.REREVIEW_FORWARDED: "待州教育局签收并组织复审",
    S.REFUSED: "不予受理，已办结",
    S.WITHDRAWN: "已撤回",
    S.CLOSED: "已办结",
}

# The badge's tone of each state on the lists.
TONES = {
    S.DRAFT: "muted",
    S.SUBMITTED: "info",
    S.ACCEPTED: "info",
    S.REFUSED: "danger",
    S.WITHDRAWN: "muted",
    S.PANEL_DRAWN: "info",
    S.IN_REVIEW: "warning",
    S.OPINION_SIGNED: "warning",
    S.DECIDED: "success",
    S.REREVIEW_REQUESTED: "warning",
    S.REREVIEW_FORWARDED: "warning",
    S.CLOSED: "success",
}

# The timeline's words for each transition and each step inside a state.
STEP_LABELS = {
    "create": "创建申请",
    "submit": "提交申请",
    "return_for_completion": "退回补正",
    "accept": "受理",
    "refuse": "不予受理",
    "withdraw": "撤回申请",
    "draw_panel": "抽取鉴定专家",
    "start_review": "专家组组成，开始鉴定",
    # Steps inside a state (source == target), logged like transitions.
    "accept_invitation": "专家接受邀请",
    "decline_invitation": "专家谢绝邀请",
    "lapse_invitation": "邀请逾期未答复",
    "call_alternate": "候补专家递补",
    "alternates_exhausted": "候补专家已用尽",
    "draw_seat": "补抽专家",
    "complete_opinion": "专家组全体成员签署鉴定意见",
    "decide": "确定类别并盖章，鉴定结论生效",
    "record_activity": "记录鉴定活动",
    "amend_project": "补正期间修改培训项目",
    "submit_sheet": "专家提交鉴定指标评分表",
    "set_leader": "指定专家组组长",
    "save_opinion": "组长起草鉴定意见",
    "revise_opinion": "鉴定意见修改，已有签名作废",
    "sign_opinion": "专家签署鉴定意见",
    "request_rereview": "申请复审",
    "accept_result": "机构接受鉴定结论",
    "close_after_window": "复审申请期限届满，办结",
    "refuse_rereview": "不予批准复审申请",
    "forward_rereview": "批准复审申请并报送州教育局",
    "receive_rereview": "州教育局签收复审申请",
    "close_after_rereview": "州教育局确定类别并盖章，复审办结",
}
