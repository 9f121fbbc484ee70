"""Taking a case to any point of its life through the real services, step by step (guide 七).

Each step is the service a user calls from a page (submit, accept, draw, answer the invitation,
fill and submit the sheet, draft and sign the opinion, stamp, request, forward and receive the
re-review, …), run as the user whose turn it is, so a case driven here holds exactly the rows,
documents, log and notices of one taken there by hand. The demo data (``load_demo``) and the
tests' factories drive their cases here; the bulk data generator (``portal.datagen``) writes its
rows directly, for speed, but along the same ``ROUTES``.

A point (a "stop") is a state, reached by its usual route, or one of the named points below (an
application sent back for 补正, a refused re-review, the stages of the prefecture's round).
``drive`` carries a case from where it is, read from its log, to the stop; ``new_case_at`` files a
new application first. ``Script`` holds the words and choices of the steps, ``password`` is what
the panel and the clerks re-enter when they sign and stamp (one for all the actors).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from appraisal.filing import cases
from appraisal.filing.materials import upload_material
from appraisal.panel import draws, invitations
from appraisal.rereview import services as rereview
from appraisal.review import activities, sheets
from appraisal.review import decision as decisions
from appraisal.review import opinion as opinions
from appraisal.review import read as review_read

from .models import (
    Case,
    CaseState,
    IndicatorSign,
    IndicatorTemplate,
    MaterialKind,
    Opinion,
    ReviewActivity,
    ReviewSheet,
    Seat,
)
from .workflow.states import RETURNED

# ---- the routes -------------------------------------------------------------------------------
# The first appraisal, from filing to the county's seal (guide 七(一)–(四)).
FIRST_ROUND = ("submit", "accept", "draw_panel", "start_review", "complete_opinion", "decide")
# The re-review (guide 七(五)): requested, forwarded, received and appraised by the prefecture,
# whose result closes the case.
REREVIEW = (
    "request_rereview",
    "forward_rereview",
    "receive_rereview",
    "draw_panel",
    "start_review",
    "complete_opinion",
    "close_after_rereview",
)

# The named points that are not a state's usual one.
REREVIEW_REFUSED = "rereview_refused"  # decided again: the county did not approve the request
REREVIEW_RECEIVED = "rereview_received"
REREVIEW_PANEL_DRAWN = "rereview_panel_drawn"
REREVIEW_IN_REVIEW = "rereview_in_review"
REREVIEW_OPINION_SIGNED = "rereview_opinion_signed"
CLOSED_AFTER_REREVIEW = "closed_after_rereview"

# Every stop, with the steps that lead there from a new draft.
ROUTES: dict[str, tuple[str, ...]] = {
    CaseState.DRAFT: (),
    RETURNED: ("submit", "return_for_completion"),
    CaseState.SUBMITTED: FIRST_ROUND[:1],
    CaseState.REFUSED: ("submit", "refuse"),
    CaseState.WITHDRAWN: ("submit", "withdraw"),
    CaseState.ACCEPTED: FIRST_ROUND[:2],
    CaseState.PANEL_DRAWN: FIRST_ROUND[:3],
    CaseState.IN_REVIEW: FIRST_ROUND[:4],
    CaseState.OPINION_SIGNED: FIRST_ROUND[:5],
    CaseState.DECIDED: FIRST_ROUND,
    CaseState.CLOSED: (*FIRST_ROUND, "accept_result"),
    CaseState.REREVIEW_REQUESTED: FIRST_ROUND + REREVIEW[:1],
    CaseState.REREVIEW_FORWARDED: FIRST_ROUND + REREVIEW[:2],
    REREVIEW_REFUSED: (*FIRST_ROUND, "request_rereview", "refuse_rereview"),
    REREVIEW_RECEIVED: FIRST_ROUND + REREVIEW[:3],
    REREVIEW_PANEL_DRAWN: FIRST_ROUND + REREVIEW[:4],
    REREVIEW_IN_REVIEW: FIRST_ROUND + REREVIEW[:5],
    REREVIEW_OPINION_SIGNED: FIRST_ROUND + REREVIEW[:6],
    CLOSED_AFTER_REREVIEW: FIRST_ROUND + REREVIEW,
}


@cache
def _targets() -> dict[str, str]:
    """Each transition's target state, as the case's transitions declare it."""
    state = Case._meta.get_field("state")
    return {t.name: t.target for t in state.get_all_transitions(Case)}


def steps(stop) -> list[tuple[str, CaseState]]:
    """The route to ``stop`` as (step, the state after it); a step inside a state (the
    prefecture's receipt) leaves it as it was."""
    state, made = CaseState.DRAFT, []
    for name in ROUTES[stop]:
        state = CaseState(_targets().get(name, state))
        made.append((name, state))
    return made


def path(stop) -> list[CaseState]:
    """The states a case passes through on its way to ``stop``, the draft first."""
    return [CaseState.DRAFT] + [state for _, state in steps(stop)]


def state_of(stop) -> CaseState:
    return path(stop)[-1]


# ---- the words and choices of the steps ---------------------------------------------------------
SMALLEST_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sample_material(kind: str):
    """A PDF named after its kind of material (the upload is checked by its content)."""
    return SimpleUploadedFile(f"{MaterialKind(kind).label}.pdf", SMALLEST_PDF, "application/pdf")


def opening_meeting(round, clerk) -> dict:
    """The opening meeting with its policy briefing (guide 七(三)), at the round's bureau."""
    bureau = round.bureau.bureau_name
    return {
        "place": f"{bureau}会议室",
        "attendees": f"专家组全体成员；{bureau} {clerk.display_name}",
        "findings": "宣讲“双减”政策和鉴定指标，明确独立鉴定、回避和保密要求。",
    }


@dataclass(frozen=True)
class Script:
    """What the actors write and choose at each step; the defaults are plain and valid."""

    material: Callable = sample_material  # kind → the uploaded file
    accept_note: str = ""
    missing: tuple[str, ...] = (MaterialKind.LESSON_PLANS,)  # what 补正 asks for
    return_note: str = "请补充完整学期的课时教案。"
    refusal: str = "申请鉴定的项目不属于中小学生校外培训，不予受理。"
    withdrawal: str = ""
    # Who witnesses each draw (guide 五): a function of the round, or None (a draw the settings
    # allow without one); the witness's value is derived from the round.
    witness: Callable | None = None
    panel_size: int = 3
    subjects: tuple[str, ...] | None = None  # None: the subject areas of the case's projects
    legal_seat: bool = False
    meeting: Callable = opening_meeting  # (round, clerk) → the meeting's place, attendees, findings
    vote: str = "academic"  # every member's, each ticking that category's first sign per dimension
    vote_reasons: str = "依据申报材料和鉴定活动所见。"
    reasoning: str = "专家组经书面审查，一致形成鉴定意见。"
    findings: dict = field(default_factory=dict)  # dimension name → 鉴定情况
    rereview_reasons: str = "专家组未考虑本机构课程以动手操作为主的事实，请求复审。"
    rereview_files: Callable = list  # () → the files attached to the request
    forward_opinion: str = "申请理由具体，所附材料齐全，同意复审，报送州教育局。"
    rereview_refusal: str = "申请所述理由不足以改变鉴定结论，不予批准。"
    receipt_note: str = ""


# ---- the steps ----------------------------------------------------------------------------------
APPLICANT, STAFF, PANEL = "applicant", "staff", "panel"


@dataclass
class Turn:
    """One step about to be taken: the case as it now is, who takes the step (for the panel's
    steps, the staff of the round, who records the meeting and names the leader if need be), the
    script, the password."""

    case: Case
    actor: object
    script: Script
    password: str
    step: str

    def staff(self):
        """The staff of the round's bureau this step needs; a drive without them is a mistake."""
        if self.actor is None:
            whose = "prefecture" if self.case.in_second_round() else "clerk"
            raise ValueError(f"The step “{self.step}” needs the {whose} who takes it.")
        return self.actor


@dataclass(frozen=True)
class Step:
    by: str  # APPLICANT, STAFF (of the round's bureau: the county, or the prefecture) or PANEL
    run: Callable[[Turn], object]


def draw(
    clerk, case, *, panel_size=3, subjects=None, legal_seat=False, witness=None, witness_value=""
):
    """抽取专家 as the draw page does it: the round's committed value, then the draw (by default
    on all the case's subject areas)."""
    case.refresh_from_db()
    commitment = draws.pending_commitment(clerk, case)
    if subjects is None:
        subjects = draws.case_subject_codes(case)
    return draws.draw_panel(
        clerk,
        case.pk,
        panel_size=panel_size,
        subjects=list(subjects),
        legal_seat=legal_seat,
        commitment_id=commitment.pk,
        witness=witness,
        witness_value=witness_value,
    )


def _draw(turn):
    s = turn.script
    round = turn.case.current_round
    witness = s.witness(round) if s.witness is not None else None
    draw(
        turn.actor,
        turn.case,
        panel_size=s.panel_size,
        subjects=s.subjects,
        legal_seat=s.legal_seat,
        witness=witness,
        witness_value=f"{round.case.number}-{round.number}" if witness is not None else "",
    )


def _accept_invitations(turn):
    """Every member still invited accepts, with the declaration; the last one starts the review."""
    seats = turn.case.current_round.seats.filter(status=Seat.Status.INVITED)
    for seat in seats.select_related("expert__user").order_by("position", "id"):
        invitations.accept_invitation(
            seat.expert.user, seat.pk, confirmed=invitations.DECLARATION_KEYS
        )


def _first_signs(category) -> list[int]:
    picked = {}
    signs = IndicatorSign.objects.filter(
        dimension__template=IndicatorTemplate.current(), category=category
    )
    for sign in signs.order_by("dimension__order", "order"):
        picked.setdefault(sign.dimension_id, sign.pk)
    return list(picked.values())


def _evidence(ticked) -> dict:
    """Every dimension answered (附件1 is refused with a gap): the ticked signs with a note, the
    other dimensions as 无上述特征 with its reason."""
    with_signs = set(
        IndicatorSign.objects.filter(pk__in=ticked).values_list("dimension_id", flat=True)
    )
    return {
        str(d): (
            {"text": "依据培训课程方案、教材和观摩记录。"}
            if d in with_signs
            else {"none": True, "text": "材料和观摩中均未见本维度所列特征。"}
        )
        for d in IndicatorTemplate.current().dimensions.values_list("pk", flat=True)
    }


def _review(turn):
    """The round's review up to the last signature (guide 七(三), 八): the opening meeting if not
    yet recorded, every member's sheet, a leader (the first seat) if none was named, the leader's
    opinion, and every member's signature; what is already done is left as it is."""
    case, s = turn.case, turn.script
    round = case.current_round
    if not activities.held_meeting(round):
        activities.record_activity(
            turn.staff(),
            round,
            kind=ReviewActivity.Kind.OPENING_MEETING,
            date=timezone.localdate(),
            **s.meeting(round, turn.staff()),
        )
    seats = review_read.accepted_seats(round)
    done = set(
        ReviewSheet.objects.filter(round=round, submitted_at__isnull=False).values_list(
            "seat_id", flat=True
        )
    )
    ticked = _first_signs(s.vote)
    evidence = _evidence(ticked)
    for seat in seats:
        if seat.pk not in done:
            answer = {
                "ticked": ticked,
                "evidence": evidence,
                "vote": s.vote,
                "reasons": s.vote_reasons,
            }
            answers = {p.pk: answer for p in case.projects.all()}
            sheets.save_sheet(seat.expert.user, round, answers=answers)
            sheets.submit_sheet(seat.expert.user, round)
    opinion = Opinion.objects.filter(round=round).first()
    if opinion is None or opinion.leader_id is None:
        opinion = opinions.set_leader(turn.staff(), round, seats[0].pk)
    if not opinion.is_drafted:
        leader = next(seat for seat in seats if seat.pk == opinion.leader_id)
        opinion = opinions.save_opinion(
            leader.expert.user, round, reasoning=s.reasoning, findings=s.findings
        )
    signed = set(opinion.valid_signatures().values_list("seat_id", flat=True))
    for seat in seats:
        if seat.pk not in signed:
            opinions.sign_opinion(
                seat.expert.user, round, reauth=turn.password, content_hash=opinion.content_hash
            )


def _stamp(turn):
    decisions.stamp_decision(turn.actor, turn.case.current_round, reauth=turn.password)


def _request_rereview(turn):
    rereview.request_rereview(
        turn.actor,
        turn.case.pk,
        reasons=turn.script.rereview_reasons,
        declared=True,
        files=turn.script.rereview_files(),
    )


STEPS: dict[str, Step] = {
    "submit": Step(APPLICANT, lambda t: cases.submit_case(t.actor, t.case.pk)),
    "return_for_completion": Step(
        STAFF,
        lambda t: cases.return_case(
            t.actor, t.case.pk, missing_kinds=t.script.missing, note=t.script.return_note
        ),
    ),
    "accept": Step(
        STAFF, lambda t: cases.accept_case(t.actor, t.case.pk, note=t.script.accept_note)
    ),
    "refuse": Step(STAFF, lambda t: cases.refuse_case(t.actor, t.case.pk, reason=t.script.refusal)),
    "withdraw": Step(
        APPLICANT, lambda t: cases.withdraw_case(t.actor, t.case.pk, reason=t.script.withdrawal)
    ),
    "draw_panel": Step(STAFF, _draw),
    "start_review": Step(PANEL, _accept_invitations),
    "complete_opinion": Step(PANEL, _review),
    "decide": Step(STAFF, _stamp),
    "accept_result": Step(APPLICANT, lambda t: rereview.accept_result(t.actor, t.case.pk)),
    "request_rereview": Step(APPLICANT, _request_rereview),
    "refuse_rereview": Step(
        STAFF,
        lambda t: rereview.refuse_rereview(t.actor, t.case.pk, reason=t.script.rereview_refusal),
    ),
    "forward_rereview": Step(
        STAFF,
        lambda t: rereview.forward_rereview(t.actor, t.case.pk, opinion=t.script.forward_opinion),
    ),
    "receive_rereview": Step(
        STAFF, lambda t: rereview.receive_rereview(t.actor, t.case.pk, note=t.script.receipt_note)
    ),
    "close_after_rereview": Step(STAFF, _stamp),
}


# ---- driving ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Driven:
    """A case where it was taken, and who acted on it."""

    case: Case
    applicant: object
    clerk: object  # of the case's county
    prefecture: object  # of the prefecture, for the re-review
    experts: tuple  # the accounts of the current round's panel (invited or accepted), by seat

    @property
    def round(self):
        return self.case.current_round


def history(case) -> tuple[str, ...]:
    """The steps the case has taken, from its log; an application filed again after 补正 counts
    as filed once."""
    names = case.log.filter(transition__in=STEPS).order_by("at", "id")
    done = []
    for name in names.values_list("transition", flat=True):
        if name == "submit" and done[-2:] == ["submit", "return_for_completion"]:
            del done[-2:]
        done.append(name)
    return tuple(done)


def remaining_steps(case, to) -> tuple[str, ...]:
    """The steps from where the case is to ``to``: a stop, or a state by the shortest route there
    that goes on from the case's steps so far (a decided case is closed by accepting the result,
    a forwarded one by the prefecture's round)."""
    if to in CaseState.values:
        stops = [stop for stop in ROUTES if state_of(stop) == to]
    elif to in ROUTES:
        stops = [to]
    else:
        raise ValueError(f"No route leads to “{to}”.")
    done = history(case)
    routes = [ROUTES[stop] for stop in stops if ROUTES[stop][: len(done)] == done]
    if not routes and done[-2:] == ROUTES[RETURNED]:
        done = done[:-2]  # sent back for 补正: filed again, it goes on as from its draft
        routes = [ROUTES[stop] for stop in stops if ROUTES[stop][: len(done)] == done]
    if not routes:
        raise ValueError(f"Case {case.number} (steps {done}) cannot be taken on to “{to}”.")
    return min(routes, key=len)[len(done) :]


def drive(case, to, *, clerk=None, prefecture=None, password="", script=None) -> Driven:
    """Take ``case`` on to ``to`` (a state or a stop of ``ROUTES``), one service call per step,
    each by the user whose turn it is: the applicant (who filed it), the staff of the round's
    bureau (``clerk`` of the county, ``prefecture`` in the re-review; stamping needs their seal
    permission), or the panel. All steps commit together or not at all."""
    script = script or Script()
    case = Case.objects.get(pk=case.pk)
    applicant = case.created_by
    with transaction.atomic():
        for name in remaining_steps(case, to):
            step = STEPS[name]
            if step.by == APPLICANT:
                actor = applicant
            else:
                actor = prefecture if case.in_second_round() else clerk
            turn = Turn(case, actor, script, password, name)
            if step.by == STAFF:
                turn.staff()  # named now, before anything is done
            step.run(turn)
            case = Case.objects.get(pk=case.pk)
    current = case.current_round
    seats = (
        current.seats.filter(status__in=[Seat.Status.INVITED, Seat.Status.ACCEPTED])
        .select_related("expert__user")
        .order_by("position", "id")
        if current is not None
        else []
    )
    return Driven(case, applicant, clerk, prefecture, tuple(s.expert.user for s in seats))


def new_case_at(
    to,
    *,
    applicant,
    projects,
    statement="项目类别存在争议，申请鉴定。",
    materials=None,
    clerk=None,
    prefecture=None,
    password="",
    script=None,
) -> Driven:
    """A new application by ``applicant`` for ``projects``, with a file of each kind in
    ``materials`` (by default the required ones), taken to ``to`` (see ``drive``)."""
    script = script or Script()
    kinds = settings.APPRAISAL_REQUIRED_MATERIALS if materials is None else materials
    with transaction.atomic():
        case = cases.create_case(applicant, projects=projects, statement=statement)
        for kind in kinds:
            upload_material(applicant, case.pk, kind=kind, uploaded=script.material(kind))
        return drive(case, to, clerk=clerk, prefecture=prefecture, password=password, script=script)
