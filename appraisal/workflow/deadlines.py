"""Each case's next time limit and who owes it (docs/domain.md §办理期限; the guide sets none),
counted in Chinese working days.

The limits are settings (``APPRAISAL_DAYS_*``); a deadline is the end of the day ``n`` working
days after the day its clock started. Each deadline carries the ``basis`` it was counted on
(``workdays.Basis``: the official schedule, the admin's entry, or the law's holidays only while a
year's notice is not out), which the pages show next to the date; ``exact`` is True on the first
two.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from appraisal.models import Case, CaseState, Decision, RereviewRequest, Round, Seat
from appraisal.models.calendar import working_calendar
from appraisal.workflow.states import OWED_BY as OWED
from appraisal.workflow.states import REVIEW
from appraisal.workflow.workdays import Basis

COUNTY, PREFECTURE, INSTITUTION, EXPERTS = "county", "prefecture", "institution", "experts"
OWNER_LABELS = {
    COUNTY: "县（市）教育局",
    PREFECTURE: "州教育局",
    INSTITUTION: "申请机构",
    EXPERTS: "鉴定专家",
}


@dataclass(frozen=True)
class Deadline:
    code: str  # what is due: accept, reply, opinion, request, rereview_handling, prefecture
    label: str
    owner: str  # one of OWNER_LABELS
    due: date
    basis: Basis
    today: date

    @property
    def exact(self) -> bool:
        """Counted on the State Council's notice: the date will not change."""
        return Basis(self.basis).published

    @property
    def basis_label(self) -> str:
        return Basis(self.basis).label

    @property
    def owner_label(self) -> str:
        return OWNER_LABELS[self.owner]

    @property
    def overdue(self) -> bool:
        """Past the day: the office owing it is flagged (a lapsing re-review window is not a
        fault: the case simply closes)."""
        return self.today > self.due and self.code != "request"

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days


def _due(calendar, start, n):
    day = timezone.localtime(start).date() if hasattr(start, "tzinfo") else start
    return calendar.count(day, n)


def _request(case):
    return case.facts.rereview_request


def _in_second_round(case) -> bool:
    return case.facts.second_round_opened is not None


def _forwarded_at(case):
    request = _request(case)
    if request is not None and request.handled_at:
        return request.handled_at
    return case.facts.second_round_opened


def next_deadline(case, *, today=None, calendar=None) -> Deadline | None:
    """The time limit running on the case now, or None (drafts, closed cases, …)."""
    calendar = calendar or case.facts.calendar
    today = today or timezone.localdate()
    state = case.state

    def make(code, label, owner, start, n):
        if start is None:
            return None
        due, basis = _due(calendar, start, n)
        return Deadline(code, label, owner, due, basis, today)

    if state == CaseState.SUBMITTED:
        return make(
            "accept",
            "受理、退回补正或不予受理",
            COUNTY,
            case.submitted_at,
            settings.APPRAISAL_DAYS_TO_ACCEPT,
        )
    if state == CaseState.DECIDED:
        if _request(case) is not None:  # refused by the county: the result is final
            return None
        return make(
            "request",
            "申请复审（逾期视为接受鉴定结论）",
            INSTITUTION,
            case.decided_at,
            settings.APPRAISAL_DAYS_TO_REQUEST_REREVIEW,
        )
    if state == CaseState.REREVIEW_REQUESTED:
        request = _request(case)
        return make(
            "rereview_handling",
            "审核复审申请（批准报送或不予批准）",
            COUNTY,
            request.requested_at if request else None,
            settings.APPRAISAL_DAYS_TO_ACCEPT,
        )
    if (state == CaseState.REREVIEW_FORWARDED or state in REVIEW) and _in_second_round(case):
        deadline = make(
            "prefecture",
            "作出复审鉴定结论",
            PREFECTURE,
            _forwarded_at(case),
            settings.APPRAISAL_DAYS_FOR_PREFECTURE,
        )
        return _earlier_reply(case, deadline, today) if state == CaseState.PANEL_DRAWN else deadline
    if state == CaseState.ACCEPTED or state in REVIEW:
        deadline = make(
            "opinion",
            "形成鉴定意见并确定类别",
            COUNTY,
            case.accepted_at,
            settings.APPRAISAL_DAYS_TO_OPINION,
        )
        return _earlier_reply(case, deadline, today) if state == CaseState.PANEL_DRAWN else deadline
    return None


def _earlier_reply(case, deadline, today):
    """While the panel is being formed, the experts' reply deadline comes first."""
    reply = case.facts.earliest_reply
    if reply is None:
        return deadline
    reply_by, basis = reply
    due = timezone.localtime(reply_by).date()
    if deadline is not None and deadline.due < due:
        return deadline
    return Deadline("reply", "答复鉴定邀请", EXPERTS, due, Basis(basis), today)


# Up to this many cases, the facts are selected by a list of ids (the planner then reads the
# indexes); beyond it, by a subquery, whose plan costs less than preparing the parameters.
IDS_IN_LIST = 1000


def _preload(cases, source=None):
    """Load, in a fixed number of queries, every fact ``next_deadline`` asks of these cases.

    ``source``, the queryset the cases came from, lets each query select them by a subquery
    rather than by a list of thousands of ids (whose parameters alone cost Django tens of
    milliseconds to prepare on a prefecture's open cases)."""
    if not cases:
        return
    ids = [c.pk for c in cases]
    if source is not None and len(ids) > IDS_IN_LIST:
        ids = source.order_by().values("pk")
    decided = dict(
        Decision.objects.filter(round__case_id__in=ids, round__number=Round.COUNTY).values_list(
            "round__case_id", "stamped_at"
        )
    )
    second = dict(
        Round.objects.filter(case_id__in=ids, number=Round.PREFECTURE).values_list(
            "case_id", "opened_at"
        )
    )
    if all(Case.rereview_request.is_cached(c) for c in cases):  # select_related already
        requests = {c.pk: getattr(c, "rereview_request", None) for c in cases}
    else:
        requests = {r.case_id: r for r in RereviewRequest.objects.filter(case_id__in=ids)}
    replies = {}
    invited = (
        Seat.objects.filter(round__case_id__in=ids, status=Seat.Status.INVITED)
        .order_by("reply_by")
        .values_list("round__case_id", "reply_by", "reply_by_basis")
    )
    for case_id, reply_by, basis in invited:
        replies.setdefault(case_id, (reply_by, basis))
    for case in cases:
        request = requests.get(case.pk)
        case.facts.know(
            decided_at=decided.get(case.pk),
            second_round_opened=second.get(case.pk),
            rereview_request=request,
            has_rereview_request=request is not None,
            earliest_reply=replies.get(case.pk),
        )


def with_deadlines(cases, today=None, calendar=None):
    """Set ``case.deadline`` on each case (one calendar for all, the facts loaded at once)."""
    source = cases if isinstance(cases, QuerySet) and not cases.query.is_sliced else None
    cases = list(cases)
    _preload(cases, source)
    calendar = calendar or working_calendar()
    for case in cases:
        case.deadline = next_deadline(case, today=today, calendar=calendar)
    return cases


# The cases that can owe a time limit to each office, as ``next_deadline`` above assigns them:
# a county owes everything from submission to its panel's opinion, and the handling of a
# re-review request; the prefecture owes a forwarded request and its own round (round 2). This
# only narrows the cases a page asks ``next_deadline`` about (a prefecture of a national data set:
# a few dozen instead of thousands); ``next_deadline`` still decides who owes what.
OWED_BY = {
    COUNTY: Q(state__in=OWED[COUNTY]),
    PREFECTURE: Q(state__in=OWED[PREFECTURE])
    | Q(
        Exists(Round.objects.filter(case_id=OuterRef("pk"), number=Round.PREFECTURE)),
        state__in=REVIEW,
    ),
}


def owed_with_deadlines(cases, owner, calendar=None):
    """The cases of ``cases`` (a queryset) that may owe ``owner`` a time limit, oldest first, each
    with its next time limit: loaded once for every list of a page that needs them."""
    return with_deadlines(
        cases.filter(OWED_BY[owner])
        .select_related("institution", "bureau", "rereview_request")
        .order_by("created_at", "id"),
        calendar=calendar,
    )


def overdue(cases, owner):
    """Of cases carrying their ``deadline``, those whose limit has passed and is owed by ``owner``."""
    return [c for c in cases if c.deadline and c.deadline.overdue and c.deadline.owner == owner]
