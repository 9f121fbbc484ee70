"""Drawing a round's panel (DOMAIN §3): screen the pool, draw, store the record, invite.

The random part is the pure function in ``appraisal.draw``; this module gathers its inputs from
the database (the candidates after every filter, with the experts each filter removed), stores
them with the result, and creates the seats, all in the transaction of the ``draw_panel``
transition. A draw that cannot fill the panel raises before anything is written.
"""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from experts.models import Expert, ExpertCreditRecord, ExpertTie, tie_excludes
from portal.models import Subject, User
from portal.notify import notify

from .. import access
from .. import draw as algorithm
from ..models import Case, CaseLog, CaseState, Draw, DrawCommitment, Round, Seat
from ..workdays import add_working_days_or_weekdays
from . import ServiceError
from .transitions import lock_case, run_transition

PANEL_SIZES = (3, 4, 5)
# Cases whose panel is still at work: an expert's seats on them count towards the load cap.
ACTIVE_STATES = (CaseState.PANEL_DRAWN, CaseState.IN_REVIEW, CaseState.OPINION_SIGNED)
OPEN_SEAT = (Seat.Status.INVITED, Seat.Status.ACCEPTED)

FILTER_LABELS = {
    "subjects": "学科领域不符（不在候选范围，仅计人数）",
    "status": "暂停或退出专家库",
    "eligibility": "不符合专家条件（职称、兼职声明、法律专业要求）",
    "credit": "有专家信用管理记录，不再聘请",
    "tie": "与申请机构存在关联关系，应当回避",
    "on_case": "已参与本案件（任一轮次）",
    "load": "在办鉴定案件已达上限",
}


@dataclass
class Screening:
    candidates: list[algorithm.Candidate]
    filters: list[dict] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


def case_subject_codes(case) -> list[str]:
    """The case's subject areas: those of its projects."""
    return sorted(set(case.projects.values_list("subjects__code", flat=True)) - {None})


TITLE_LEVELS = sorted(Expert.TitleLevel.values)
ROW_FIELDS = (
    "id",
    "name",
    "status",
    "title_level",
    "declares_no_training_work",
    "category",
    "knows_administrative_law",
)
ORDER = ("status", "eligibility", "credit", "tie", "on_case", "load")


def _row_filters(rows) -> dict[str, set[int]]:
    """The status and eligibility filters, on value rows (ROW_FIELDS)."""
    removed = {"status": set(), "eligibility": set()}
    for eid, _name, status, level, declares, category, knows_law in rows:
        if status != Expert.Status.ACTIVE:
            removed["status"].add(eid)
        elif (
            level not in TITLE_LEVELS
            or not declares
            or (category == Expert.Category.LEGAL and not knows_law)
        ):
            removed["eligibility"].add(eid)
    return removed


def _case_filters(ids: set[int], case, pool_id, today) -> dict[str, set[int]]:
    """Credit records, ties with the institution, seats on this case, the load cap."""
    removed = {}
    removed["credit"] = ids & set(
        ExpertCreditRecord.objects.filter(expert__pool_id=pool_id)
        .order_by()
        .values_list("expert_id", flat=True)
    )
    removed["tie"] = _tied(ids, case, today)
    removed["on_case"] = ids & set(
        Seat.objects.filter(round__case_id=case.pk).order_by().values_list("expert_id", flat=True)
    )
    busy = (
        Seat.objects.filter(
            expert__pool_id=pool_id,
            status__in=OPEN_SEAT,
            round__case__state__in=ACTIVE_STATES,
        )
        .values("expert_id")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.APPRAISAL_EXPERT_LOAD_CAP)
        .values_list("expert_id", flat=True)
    )
    removed["load"] = ids & set(busy)
    return removed


def _first_filter_only(removed: dict[str, set[int]]) -> dict[str, set[int]]:
    """Each expert is listed under the first filter (in ORDER) that removes them."""
    seen = set()
    result = {}
    for code in ORDER:
        result[code] = removed.get(code, set()) - seen
        seen |= result[code]
    return result


def _tied(ids, case, today) -> set[int]:
    return {
        expert_id
        for expert_id, kind, ended_on in ExpertTie.objects.filter(
            institution_id=case.institution_id
        )
        .order_by()
        .values_list("expert_id", "kind", "ended_on")
        if expert_id in ids and tie_excludes(kind, ended_on, today)
    }


def _screening_rows(case, pool_id, subject_ids, legal_seat) -> list[tuple]:
    """The pool's experts relevant to the case, one row per case area each covers (legal experts
    with a legal seat: one row with no area), with what every filter needs: ROW_FIELDS, the area,
    then three flags (a credit record; a seat on this case in any round; at the load cap) and the
    pool's size.

    One statement, written out: the ORM took longer to build it (a union with six subqueries)
    than the database takes to run it, on the path a clerk waits for. Each flag is an
    ``id IN (…)`` the database answers from one hashed list; the tables and columns are those of
    the models, and the tests of every filter run it on SQLite and PostgreSQL.
    """
    expert, through = Expert._meta.db_table, Expert.subjects.through._meta.db_table
    seat, round_, case_table = Seat._meta.db_table, Round._meta.db_table, Case._meta.db_table
    credit = ExpertCreditRecord._meta.db_table
    columns = ", ".join(f"e.{c}" for c in ROW_FIELDS)
    parts, params = [], []
    if subject_ids:
        marks = ", ".join(["%s"] * len(subject_ids))
        parts.append(
            f"SELECT {columns}, es.subject_id AS area FROM {through} es "
            f"JOIN {expert} e ON e.id = es.expert_id "
            f"WHERE e.pool_id = %s AND es.subject_id IN ({marks})"
        )
        params += [pool_id, *subject_ids]
    if legal_seat:
        parts.append(
            f"SELECT {columns}, NULL AS area FROM {expert} e "
            "WHERE e.pool_id = %s AND e.category = %s"
        )
        params += [pool_id, Expert.Category.LEGAL]
    if not parts:
        return []
    open_seats = ", ".join(["%s"] * len(OPEN_SEAT))
    active = ", ".join(["%s"] * len(ACTIVE_STATES))
    sql = (
        f"WITH relevant AS ({' UNION ALL '.join(parts)}), "
        f"busy AS (SELECT s.expert_id FROM {seat} s "
        f"JOIN {round_} r ON r.id = s.round_id JOIN {case_table} c ON c.id = r.case_id "
        f"JOIN {expert} be ON be.id = s.expert_id "
        f"WHERE be.pool_id = %s AND s.status IN ({open_seats}) AND c.state IN ({active}) "
        "GROUP BY s.expert_id HAVING COUNT(*) >= %s) "
        f"SELECT x.*, x.id IN (SELECT expert_id FROM {credit}), "
        f"x.id IN (SELECT s.expert_id FROM {seat} s JOIN {round_} r ON r.id = s.round_id "
        "WHERE r.case_id = %s), "
        "x.id IN (SELECT expert_id FROM busy), "
        f"(SELECT COUNT(*) FROM {expert} WHERE pool_id = %s) "
        "FROM relevant x"
    )
    params = [
        *params,
        pool_id,
        *OPEN_SEAT,
        *ACTIVE_STATES,
        settings.APPRAISAL_EXPERT_LOAD_CAP,
        case.pk,
        pool_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def screen(case, pool, subjects, legal_seat) -> Screening:
    """The candidates of ``pool`` for ``case``, and every filter with the experts it removed.

    The experts relevant to the case are those covering one of its subject areas (and the legal
    experts when a legal seat is wanted). One statement reads them with the facts every filter
    needs (``_screening_rows``); the ties with the institution are one small query more.
    """
    subjects = sorted(subjects)
    today = timezone.localdate()
    codes = dict(Subject.objects.filter(code__in=subjects).values_list("id", "code"))
    rows = _screening_rows(case, pool.pk, list(codes), legal_seat)
    covered: dict[int, set[str]] = {}
    facts = {}
    for row in rows:
        eid, subject_id = row[0], row[len(ROW_FIELDS)]
        areas = covered.setdefault(eid, set())
        if subject_id is not None:
            areas.add(codes[subject_id])
        facts[eid] = row
    size = rows[0][-1] if rows else Expert.objects.filter(pool_id=pool.pk).count()
    removed = _row_filters(row[: len(ROW_FIELDS)] for row in facts.values())
    flags = len(ROW_FIELDS) + 1
    for offset, code in enumerate(("credit", "on_case", "load")):
        removed[code] = {eid for eid, row in facts.items() if row[flags + offset]}
    removed["tie"] = _tied(facts, case, today)
    removed = _first_filter_only(removed)
    out = set().union(*removed.values())
    name = ROW_FIELDS.index("name")
    names = {eid: facts[eid][name] for eid in out}
    filters = [
        {
            "code": "subjects",
            "label": FILTER_LABELS["subjects"],
            "count": size - len(covered),
            "experts": [],
        }
    ]
    for code in ORDER:
        ids = removed[code]
        filters.append(
            {
                "code": code,
                "label": FILTER_LABELS[code],
                "count": len(ids),
                "experts": [[i, names[i]] for i in sorted(ids)],
            }
        )
    legal, category = Expert.Category.LEGAL, ROW_FIELDS.index("category")
    candidates = [
        algorithm.Candidate(id=eid, subjects=frozenset(areas), legal=facts[eid][category] == legal)
        for eid, areas in covered.items()
        if eid not in out
    ]
    return Screening(candidates=candidates, filters=filters, names=names)


def unsuitable_now(case, pool, expert_ids) -> dict[int, str]:
    """Alternates who can no longer be called (suspended, sanctioned, tied, busy), with why."""
    rows = list(Expert.objects.filter(pk__in=list(expert_ids)).values_list(*ROW_FIELDS))
    removed = _row_filters(rows)
    removed.update(_case_filters({r[0] for r in rows}, case, pool.pk, timezone.localdate()))
    removed = _first_filter_only(removed)
    return {eid: FILTER_LABELS[code] for code, ids in removed.items() for eid in ids}


# ---- the witnessed draw ----------------------------------------------------------------------
def pending_commitment(user, case) -> DrawCommitment:
    """The system's committed random value for the next draw of the current round (made once
    and kept until a draw uses it, so the hash shown to the witness does not change)."""
    current = case.current_round
    if current is None or not access.can_manage_panel(user, case):
        raise ServiceError("您无权为该案件抽取专家。")
    commitment = current.commitments.filter(used_at__isnull=True).order_by("created_at").first()
    if commitment is None:
        commitment = DrawCommitment.objects.create(round=current, created_by=user)
    return commitment


def check_witness(user, witness, bureau, witness_value: str) -> str:
    witness_value = (witness_value or "").strip()
    if witness is None:
        if settings.APPRAISAL_DRAW_REQUIRE_WITNESS:
            raise ServiceError("抽取须有监督人在场：请监督人输入账户、密码和随机数。")
        return ""
    if witness.pk == user.pk:
        raise ServiceError("监督人不能由抽取人本人担任。")
    allowed = (
        witness.role == "supervisor" and witness.bureau_id in (bureau.pk, bureau.parent_id)
    ) or (witness.role in ("county", "prefecture") and witness.bureau_id == bureau.pk)
    if not (witness.is_active and allowed):
        raise ServiceError("监督人须为本单位的其他工作人员或本辖区的监督人账户。")
    if not witness_value:
        raise ServiceError("请监督人输入自己选定的随机数或字符串。")
    if len(witness_value) > 100:
        raise ServiceError("监督人输入值不能超过 100 个字符。")
    return witness_value


def _reply_deadline(now=None):
    now = timezone.localtime(now)
    day, exact = add_working_days_or_weekdays(now.date(), settings.APPRAISAL_DAYS_TO_REPLY)
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59))), exact


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
    reply_by, exact = _reply_deadline()
    seats = Seat.objects.bulk_create(
        [
            Seat(
                round=round,
                draw=draw,
                replaces=replaces,
                reply_by=reply_by,
                reply_by_exact=exact,
                **spec,
            )
            for spec in specs
        ]
    )
    case = round.case
    deadline = timezone.localtime(reply_by).strftime("%Y年%m月%d日 %H:%M")
    users = User.objects.filter(expert_profile__in=[s.expert_id for s in seats])
    notify(
        users,
        f"鉴定邀请：{case.number}，请于 {deadline} 前答复",
        f"您被随机抽取为“{case.institution.name}”校外培训服务类别鉴定（案件 {case.number}）的"
        f"鉴定专家。请于 {deadline} 前登录平台答复：接受须签署独立性及无利害关系声明；如与该机构"
        "存在利害关系，请谢绝并说明。专家组名单在鉴定结论出具前须严格保密。",
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


def _make_draw(
    *, round, kind, user, witness, witness_value, commitment, params, screening, for_seat=None
):
    """Run the algorithm on the screened candidates and store the record (no seats yet)."""
    seed = algorithm.derive_seed(commitment.system_value, witness_value)
    try:
        result = algorithm.run(screening.candidates, seed, params)
    except algorithm.DrawImpossible as exc:
        raise ServiceError(f"无法完成抽取：{exc.message}本次未作任何更改。") from None
    commitment.used_at = timezone.now()
    commitment.save(update_fields=["used_at"])
    draw = Draw.objects.create(
        round=round,
        kind=kind,
        pool=round.bureau,
        algorithm_version=algorithm.ALGORITHM_VERSION,
        panel_size=params.panel_size,
        parameters={**params.as_json(), "waived": result.waived},
        commitment=commitment,
        system_value=commitment.system_value,
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
    return draw, result


def _lock_commitment(round, commitment_id) -> DrawCommitment:
    try:
        commitment = DrawCommitment.objects.select_for_update().get(pk=commitment_id, round=round)
    except (DrawCommitment.DoesNotExist, ValueError, TypeError):
        raise ServiceError("抽取页面已过期，请刷新后重新操作。") from None
    if commitment.used_at is not None:
        raise ServiceError("该随机值已用于一次抽取，请刷新页面查看抽取结果。")
    return commitment


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
        if current.draws.filter(kind=Draw.Kind.PANEL).exists():
            raise ServiceError("本轮已抽取专家组，抽取不能重复进行。")
        params = _parameters(case, panel_size, subjects, legal_seat)
        value = check_witness(user, witness, current.bureau, witness_value)
        commitment = _lock_commitment(current, commitment_id)
        screening = screen(case, current.bureau, params.subjects, params.legal_seat)
        made["draw"], made["result"] = _make_draw(
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
    )
    return made["draw"]


def draw_for_seat(
    user, case_id, seat_id, *, commitment_id, witness=None, witness_value="", ip=None
) -> Draw:
    """补抽: a new draw for one vacant seat, allowed only once its alternates are exhausted."""
    from .invitations import next_alternate_for, staying_candidates

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
        value = check_witness(user, witness, current.bureau, witness_value)
        commitment = _lock_commitment(current, commitment_id)
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
        screening = screen(case, current.bureau, base.subjects, base.legal_seat)
        draw, result = _make_draw(
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
        CaseLog.objects.create(
            case=case,
            transition="draw_seat",
            source=case.state,
            target=case.state,
            actor=user,
            note=f"席位{seat.position}候补已用尽，补抽 1 人",
            data={"draw": draw.pk, "seat": new.pk, "expert": new.expert.name},
            ip=ip,
        )
    return draw
