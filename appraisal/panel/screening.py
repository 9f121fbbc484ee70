"""Who of a pool may sit on a case's panel: the draw's screening, written twice on purpose.

``screening_rows`` asks the database, in one statement, for the first filter that removes each
expert relevant to the case (the draw runs it; the ORM would take longer to build it than the
database takes to run it). ``exclusion`` answers the same question for one expert in Python, from
the models' own rules (``Expert.eligibility_problems``, ``tie_excludes``, …). They stand side by
side so that a change to one is seen to need the other, and tests/appraisal/test_screening.py
proves that they agree on every filter (docs/domain.md §专家的条件与回避).
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from appraisal.models import Case, Round, Seat
from appraisal.workflow.states import REVIEW
from experts.models import Expert, ExpertCreditRecord, ExpertTie, excluding_ties_sql, tie_excludes

# An expert's load counts the seats open on cases whose review is under way (``states.REVIEW``).
OPEN_SEAT = Seat.OPEN
ACTIVE_STATES = tuple(sorted(REVIEW))

ORDER = ("status", "eligibility", "credit", "tie", "on_case", "load")


def screening_rows(case, pool_id, *, subject_ids=(), legal_seat=False, expert_ids=None):
    """The pool's experts relevant to the case, one row per case area each covers (legal experts
    with a legal seat: one row with no area); with ``expert_ids``, those experts, one row each.
    A row is (id, name, legal?, area, the first filter in ORDER that removes the expert or None,
    the pool's size).

    One statement, written out: the ORM took longer to build it (a union with six subqueries)
    than the database takes to run it, on the path a clerk waits for. Every rule of the guide is a
    branch of one CASE, in the order of ORDER; the tables and columns are those of the models
    (the ties' recusal windows are ``excluding_ties_sql``, beside ``tie_excludes``), and the tests
    of every filter run it on SQLite and PostgreSQL.
    """
    expert, through = Expert._meta.db_table, Expert.subjects.through._meta.db_table
    seat, round_, case_table = Seat._meta.db_table, Round._meta.db_table, Case._meta.db_table
    credit, tie = ExpertCreditRecord._meta.db_table, ExpertTie._meta.db_table
    columns = "e.id, e.name, e.status, e.title_level, e.declares_no_training_work, e.category, "
    columns += "e.knows_administrative_law"
    parts, params = [], []
    if expert_ids is not None:
        marks = ", ".join(["%s"] * len(expert_ids)) or "NULL"
        parts.append(f"SELECT {columns}, NULL AS area FROM {expert} e WHERE e.id IN ({marks})")
        params += list(expert_ids)
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
    tied, tie_params = excluding_ties_sql(case.institution_id, timezone.localdate(), connection)
    levels = ", ".join(["%s"] * len(Expert.TitleLevel.values))
    open_seats = ", ".join(["%s"] * len(OPEN_SEAT))
    active = ", ".join(["%s"] * len(ACTIVE_STATES))
    sql = (
        f"WITH relevant AS ({' UNION ALL '.join(parts)}), "
        f"busy AS (SELECT s.expert_id FROM {seat} s "
        f"JOIN {round_} r ON r.id = s.round_id JOIN {case_table} c ON c.id = r.case_id "
        f"JOIN {expert} be ON be.id = s.expert_id "
        f"WHERE be.pool_id = %s AND s.status IN ({open_seats}) AND c.state IN ({active}) "
        "GROUP BY s.expert_id HAVING COUNT(*) >= %s) "
        "SELECT x.id, x.name, x.category = %s, x.area, CASE "
        # status: suspended or retired
        "WHEN x.status <> %s THEN %s "
        # eligibility (guide 五; Expert.eligibility_problems): an employment tie with any
        # training institution, at any time, contradicts 五（五）
        f"WHEN COALESCE(x.title_level, '') NOT IN ({levels}) "
        "OR NOT x.declares_no_training_work "
        "OR (x.category = %s AND NOT x.knows_administrative_law) "
        f"OR x.id IN (SELECT expert_id FROM {tie} WHERE kind = %s) THEN %s "
        # credit: any record ends the engagement (guide 九(三))
        f"WHEN x.id IN (SELECT expert_id FROM {credit}) THEN %s "
        # tie: a declared tie with the institution inside its recusal window (guide 六(二);
        # docs/domain.md §回避与独立性)
        f"WHEN x.id IN ({tied}) THEN %s "
        # on_case: sat on this case in any round (guide 七(五))
        f"WHEN x.id IN (SELECT s.expert_id FROM {seat} s JOIN {round_} r ON r.id = s.round_id "
        "WHERE r.case_id = %s) THEN %s "
        # load: open seats on cases still at work, at the cap
        "WHEN x.id IN (SELECT expert_id FROM busy) THEN %s END, "
        f"(SELECT COUNT(*) FROM {expert} WHERE pool_id = %s) "
        "FROM relevant x"
    )
    params = [
        *params,
        pool_id,
        *OPEN_SEAT,
        *ACTIVE_STATES,
        settings.APPRAISAL_EXPERT_LOAD_CAP,
        Expert.Category.LEGAL,
        Expert.Status.ACTIVE,
        "status",
        *Expert.TitleLevel.values,
        Expert.Category.LEGAL,
        ExpertTie.Kind.EMPLOYMENT,
        "eligibility",
        "credit",
        *tie_params,
        "tie",
        case.pk,
        "on_case",
        "load",
        pool_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def removed_by(rows) -> dict[int, tuple[str, str]]:
    """Expert id → (the first filter that removes them, name), for the rows' removed experts."""
    return {eid: (code, name) for eid, name, _legal, _area, code, _size in rows if code is not None}


def exclusion(expert, case, day=None) -> str | None:
    """The first filter of ``ORDER`` that removes ``expert`` from ``case``'s draw on ``day``, or
    None: the rule of ``screening_rows``, one expert at a time, in Python."""
    day = day or timezone.localdate()
    if expert.status != Expert.Status.ACTIVE:
        return "status"  # suspended or retired
    if expert.eligibility_problems():
        return "eligibility"  # guide 五
    if ExpertCreditRecord.objects.filter(expert=expert).exists():
        return "credit"  # guide 九(三)
    ties = ExpertTie.objects.filter(expert=expert, institution_id=case.institution_id)
    if any(
        tie_excludes(kind, ended_on, day) for kind, ended_on in ties.values_list("kind", "ended_on")
    ):
        return "tie"  # recusal (回避)
    if Seat.objects.filter(expert=expert, round__case=case).exists():
        return "on_case"  # guide 七(五): never twice on one case
    busy = Seat.objects.filter(
        expert=expert, status__in=OPEN_SEAT, round__case__state__in=ACTIVE_STATES
    ).count()
    if busy >= settings.APPRAISAL_EXPERT_LOAD_CAP:
        return "load"
    return None
