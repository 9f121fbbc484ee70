"""Drawing a round's panel (guide 五, 七(三); docs/domain.md §抽取): screen the pool, draw, store the
record, invite.

The random part is the pure function in ``appraisal.panel.algorithm``; this module gathers its inputs from
the database (the candidates after every filter, with the experts each filter removed), stores
them with the result, and creates the seats, all in the transaction of the ``draw_panel``
transition. A draw that cannot fill the panel raises before anything is written.
"""

import functools
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appraisal import access
from appraisal.documents import transparency
from appraisal.models import Draw, DrawCommitment, LogEntry, Seat
from appraisal.panel import algorithm as algorithm
from appraisal.panel import attempts as draw_attempts
from appraisal.panel import record as draw_record
from appraisal.panel import sealing
from appraisal.panel.screening import ORDER, removed_by, screening_rows
from appraisal.workflow.transitions import run_transition
from appraisal.workflow.workdays import count_working_days
from common.errors import ServiceError
from experts.models import Expert
from portal.models import Subject, User
from portal.notify import notify_from

PANEL_SIZES = (3, 4, 5)
EXPIRED = "抽取页面已过期，请刷新后重新操作。"
# One answer for a wrong password and for an account that may not witness: the draw page must not
# tell a clerk whether some account's password is right.
WITNESS_REFUSED = (
    "监督人身份未通过验证：请核对监督人账户、密码和动态口令；"
    "监督人须为本单位的其他工作人员或本辖区的监督人账户。"
)

FILTER_LABELS = {
    "subjects": "学科领域不符（不在候选范围，仅计人数）",
    "status": "暂停或退出专家库",
    "eligibility": "不符合专家条件（职称、兼职声明、法律专业要求）",
    "credit": "有专家信用管理记录，不再聘请",
    "tie": "与申请机构存在关联关系，应当回避",
    "on_case": "已参与本案件（任一轮次）",
    "load": "在办鉴定案件已达上限",
}


class CommitmentRefused(ServiceError):
    """The commitment sent with a draw is not the round's pending one: ``reason`` is unknown (no
    such commitment), foreign (another round's), used, abandoned (shown, then left unused and
    closed by the daily job) or sealed (the key configured now cannot open it)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class Screening:
    candidates: list[algorithm.Candidate]
    filters: list[dict] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def case_subjects(case) -> dict[str, int]:
    """The case's subject areas (those of its projects), code → id."""
    return case.facts.answer(
        "subjects",
        lambda: dict(
            Subject.objects.filter(projects__cases=case.pk).order_by().values_list("code", "id")
        ),
    )


def case_subject_codes(case) -> list[str]:
    return sorted(case_subjects(case))


def screen(case, pool, subjects, legal_seat) -> Screening:
    """The candidates of ``pool`` for ``case``, and every filter with the experts it removed.

    The experts relevant to the case are those covering one of its subject areas (and the legal
    experts when a legal seat is wanted). One statement reads them with the first filter that
    removes each (``_screening_rows``).
    """
    known = case_subjects(case)
    codes = {known[c]: c for c in subjects if c in known}
    if len(codes) < len(set(subjects)):  # areas the case no longer has: a seat draw repeats the
        # panel draw's mix, and a held project cannot change in the portal (TrainingProject.
        # held_cases), but its rows can be changed outside it; looked up by code
        codes.update(Subject.objects.filter(code__in=subjects).values_list("id", "code").order_by())
    rows = screening_rows(case, pool.pk, subject_ids=sorted(codes), legal_seat=legal_seat)
    removed = removed_by(rows)
    # The areas each remaining expert covers, as bits (one per area), then as a shared frozenset:
    # thousands of candidates cover only a few distinct sets of areas.
    bit = {area: 1 << n for n, area in enumerate(codes)}
    masks: dict[int, int] = {}
    legal = set()
    for eid, _name, is_legal, area, code, _size in rows:
        if code is not None:
            continue
        if eid not in masks:
            masks[eid] = 0
            if is_legal:
                legal.add(eid)
        if area is not None:
            masks[eid] |= bit[area]
    sets = {
        mask: frozenset(code for area, code in codes.items() if mask & bit[area])
        for mask in set(masks.values())
    }
    relevant = len(masks) + len(removed)
    size = rows[0][-1] if rows else Expert.objects.filter(pool_id=pool.pk).count()
    filters = [
        {
            "code": "subjects",
            "label": FILTER_LABELS["subjects"],
            "count": size - relevant,
            "experts": [],
        }
    ]
    for code in ORDER:
        ids = sorted(eid for eid, (why, _name) in removed.items() if why == code)
        filters.append(
            {
                "code": code,
                "label": FILTER_LABELS[code],
                "count": len(ids),
                "experts": [[i, removed[i][1]] for i in ids],
            }
        )
    candidates = [algorithm.Candidate(eid, sets[mask], eid in legal) for eid, mask in masks.items()]
    return Screening(
        candidates=candidates,
        filters=filters,
        names={eid: name for eid, (_why, name) in removed.items()},
    )


def unsuitable_now(case, pool, expert_ids) -> dict[int, str]:
    """Alternates who can no longer be called (suspended, sanctioned, tied, busy), with why."""
    rows = screening_rows(case, pool.pk, expert_ids=list(expert_ids))
    removed = removed_by(rows)
    return {eid: FILTER_LABELS[code] for eid, (code, _name) in removed.items()}


# ---- the witnessed draw ----------------------------------------------------------------------
def pending_commitment(user, case) -> DrawCommitment:
    """The system's committed random value for the next draw of the current round (made once
    and kept until a draw uses it, so the hash shown to the witness does not change)."""
    current = case.current_round
    if current is None or not access.can_manage_panel(user, case):
        raise ServiceError("您无权为该案件抽取专家。")
    pending = current.commitments.filter(used_at__isnull=True, abandoned_at__isnull=True)
    for commitment in pending.order_by("created_at", "id"):
        try:  # one the key configured now cannot open (key replaced) is passed over
            commitment.reveal()
        except sealing.SealBroken:
            continue
        return commitment
    return DrawCommitment.objects.create(round=current, created_by=user)


def check_witness(user, witness, bureau, witness_value: str) -> str:
    witness_value = witness_value or ""
    if witness is None:
        if settings.APPRAISAL_DRAW_REQUIRE_WITNESS:
            raise ServiceError(
                "抽取须有监督人在场：请监督人输入账户、密码、动态口令和自选的随机数。"
            )
        return ""
    if witness.pk == user.pk:
        raise ServiceError("监督人不能由抽取人本人担任。")
    allowed = (
        witness.role == "supervisor" and witness.bureau_id in (bureau.pk, bureau.parent_id)
    ) or (witness.role in ("county", "prefecture") and witness.bureau_id == bureau.pk)
    if not (witness.is_active and allowed):
        raise ServiceError(WITNESS_REFUSED)
    if not witness_value.strip():
        raise ServiceError("请监督人输入自己选定的随机数或字符串。")
    problem = algorithm.witness_value_problem(witness_value)
    if problem:
        raise ServiceError(problem)
    return witness_value


def reply_deadline(invited_at=None, calendar=None):
    """(the end of the reply's last day, its basis), counted from the day of the invitation."""
    day = timezone.localtime(invited_at).date()
    due, basis = count_working_days(day, settings.APPRAISAL_DAYS_TO_REPLY, calendar)
    return timezone.make_aware(datetime.combine(due, time(23, 59, 59))), basis


def invite(round, draw, expert_id, *, position, source, rank, replaces=None) -> Seat:
    """A seat for the expert, with its reply deadline; see ``invite_many``."""
    return invite_many(
        round,
        draw,
        [{"expert_id": expert_id, "position": position, "source": source, "rank": rank}],
        replaces=replaces,
    )[0]


def invite_many(round, draw, specs, *, replaces=None) -> list[Seat]:
    """Seats for the experts, with their reply deadline; each expert is told in the portal and
    by e-mail once the transaction commits."""
    reply_by, basis = reply_deadline()
    seats = Seat.objects.bulk_create(
        [
            Seat(
                round=round,
                draw=draw,
                replaces=replaces,
                reply_by=reply_by,
                reply_by_basis=basis,
                **spec,
            )
            for spec in specs
        ]
    )
    case = round.case
    deadline = timezone.localtime(reply_by).strftime("%Y年%m月%d日 %H:%M")
    users = User.objects.filter(expert_profile__in=[s.expert_id for s in seats])
    notify_from(
        "invitation",
        users,
        {"deadline": deadline, "basis": basis},
        url=reverse("home"),
        case=case,
    )
    return seats


def _parameters(case, panel_size, subjects, legal_seat) -> algorithm.Parameters:
    try:
        panel_size = int(panel_size)
    except (TypeError, ValueError):
        raise ServiceError("请选择专家组人数（3 至 5 人）。") from None
    if panel_size not in PANEL_SIZES:
        raise ServiceError("专家组人数须为 3 至 5 人。")
    allowed = set(case_subject_codes(case))
    subjects = sorted(set(subjects or []))
    if not set(subjects) <= allowed:
        raise ServiceError("学科组成要求只能选择本案培训项目涉及的学科或领域。")
    if not subjects and not legal_seat:
        raise ServiceError("请至少选择一个学科或领域作为组成要求。")
    return algorithm.Parameters(
        panel_size=panel_size, subjects=tuple(subjects), legal_seat=bool(legal_seat)
    )


def make_draw(
    *,
    case,
    round,
    kind,
    user,
    witness,
    witness_value,
    commitment,
    params,
    screening,
    for_seat=None,
):
    """Run the algorithm on the screened candidates and store the record (no seats yet), with
    its entry in the transparency log (the SHA-256 of its published record)."""
    try:
        system_value = commitment.reveal()
    except sealing.SealBroken:
        raise CommitmentRefused("sealed", EXPIRED) from None
    seed = algorithm.derive_seed(system_value, witness_value)
    try:
        result = algorithm.run(screening.candidates, seed, params)
    except algorithm.DrawImpossible as exc:
        raise ServiceError(
            f"无法完成抽取：{exc.message}本次未作任何更改。"
            "可调整专家组人数或学科组成要求（如增加一名法律专业人士），或补充专家库后重新抽取。"
        ) from None
    draw = Draw.objects.create(
        round=round,
        kind=kind,
        pool=round.bureau,
        algorithm_version=algorithm.ALGORITHM_VERSION,
        panel_size=params.panel_size,
        parameters={**params.as_json(), "waived": result.waived},
        commitment=commitment,
        system_value=system_value,
        witness_value=witness_value,
        seed=seed,
        candidates=result.candidates_json,
        candidates_hash=result.candidates_hash,
        order=result.order,
        panel=result.panel,
        filters=screening.filters,
        drawn_by=user,
        witness=witness,
        for_seat=for_seat,
    )
    record = draw_record.build(
        draw,
        case_number=case.number,
        round_number=round.number,
        pool_code=round.bureau.code,
        commitment=commitment,
        witness_role=witness.role if witness is not None else None,
        seat_position=for_seat.position if for_seat is not None else None,
    )
    transparency.append(
        LogEntry.Kind.DRAW,
        transparency.draw_ref(case.number, round.number, kind, draw.pk),
        draw_record.sha256(record),
        draw=draw,
    )
    return draw, result


def use_commitment(round, commitment_id, *, first_panel=False) -> DrawCommitment:
    """The round's unused commitment, marked used by the same statement that finds and locks it
    (undone with the rest if the draw fails). With ``first_panel``, a round whose panel is already
    drawn is refused; the unique constraint on ``Draw`` would refuse it too, less kindly."""
    try:
        pk = int(commitment_id)
    except (ValueError, TypeError):
        raise CommitmentRefused("unknown", EXPIRED) from None
    if not 0 < pk < 2**63:  # no such row, and more than a database integer holds
        raise CommitmentRefused("unknown", EXPIRED)
    table, draw = DrawCommitment._meta.db_table, Draw._meta.db_table
    now = timezone.now()
    found = list(
        DrawCommitment.objects.raw(
            f"UPDATE {table} SET used_at = %s WHERE id = %s AND round_id = %s "
            "AND used_at IS NULL AND abandoned_at IS NULL "
            f"RETURNING *, EXISTS (SELECT 1 FROM {draw} "
            "WHERE round_id = %s AND kind = %s) AS panel_drawn",
            [
                connection.ops.adapt_datetimefield_value(now),
                pk,
                round.pk,
                round.pk,
                Draw.Kind.PANEL,
            ],
        )
    )
    if not found:
        other = DrawCommitment.objects.filter(pk=pk).values("round_id", "used_at").first()
        if other is None:
            raise CommitmentRefused("unknown", EXPIRED)
        if other["round_id"] != round.pk:
            raise CommitmentRefused("foreign", EXPIRED)
        if other["used_at"] is not None:
            raise CommitmentRefused("used", "该随机值已用于一次抽取，请刷新页面查看抽取结果。")
        raise CommitmentRefused("abandoned", EXPIRED)
    commitment = found[0]
    if first_panel and commitment.panel_drawn:
        raise ServiceError("本轮已抽取专家组，抽取不能重复进行。")
    commitment.used_at = now
    return commitment


def audited(service):
    """A draw service whose refusals are put on the audit trail (outside its transaction, which
    the refusal rolled back): see ``draw_attempts``."""

    @functools.wraps(service)
    def attempt(user, case_id, *args, **kwargs):
        try:
            return service(user, case_id, *args, **kwargs)
        except ServiceError as exc:
            draw_attempts.refused(
                user,
                case_id,
                commitment_id=kwargs.get("commitment_id"),
                message=exc.message,
                reason=getattr(exc, "reason", None),
                ip=kwargs.get("ip"),
                seat=args[0] if args else None,
            )
            raise

    return attempt


@audited
def draw_panel(
    user,
    case_id,
    *,
    panel_size,
    subjects,
    legal_seat=False,
    commitment_id,
    witness=None,
    witness_value="",
    ip=None,
) -> Draw:
    """抽取专家: the panel of the current round, once; the rest of the order stand as alternates.

    The county draws from its pool for the first appraisal; after a forwarded re-review the
    prefecture draws from its own pool, and nobody who sat on the case in any round is a candidate
    (the ``on_case`` filter, guide 七(五))."""
    made = {}
    log_data = {"panel_size": panel_size}  # the draw's id is added once it exists

    def before(case):
        current = case.current_round
        if current is None:
            raise ServiceError("本案没有可抽取专家的鉴定轮次。")
        if not case.ready_to_draw():
            raise ServiceError("州教育局须先签收报送的复审申请，才能抽取复审专家组。")
        params = _parameters(case, panel_size, subjects, legal_seat)
        value = check_witness(user, witness, current.bureau, witness_value)
        commitment = use_commitment(current, commitment_id, first_panel=True)
        screening = screen(case, current.bureau, params.subjects, params.legal_seat)
        made["draw"], made["result"] = make_draw(
            case=case,
            round=current,
            kind=Draw.Kind.PANEL,
            user=user,
            witness=witness,
            witness_value=value,
            commitment=commitment,
            params=params,
            screening=screening,
        )
        made["round"] = current
        log_data["draw"] = made["draw"].pk

    def after(case, log):
        draw = made["draw"]
        invite_many(
            made["round"],
            draw,
            [
                {
                    "expert_id": expert_id,
                    "position": position,
                    "source": Seat.Source.DRAWN,
                    "rank": draw.order.index(expert_id) + 1,
                }
                for position, expert_id in enumerate(draw.panel, start=1)
            ],
        )

    run_transition(
        case_id,
        user,
        "draw_panel",
        note="随机抽取专家组{}人{}".format(
            panel_size, "，监督人在场" if witness is not None else ""
        ),
        data=log_data,
        ip=ip,
        before=before,
        after=after,
        audit_data={"witness": witness.display_name if witness is not None else "无"},
    )
    return made["draw"]
