"""Invitations (guide 六(二); docs/domain.md §邀请与候补): accept with a declaration, decline with
a reason, lapse after the deadline; a vacated seat is offered to the next suitable alternate in
rank."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisal import access
from appraisal.models import CaseState, Draw, Seat
from appraisal.panel import algorithm as algorithm
from appraisal.panel import draws
from appraisal.panel.draws import invite, unsuitable_now
from appraisal.workflow.transitions import lock_case, log_step, run_transition
from appraisal.workflow.workdays import Basis
from common.errors import ServiceError
from common.limits import NOTE_MAX, SHORT_MAX, within
from experts.models import Expert, ExpertTie
from portal.notify import bureau_staff, notify_from

# What an expert declares on accepting (guide 五(五), 六(二)); every item must be confirmed.
DECLARATION_ITEMS = [
    ("independent", "本人将依据鉴定指标独立、客观、公正地开展鉴定，不受任何单位和个人干扰。"),
    (
        "no_tie",
        "本人及近亲属与申请机构及其关联方不存在任职、兼职、咨询服务、财务利益、亲属关系等"
        "利害关系，也不存在其他应当回避的情形。",
    ),
    ("no_training_work", "本人及近亲属从未在校外培训机构任职或兼职。"),
    ("confidential", "本人对鉴定材料、专家组名单及鉴定意见严格保密，结论出具前不对外透露。"),
]
DECLARATION_KEYS = [key for key, _ in DECLARATION_ITEMS]


_log = log_step


def _expert_candidate(expert_id, params) -> algorithm.Candidate:
    expert = Expert.objects.get(pk=expert_id)
    codes = set(expert.subjects.filter(code__in=params.subjects).values_list("code", flat=True))
    return algorithm.Candidate(
        id=expert.pk, subjects=frozenset(codes), legal=expert.category == Expert.Category.LEGAL
    )


def staying_candidates(round, *, exclude_position, params) -> list[algorithm.Candidate]:
    """The members who keep their seats (invited or accepted) besides the vacated position."""
    seats = round.seats.filter(status__in=[Seat.Status.INVITED, Seat.Status.ACCEPTED]).exclude(
        position=exclude_position
    )
    return [_expert_candidate(s.expert_id, params) for s in seats]


def next_alternate_for(case, round, vacated: Seat):
    """(expert id, draw, skipped) of the next suitable alternate for a vacated seat, or
    (None, None, skipped) when the alternates are exhausted. ``skipped`` lists the alternates
    passed over because they are no longer suitable, with why."""
    panel_draw = round.draws.get(kind=Draw.Kind.PANEL)
    params = panel_draw.params
    waived = panel_draw.parameters.get("waived", [])
    requirements = [r for r in algorithm.requirements_for(params) if r not in waived]
    staying = staying_candidates(round, exclude_position=vacated.position, params=params)
    on_case = set(Seat.objects.filter(round__case_id=case.pk).values_list("expert_id", flat=True))
    skipped = {}
    for draw in round.draws.order_by("created_at", "id"):
        by_id = {c.id: c for c in draw.candidate_objects()}
        waiting = [i for i in draw.alternates if i not in on_case]
        not_now = unsuitable_now(case, round.bureau, waiting)
        skipped.update(not_now)
        chosen = algorithm.next_alternate(
            draw.alternates, by_id, staying, requirements, skip=on_case | set(not_now)
        )
        if chosen is not None:
            return chosen, draw, skipped
    return None, None, skipped


def call_alternate(case, round, vacated: Seat, actor, ip=None) -> Seat | None:
    """递补: the next suitable alternate takes the vacated seat; recorded either way."""
    expert_id, draw, skipped = next_alternate_for(case, round, vacated)
    names = dict(Expert.objects.filter(pk__in=list(skipped)).values_list("id", "name"))
    skipped_rows = [[names.get(i, str(i)), why] for i, why in skipped.items()]
    if expert_id is None:
        notify_from(
            "alternates_exhausted",
            bureau_staff(round.bureau, round.staff_role),
            {"seat": vacated},
            url=reverse("appraisal:case_detail", args=[case.pk]),
            case=case,
        )
        _log(
            case,
            "alternates_exhausted",
            actor,
            note=f"席位{vacated.position}：候补专家已用尽，可由教育局补抽。",
            data={"seat": vacated.pk, "skipped": skipped_rows},
            ip=ip,
        )
        return None
    seat = invite(
        round,
        draw,
        expert_id,
        position=vacated.position,
        source=Seat.Source.ALTERNATE,
        rank=draw.order.index(expert_id) + 1,
        replaces=vacated,
    )
    _log(
        case,
        "call_alternate",
        actor,
        note=f"席位{vacated.position}由第 {seat.rank} 位候补专家递补。",
        data={
            "seat": seat.pk,
            "replaces": vacated.pk,
            "expert": seat.expert.name,
            "rank": seat.rank,
            "draw": draw.pk,
            "skipped": skipped_rows,
        },
        ip=ip,
    )
    return seat


def _lock_own_seat(user, seat_id):
    """The case and the seat, locked; the seat must be this expert's and still unanswered."""
    try:
        case_id = Seat.objects.values_list("round__case_id", flat=True).get(pk=seat_id)
    except (Seat.DoesNotExist, ValueError, TypeError):
        raise ServiceError("邀请不存在。") from None
    case = lock_case(case_id)
    seat = Seat.objects.select_for_update().select_related("expert", "round").get(pk=seat_id)
    if seat.expert.user_id != user.pk:
        raise ServiceError("邀请不存在。")
    if seat.status != Seat.Status.INVITED:
        raise ServiceError(f"您已答复过该邀请（{seat.get_status_display()}），不能重复答复。")
    if case.state != CaseState.PANEL_DRAWN:
        raise ServiceError("该案件已不在专家组组成阶段，邀请不能再答复。")
    if seat.is_overdue():
        raise ServiceError("已超过答复期限，该邀请已失效。")
    return case, seat


def accept_invitation(user, seat_id, *, confirmed, ip=None) -> Seat:
    """接受邀请: the expert signs the declaration of independence and no conflict of interest.
    When every seat has accepted, the review starts (start_review)."""
    confirmed = set(confirmed or [])
    with transaction.atomic():
        case, seat = _lock_own_seat(user, seat_id)
        if not set(DECLARATION_KEYS) <= confirmed:
            raise ServiceError(
                "接受邀请须逐项确认独立性及无利害关系声明；如存在利害关系，请谢绝邀请。"
            )
        if seat.expert.status != Expert.Status.ACTIVE:
            raise ServiceError("您在专家库中的状态不是“在库”，不能接受邀请。")
        if seat.expert.credit_records.exists():  # recorded after the draw: guide 九(三)
            raise ServiceError(
                "您已被记入专家信用管理记录，依指南九（三）不再参与鉴定工作，不能接受邀请。"
            )
        now = timezone.now()
        seat.status = Seat.Status.ACCEPTED
        seat.replied_at = seat.accepted_at = now
        seat.declarations = {key: True for key in DECLARATION_KEYS}
        seat.declaration_text = "\n".join(text for _, text in DECLARATION_ITEMS)
        seat.save(
            update_fields=[
                "status",
                "replied_at",
                "accepted_at",
                "declarations",
                "declaration_text",
            ]
        )
        _log(
            case,
            "accept_invitation",
            user,
            note=f"席位{seat.position}：专家已接受邀请并签署声明。",
            data={"seat": seat.pk, "expert": seat.expert.name},
            ip=ip,
        )
        if case.panel_complete():
            run_transition(case.pk, user, "start_review", note="专家组全部成员已接受邀请。", ip=ip)
            notify_from(
                "panel_formed",
                bureau_staff(seat.round.bureau, seat.round.staff_role),
                {},
                url=reverse("appraisal:case_detail", args=[case.pk]),
                case=case,
            )
    return seat


def _tie_note(case, note: str) -> str:
    """The declared tie's 说明 (a short column): the expert's words when they fit, else where the
    whole text is kept, never a cut sentence."""
    said = f"谢绝案件 {case.number} 邀请时申报：{note}"
    if len(said) <= SHORT_MAX:
        return said
    return f"谢绝案件 {case.number} 邀请时申报存在利害关系，说明全文见该邀请的谢绝说明。"


def decline_invitation(user, seat_id, *, reason, note="", ip=None) -> Seat:
    """谢绝邀请, with a reason; the seat passes to the next alternate. A conflict is also kept
    as a declared tie, so the expert is not drawn for this institution again."""
    note = within(note, NOTE_MAX, "说明")  # refused, never cut
    if reason not in Seat.DeclineReason.values:
        raise ServiceError("请选择谢绝原因。")
    if reason != Seat.DeclineReason.UNAVAILABLE and not note:
        raise ServiceError("请说明谢绝的具体原因。")
    with transaction.atomic():
        case, seat = _lock_own_seat(user, seat_id)
        seat.status = Seat.Status.DECLINED
        seat.replied_at = timezone.now()
        seat.decline_reason = reason
        seat.decline_note = note
        seat.save(update_fields=["status", "replied_at", "decline_reason", "decline_note"])
        if reason == Seat.DeclineReason.CONFLICT:
            ExpertTie.objects.create(
                expert=seat.expert,
                institution_id=case.institution_id,
                kind=ExpertTie.Kind.OTHER,
                note=_tie_note(case, note),
                declared_by=user,
            )
        _log(
            case,
            "decline_invitation",
            user,
            note=f"席位{seat.position}：{seat.get_decline_reason_display()}",
            data={"seat": seat.pk, "expert": seat.expert.name},
            ip=ip,
        )
        call_alternate(case, seat.round, seat, user, ip=ip)
    return seat


def lapse_overdue(*, case_id=None, actor=None, now=None) -> int:
    """Invitations past their deadline become lapsed and the next alternate is called.
    Idempotent (run daily by ``manage.py lapse_invitations``); returns how many lapsed.

    A deadline counted on the law's holidays alone (the year's notice not yet entered) does not
    lapse: the notice's extra days off may move it later, and an expert must not lose them."""
    now = now or timezone.now()
    overdue = Seat.objects.filter(
        status=Seat.Status.INVITED,
        reply_by__lt=now,
        reply_by_basis__in=[Basis.OFFICIAL, Basis.ENTERED],
        round__case__state=CaseState.PANEL_DRAWN,
    )
    if case_id is not None:
        overdue = overdue.filter(round__case_id=case_id)
    count = 0
    for seat_id, seat_case_id in overdue.values_list("pk", "round__case_id"):
        with transaction.atomic():
            case = lock_case(seat_case_id)
            seat = (
                Seat.objects.select_for_update().select_related("expert", "round").get(pk=seat_id)
            )
            if not seat.is_overdue(now):
                continue
            seat.status = Seat.Status.LAPSED
            seat.save(update_fields=["status"])
            _log(
                case,
                "lapse_invitation",
                actor,
                note=f"席位{seat.position}：专家未在期限内答复。",
                data={"seat": seat.pk, "expert": seat.expert.name},
            )
            call_alternate(case, seat.round, seat, actor)
            count += 1
    return count


@draws.audited
def draw_for_seat(
    user, case_id, seat_id, *, commitment_id, witness=None, witness_value="", ip=None
) -> Draw:
    """补抽: a new draw for one vacant seat, allowed only once its alternates are exhausted."""
    with transaction.atomic():
        case = lock_case(case_id)
        if not access.can_manage_panel(user, case):
            raise ServiceError("您无权为该案件抽取专家。")
        if case.state != CaseState.PANEL_DRAWN:
            raise ServiceError("只有在专家组组成阶段才能补抽。")
        current = case.current_round
        try:
            seat = Seat.objects.select_for_update().get(pk=seat_id, round=current)
        except (Seat.DoesNotExist, ValueError, TypeError):
            raise ServiceError("席位不存在。") from None
        if seat.is_open or hasattr(seat, "replaced_by"):
            raise ServiceError("该席位不是空缺席位，无需补抽。")
        if next_alternate_for(case, current, seat)[0] is not None:
            raise ServiceError("候补专家尚未用尽，应依次递补，不能补抽。")
        panel_draw = current.draws.get(kind=Draw.Kind.PANEL)
        value = draws.check_witness(user, witness, current.bureau, witness_value)
        commitment = draws.use_commitment(current, commitment_id)
        base = panel_draw.params
        staying = staying_candidates(current, exclude_position=seat.position, params=base)
        unmet = [
            r
            for r in algorithm.requirements_for(base)
            if r not in panel_draw.parameters.get("waived", [])
            and not any(c.covers(r) for c in staying)
        ]
        params = algorithm.Parameters(
            panel_size=1,
            subjects=tuple(r for r in unmet if r != algorithm.LEGAL),
            legal_seat=algorithm.LEGAL in unmet,
        )
        screening = draws.screen(case, current.bureau, base.subjects, base.legal_seat)
        draw, result = draws.make_draw(
            case=case,
            round=current,
            kind=Draw.Kind.SEAT,
            user=user,
            witness=witness,
            witness_value=value,
            commitment=commitment,
            params=params,
            screening=screening,
            for_seat=seat,
        )
        new = invite(
            current,
            draw,
            draw.panel[0],
            position=seat.position,
            source=Seat.Source.SEAT_DRAW,
            rank=draw.order.index(draw.panel[0]) + 1,
            replaces=seat,
        )
        log_step(
            case,
            "draw_seat",
            user,
            note=f"席位{seat.position}候补已用尽，补抽 1 人",
            data={"draw": draw.pk, "seat": new.pk, "expert": new.expert.name},
            ip=ip,
        )
    return draw
