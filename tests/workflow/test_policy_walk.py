"""The workflow policy is the one answer to "may this user do this to this case now"
(docs/architecture.md, 工作流策略).

For every stop of a case's life (each state, by the routes of ``appraisal.scenario``, and the named
points between them: sent back for 补正, a refused re-review, the prefecture's round), for every role
and for every action of ``policy.ACTIONS`` that a user takes, the test compares three answers:

- the policy's: ``policy.allowed`` (may run it now) and ``policy.offered`` (the page offers it);
- the case page's: whether the button or form of that action is on the page this user sees;
- the service's: whether calling it, with valid input, is accepted (then rolled back) or refused.

An action the policy refuses must be refused by the service and absent from the page; one it allows
must be on the page (where the page has a button of its own for it) and accepted by the service,
unless the service refuses it for a reason of its input that the policy does not judge (listed per
action in ``INPUT_REFUSALS``, e.g. signing an opinion not yet drafted).
"""

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal import scenario
from appraisal.filing import cases, materials
from appraisal.models import MaterialKind, Opinion, ReviewActivity, Seat
from appraisal.panel import draws
from appraisal.rereview import services as rereview
from appraisal.review import activities, sheets
from appraisal.review import decision as decisions
from appraisal.review import opinion as opinions
from appraisal.workflow import policy
from appraisal.workflow.states import CaseState
from common.errors import ServiceError
from tests import factories

pytestmark = pytest.mark.django_db

# The actions a user takes (the system's and those run inside another are not users' to take).
USER_ACTIONS = sorted(
    name
    for name, action in policy.ACTIONS.items()
    if name not in policy.INNER and action.who != (policy.SYSTEM,)
)

# Refusals by a service, on an action the policy allows now, that judge the input or a step of
# the review the policy leaves to the service (their words, in part).
INPUT_REFUSALS = {
    "sign_opinion": ("尚未起草", "已签署本版"),
    "draft_opinion": ("还不能起草鉴定意见",),
    "set_leader": ("已有成员签署",),
    "fill_sheet": ("评分表已提交",),
    "record_activity": (),
    "stamp": ("已确定类别并盖章",),
}


class Rollback(Exception):
    """Raised to undo an accepted call."""


@dataclass
class Outcome:
    accepted: bool
    message: str = ""


def _round(case):
    return case.facts.current_round


def _upload():
    return factories.pdf_upload("补充材料.pdf")


def _current(case):
    """The round under way, for the steps of a round; a case without one has no such step."""
    current = _round(case)
    if current is None:
        raise ServiceError("案件尚无进行中的鉴定轮次。")
    return current


def _draw(user, case, world):
    commitment = draws.pending_commitment(user, case)
    return draws.draw_panel(
        user,
        case.pk,
        panel_size=3,
        subjects=draws.case_subject_codes(case),
        legal_seat=False,
        commitment_id=commitment.pk,
        witness=world["witnesses"][_current(case).bureau_id],
        witness_value="见证随机值2026",
    )


def _set_leader(user, case, world):
    seat = _current(case).seats.filter(status=Seat.Status.ACCEPTED).order_by("position").first()
    return opinions.set_leader(user, _current(case), seat.pk if seat else 0)


def _sign(user, case, world):
    opinion = Opinion.objects.filter(round=_current(case)).first()
    return opinions.sign_opinion(
        user,
        _current(case),
        reauth=factories.PASSWORD,
        content_hash=opinion.content_hash if opinion else "",
    )


# How the walk calls each action's service, with valid input for the case as it is.
CALLS = {
    "edit": lambda u, c, w: cases.update_application(
        u, c.pk, projects=list(c.projects.all()), statement="修改后的申请事由。"
    ),
    "upload": lambda u, c, w: materials.upload_material(
        u, c.pk, kind=MaterialKind.COURSE_SCHEME, uploaded=_upload()
    ),
    "submit": lambda u, c, w: cases.submit_case(u, c.pk),
    "withdraw": lambda u, c, w: cases.withdraw_case(u, c.pk, reason="不再申请。"),
    "return_for_completion": lambda u, c, w: cases.return_case(
        u, c.pk, missing_kinds=[MaterialKind.LESSON_PLANS], note="请补充教案。"
    ),
    "accept": lambda u, c, w: cases.accept_case(u, c.pk),
    "refuse": lambda u, c, w: cases.refuse_case(u, c.pk, reason="不属于校外培训。"),
    "draw_panel": _draw,
    "record_activity": lambda u, c, w: activities.record_activity(
        u,
        _current(c),
        kind=ReviewActivity.Kind.OPENING_MEETING,
        date=timezone.localdate(),
        place="教育局会议室",
        attendees="专家组全体成员",
    ),
    "set_leader": _set_leader,
    "fill_sheet": lambda u, c, w: sheets.save_sheet(u, _current(c), answers={}),
    "draft_opinion": lambda u, c, w: opinions.save_opinion(
        u, _current(c), reasoning="专家组意见。"
    ),
    "sign_opinion": _sign,
    "stamp": lambda u, c, w: decisions.stamp_decision(u, _current(c), reauth=factories.PASSWORD),
    "accept_result": lambda u, c, w: rereview.accept_result(u, c.pk),
    "request_rereview": lambda u, c, w: rereview.request_rereview(
        u, c.pk, reasons="结论有误，请求复审。", declared=True
    ),
    "rereview_upload": lambda u, c, w: rereview.upload_rereview_material(
        u, c.pk, uploaded=_upload()
    ),
    "refuse_rereview": lambda u, c, w: rereview.refuse_rereview(u, c.pk, reason="理由不足。"),
    "forward_rereview": lambda u, c, w: rereview.forward_rereview(u, c.pk, opinion="同意复审。"),
    "receive_rereview": lambda u, c, w: rereview.receive_rereview(u, c.pk),
}


def service_outcome(action, user, case, world) -> Outcome:
    try:
        with transaction.atomic():
            CALLS[action](user, case, world)
            raise Rollback
    except Rollback:
        return Outcome(True)
    except ServiceError as exc:
        return Outcome(False, exc.message)
    except (PermissionDenied, Http404) as exc:
        return Outcome(False, str(exc))


def page_markers(case) -> dict[str, str]:
    """The mark on the case page of each action that has a button or form of its own."""
    pk = case.pk
    markers = {
        "edit": reverse("appraisal:case_edit", args=[pk]),
        "upload": reverse("appraisal:material_upload", args=[pk]),
        "submit": reverse("appraisal:case_submit", args=[pk]),
        "withdraw": reverse("appraisal:case_withdraw", args=[pk]),
        "accept": reverse("appraisal:case_accept", args=[pk]),
        "return_for_completion": reverse("appraisal:case_return", args=[pk]),
        "refuse": reverse("appraisal:case_refuse", args=[pk]),
        "draw_panel": reverse("appraisal:draw_panel", args=[pk]),
        "accept_result": reverse("appraisal:accept_result", args=[pk]),
        "request_rereview": 'id="rereview-form"',
        "rereview_upload": reverse("appraisal:rereview_upload", args=[pk]),
        "refuse_rereview": reverse("appraisal:rereview_refuse", args=[pk]),
        "forward_rereview": reverse("appraisal:rereview_forward", args=[pk]),
        "receive_rereview": reverse("appraisal:rereview_receive", args=[pk]),
        "stamp": 'id="decision-link"',
    }
    current = _round(case)
    if current is not None:
        markers["set_leader"] = reverse("appraisal:set_leader", args=[current.pk])
        markers["fill_sheet"] = reverse("appraisal:sheet", args=[current.pk])
    return markers


@pytest.fixture
def world(jurisdictions, indicator_template):
    changji = factories.bureau("652301")
    fukang = factories.bureau("652302")
    zhou = factories.prefecture()
    applicant = factories.user("institution", institution=factories.institution("652301"))
    clerk = factories.grant_stamp(factories.user("county", bureau=changji))
    prefecture = factories.grant_stamp(factories.user("prefecture", bureau=zhou))
    factories.experts(changji, 6)
    factories.experts(zhou, 6)
    return {
        "applicant": applicant,
        "clerk": clerk,
        "prefecture": prefecture,
        # A witness of each bureau that draws (guide 五: the draw is witnessed).
        "witnesses": {
            changji.pk: factories.user("supervisor", bureau=changji),
            zhou.pk: factories.user("supervisor", bureau=zhou),
        },
        "roles": {
            "applicant": applicant,
            "other_institution": factories.user(
                "institution", institution=factories.institution("652302")
            ),
            "clerk": clerk,
            "colleague": factories.user("county", bureau=changji),
            "foreign_clerk": factories.grant_stamp(factories.user("county", bureau=fukang)),
            "prefecture": prefecture,
            "expert_outsider": factories.expert(changji, ("mathematics",)).user,
            "supervisor": factories.user("supervisor", bureau=changji),
            "admin": factories.user("admin", is_staff=True, is_superuser=True),
        },
    }


def _page(user, case) -> str | None:
    client = Client()
    factories.login(client, user)
    response = client.get(reverse("appraisal:case_detail", args=[case.pk]))
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.status_code
    return response.content.decode()


STOPS = list(scenario.ROUTES)


@pytest.mark.parametrize("stop", STOPS)
def test_policy_pages_and_services_agree(world, stop):
    driven = factories.case_at(
        stop,
        world["applicant"],
        world["clerk"],
        prefecture=world["prefecture"],
        projects=[factories.project(world["applicant"].institution)],
    )
    case = driven.case
    roles = dict(world["roles"])
    if driven.experts:
        roles["panel_member"] = driven.experts[0]
    disagreements = []
    for role, user in roles.items():
        case = type(case).objects.select_related("institution", "bureau").get(pk=case.pk)
        html = _page(user, case)
        markers = page_markers(case)
        for action in USER_ACTIONS:
            allowed = policy.allowed(user, case, action)
            offered = policy.offered(user, case, action)
            if action in markers:
                on_page = html is not None and markers[action] in html
                if on_page != offered:
                    disagreements.append(
                        f"{stop} · {role} · {action}: policy offers {offered}, page {on_page}"
                    )
            outcome = service_outcome(action, user, case, world)
            if outcome.accepted and not allowed:
                disagreements.append(
                    f"{stop} · {role} · {action}: policy refuses ({policy.refusal(user, case, action)}), "
                    "service accepts"
                )
            if allowed and not outcome.accepted:
                expected = INPUT_REFUSALS.get(action, ())
                if not any(words in outcome.message for words in expected):
                    disagreements.append(
                        f"{stop} · {role} · {action}: policy allows, service refuses "
                        f"({outcome.message})"
                    )
            if not allowed and not outcome.accepted:
                assert outcome.message, f"{stop} · {role} · {action}: refused without words"
    assert disagreements == []


def test_every_state_is_walked():
    assert {scenario.state_of(stop) for stop in STOPS} == set(CaseState)


def test_every_user_action_is_called_by_the_walk():
    assert set(USER_ACTIONS) == set(CALLS)
