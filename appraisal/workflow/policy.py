"""The workflow policy: may this user do this to this case now? (docs/architecture.md, "工作流策略")

``ACTIONS`` names every action a user can take on a case, once: the states it applies in, who may
run it (each rule with the words its refusal shows) and its conditions. Everything asks it:

- django-fsm's transitions on ``Case`` take their source, target, permission and conditions from
  it (``fsm``), so a transition cannot run where the table says no;
- the services ask ``check`` before they act (``run_transition`` for every transition);
- the pages ask ``actions_for`` what to offer, and ``allowed`` where a single button is in doubt;
- the templates test the names in the ``actions`` set the page passes them.

The rules read the case's attributes and its ``facts`` (``models.facts``: one answer per question
per page), never the database by a model of their own, so that this module sits below the models.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from common.errors import ServiceError

from . import rules
from .states import DRAWABLE, RECORDING, STEP_LABELS
from .states import CaseState as S

# ---- conditions on the case (its state is right; is the moment?) --------------------------------


def ready_to_draw(case) -> bool:
    """The prefecture draws once it has recorded its receipt of the forwarded request."""
    return case.state != S.REREVIEW_FORWARDED or case.facts.rereview_received


def not_received(case) -> bool:
    return not case.facts.rereview_received


def panel_complete(case) -> bool:
    return case.facts.panel_complete


def opinion_fully_signed(case) -> bool:
    return case.facts.opinion_fully_signed


def in_first_round(case) -> bool:
    current = case.facts.current_round
    return current is not None and current.number == 1


def in_second_round(case) -> bool:
    current = case.facts.current_round
    return current is not None and current.number == 2


def may_request_rereview(case) -> bool:
    """Within the window, and only once per case (a refused request is final; guide 七(五))."""
    return case.rereview_window_open() and not case.facts.has_rereview_request


def rereview_window_passed(case, today=None) -> bool:
    return case.facts.decided_at is not None and not case.rereview_window_open(today)


def meeting_recordable(case) -> bool:
    """Activities are recorded while the panel forms and reviews; once every member signed, only
    an opening meeting that was held but not entered (the seal waits for it, guide 七(三))."""
    if case.state in RECORDING:
        return True
    current = case.facts.current_round
    return (
        case.state == S.OPINION_SIGNED
        and current is not None
        and not current.activities.filter(kind="opening_meeting").exists()
    )


def recording_refusal(case) -> str:
    return f"案件当前状态为“{S(case.state).label}”，不能记录鉴定活动。"


def can_be_submitted(case) -> bool:
    return not case.submission_problems()


def submission_refusal(case) -> str:
    return "申请还不能提交：" + "".join(case.submission_problems())


@dataclass(frozen=True)
class Rule:
    """Who may: ``test(case, user)``, and what a user it refuses is told."""

    test: Callable
    refusal: str = ""


@dataclass(frozen=True)
class Condition:
    """When: ``test(case)``, and what is said when it does not hold (a text, or a function of the
    case). ``offered``: the page offers the action anyway, and the refusal explains what is
    missing (submitting an application that lacks a material)."""

    test: Callable
    refusal: str | Callable = ""
    offered: bool = False


@dataclass(frozen=True)
class Action:
    name: str
    states: frozenset
    who: tuple[Rule, ...]
    when: tuple[Condition, ...] = ()
    # The transition's target state; None for a step inside a state (an upload, a signature).
    target: S | None = None
    label: str = ""
    # What a refusal says in a state outside ``states`` (instead of the general sentence).
    state_refusals: dict = field(default_factory=dict)
    # One sentence for any refusal of state or person (a step whose page says it so).
    refusal: str = ""
    # Who is asked before the state: a step inside a state tells someone who is not its actor
    # so, whatever the state (a transition says the state first).
    who_first: bool = False

    @property
    def words(self) -> str:
        return self.label or STEP_LABELS.get(self.name, self.name)


APPLICANT = Rule(rules.is_case_institution_member)
COUNTY = Rule(rules.is_case_county_staff)
ROUND_STAFF = Rule(rules.runs_current_round)


def staff(doing: str) -> Rule:
    return Rule(rules.runs_current_round, f"只有组织本轮鉴定的教育局工作人员可以{doing}。")


PANEL = Rule(rules.may_sign_current_round, "您不是本轮专家组成员（或未接受邀请），不能办理。")
SYSTEM = Rule(rules.is_system)
SEAL = (
    staff("确定类别并盖章"),
    Rule(rules.holds_seal_of_current_round, "您没有盖章权限，请由持有本局印章权限的工作人员办理。"),
)
NOT_ALL_SIGNED = "专家组成员尚未全部签署鉴定意见，不能确定类别和盖章。"
SIGNED = Condition(opinion_fully_signed, NOT_ALL_SIGNED)

ACTIONS = {
    a.name: a
    for a in (
        # ---- the application (guide 七(一)(二)) ----
        Action(
            "edit",
            frozenset({S.DRAFT}),
            (APPLICANT,),
            label="修改申请内容",
            refusal="只有草稿状态的申请可以由申请机构修改。",
        ),
        Action(
            "upload",
            frozenset({S.DRAFT}),
            (APPLICANT,),
            label="上传申报材料",
            refusal="只有草稿状态（含退回补正）的申请可以上传材料。",
        ),
        Action(
            "submit",
            frozenset({S.DRAFT}),
            (APPLICANT,),
            (Condition(can_be_submitted, submission_refusal, offered=True),),
            target=S.SUBMITTED,
        ),
        Action("withdraw", frozenset({S.DRAFT, S.SUBMITTED}), (APPLICANT,), target=S.WITHDRAWN),
        Action("return_for_completion", frozenset({S.SUBMITTED}), (COUNTY,), target=S.DRAFT),
        Action("accept", frozenset({S.SUBMITTED}), (COUNTY,), target=S.ACCEPTED),
        Action("refuse", frozenset({S.SUBMITTED}), (COUNTY,), target=S.REFUSED),
        # ---- the panel (guide 五, 七(三), 七(五)) ----
        Action(
            "draw_panel",
            DRAWABLE,
            (ROUND_STAFF,),
            (Condition(ready_to_draw, "州教育局签收复审申请后方可抽取复审专家。"),),
            target=S.PANEL_DRAWN,
        ),
        Action(
            "start_review",
            frozenset({S.PANEL_DRAWN}),
            (Rule(rules.may_start_review),),
            (Condition(panel_complete),),
            target=S.IN_REVIEW,
        ),
        # ---- the review (guide 七(三)(四), 八) ----
        Action(
            "record_activity",
            RECORDING | {S.OPINION_SIGNED},
            (staff("记录鉴定活动"),),
            (Condition(meeting_recordable, recording_refusal),),
            state_refusals={s: recording_refusal for s in S if s not in RECORDING},
            who_first=True,
        ),
        Action("set_leader", frozenset({S.IN_REVIEW}), (staff("指定专家组组长"),), who_first=True),
        Action(
            "fill_sheet", frozenset({S.IN_REVIEW}), (PANEL,), label="填写评分表", who_first=True
        ),
        Action("sign_opinion", frozenset({S.IN_REVIEW}), (PANEL,), who_first=True),
        Action(
            "draft_opinion",
            frozenset({S.IN_REVIEW}),
            (
                PANEL,
                Rule(rules.leads_current_panel, "只有教育局指定的专家组组长可以起草鉴定意见。"),
            ),
            label="起草鉴定意见",
            who_first=True,
        ),
        Action(
            "complete_opinion",
            frozenset({S.IN_REVIEW}),
            (PANEL,),
            (SIGNED,),
            target=S.OPINION_SIGNED,
        ),
        Action(
            "stamp",
            frozenset({S.OPINION_SIGNED}),
            SEAL,
            (SIGNED,),
            label="确定类别并盖章",
            state_refusals={S.IN_REVIEW: NOT_ALL_SIGNED},
            who_first=True,
        ),
        Action(
            "decide",
            frozenset({S.OPINION_SIGNED}),
            SEAL,
            (Condition(in_first_round), SIGNED),
            target=S.DECIDED,
        ),
        Action(
            "close_after_rereview",
            frozenset({S.OPINION_SIGNED}),
            SEAL,
            (Condition(in_second_round), SIGNED),
            target=S.CLOSED,
        ),
        # ---- after the decision: re-review or closing (guide 七(五)) ----
        Action("accept_result", frozenset({S.DECIDED}), (APPLICANT,), target=S.CLOSED),
        Action(
            "request_rereview",
            frozenset({S.DECIDED}),
            (APPLICANT,),
            (Condition(may_request_rereview, "复审申请期限已过，或已申请过复审。"),),
            target=S.REREVIEW_REQUESTED,
        ),
        Action(
            "rereview_upload",
            frozenset({S.REREVIEW_REQUESTED}),
            (APPLICANT,),
            label="补充复审材料",
            refusal="只有待县（市）教育局审核的复审申请可以由申请机构补充材料。",
        ),
        Action("refuse_rereview", frozenset({S.REREVIEW_REQUESTED}), (COUNTY,), target=S.DECIDED),
        Action(
            "forward_rereview",
            frozenset({S.REREVIEW_REQUESTED}),
            (COUNTY,),
            target=S.REREVIEW_FORWARDED,
        ),
        Action(
            "receive_rereview",
            frozenset({S.REREVIEW_FORWARDED}),
            (Rule(rules.is_prefecture_staff_over, "只有州教育局工作人员可以签收报送的复审申请。"),),
            (Condition(not_received, "该复审申请已签收。"),),
            state_refusals={s: "该案件当前没有待签收的复审申请。" for s in S},
            who_first=True,
        ),
        Action(
            "close_after_window",
            frozenset({S.DECIDED}),
            (SYSTEM,),
            (Condition(rereview_window_passed),),
            target=S.CLOSED,
        ),
    )
}


def _action(name) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise LookupError(f"No action named {name!r} in the workflow policy.") from None


def _who_refusal(action, case, user) -> str | None:
    for rule in action.who:
        if not rule.test(case, user):
            return rule.refusal or action.refusal or f"您无权对该案件执行“{action.words}”。"
    return None


def _condition_refusal(action, case, *, offered_only=False) -> str | None:
    for condition in action.when:
        if offered_only and condition.offered:
            continue
        if not condition.test(case):
            refusal = condition.refusal
            if callable(refusal):
                return refusal(case)
            return refusal or f"暂不能执行“{action.words}”：前提条件未满足。"
    return None


def state_refusal(action_name, case) -> str | None:
    """What is said when the case's state does not admit the action (None if it does)."""
    action = _action(action_name)
    if case.state in action.states:
        return None
    if action.refusal:
        return action.refusal
    if case.state in action.state_refusals:
        words = action.state_refusals[case.state]
        return words(case) if callable(words) else words
    return f"案件当前状态为“{S(case.state).label}”，不能执行“{action.words}”。"


def who_refusal(user, case, name) -> str | None:
    """Why ``user`` is not someone who may run the action on this case at all (None if they are)."""
    return _who_refusal(_action(name), case, user)


def may_ever(user, case, name) -> bool:
    """Whether ``user`` is someone who may run the action on this case at all, whatever its state
    (a page answers 403 to anyone else, and a service's message to the right person)."""
    return _who_refusal(_action(name), case, user) is None


def refusal(user, case, name, *, conditions=True) -> str | None:
    """Why ``user`` may not run the action on the case now, in the words shown; None if they may.
    The state is asked first, then who, then the moment (``conditions=False``: not the moment,
    for a service that checks its own input before it)."""
    action = _action(name)
    if action.who_first:
        first, second = _who_refusal(action, case, user), state_refusal(name, case)
    else:
        first, second = state_refusal(name, case), _who_refusal(action, case, user)
    return first or second or (_condition_refusal(action, case) if conditions else None)


def allowed(user, case, name) -> bool:
    return refusal(user, case, name) is None


def check(user, case, name, *, conditions=True, doing="") -> None:
    """Raise ServiceError with the refusal's words unless ``user`` may run the action now
    (``doing``: the step in the service's own words, for a refusal of the state)."""
    action = _action(name)
    if action.who_first and (who := _who_refusal(action, case, user)):
        raise ServiceError(who)
    if doing and case.state not in action.states and not action.state_refusals:
        raise ServiceError(f"案件当前状态为“{case.state_label}”，不能{doing}。")
    reason = refusal(user, case, name, conditions=conditions)
    if reason is not None:
        raise ServiceError(reason)


def offered(user, case, name) -> bool:
    """The page offers the action: its state and its people are right, and so are its conditions
    except those the service itself explains (``Condition.offered``)."""
    action = _action(name)
    return (
        case.state in action.states
        and _who_refusal(action, case, user) is None
        and _condition_refusal(action, case, offered_only=True) is None
    )


# Transitions the system runs, or that run inside another action (the last signature completes
# the opinion; the seal decides or closes): never offered as buttons of their own.
INNER = frozenset({"start_review", "complete_opinion", "decide", "close_after_rereview"})


def actions_for(user, case) -> frozenset[str]:
    """The actions the page offers ``user`` on this case now."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(
        name
        for name, action in ACTIONS.items()
        if name not in INNER and action.who != (SYSTEM,) and offered(user, case, name)
    )


def fsm(name) -> dict:
    """The arguments of django-fsm's ``@transition`` for the action: its states, its target, who
    may (``permission``) and when (``conditions``), all from the table above."""
    action = _action(name)
    assert action.target is not None, f"{name} is not a transition"

    def permission(case, user):
        return _who_refusal(action, case, user) is None

    def condition(case):
        return _condition_refusal(action, case) is None

    condition.__name__ = f"{name}_conditions"
    return {
        "source": sorted(action.states),
        "target": action.target,
        "permission": permission,
        "conditions": [condition],
    }


def transition_names() -> list[str]:
    return [name for name, action in ACTIONS.items() if action.target is not None]
