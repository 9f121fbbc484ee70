"""What a page or a check asks about one case, each question asked of the database once.

A case carries one ``CaseFacts`` (``Case.facts``), made on first use. Its answers hold until
anything they may depend on is written (a case's rows, an account, a seal's custody; not the audit
trail or a session): every save or delete of such a model starts a new
generation (``_changed`` below), and an answer of an older generation is asked again. A page (a
GET, which writes nothing) therefore asks each question once however many templates, policy
checks and deadlines ask it; a service that writes and asks again gets a fresh answer.

Lists answer some questions for many cases in one query and hand them to each case's facts
(``know``): ``Case.attach_last_returns``, ``Case.flag_rereview_requests`` and the deadlines'
preloading (docs/architecture.md, "一次请求的案件事实").
"""

from itertools import count

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ..workflow.workdays import count_working_days
from .calendar import working_calendar
from .rereview import RereviewRequest

_generation = count(1)
GENERATION = [next(_generation)]


# Writes that no answer here depends on: the audit trail, sessions, login throttling.
UNRELATED_APPS = frozenset({"audit", "sessions", "axes", "admin", "otp_totp", "otp_static"})


def _changed(sender, **kwargs):
    if sender._meta.app_label not in UNRELATED_APPS:
        GENERATION[0] = next(_generation)


def changed():
    """Say that the appraisal's data changed where no model signal tells (``bulk_create``)."""
    GENERATION[0] = next(_generation)


post_save.connect(_changed, dispatch_uid="appraisal-facts-save")
post_delete.connect(_changed, dispatch_uid="appraisal-facts-delete")

UNKNOWN = object()


class CaseFacts:
    def __init__(self, case):
        self.case = case
        self._answers = {}
        self._generation = GENERATION[0]

    def _fresh(self) -> dict:
        if self._generation != GENERATION[0]:
            self._answers = {}
            self._generation = GENERATION[0]
        return self._answers

    def know(self, **answers) -> None:
        """Answers a list loaded for many cases at once."""
        self._fresh().update(answers)

    def answer(self, key, compute):
        answers = self._fresh()
        value = answers.get(key, UNKNOWN)
        if value is UNKNOWN:
            value = answers[key] = compute()
        return value

    # ---- the questions --------------------------------------------------------------------
    @property
    def current_round(self):
        """The round under way: the county's, or the prefecture's after a forwarded re-review."""
        return self.answer(
            "current_round",
            lambda: self.case.rounds.select_related("bureau").order_by("-number").first(),
        )

    @property
    def calendar(self):
        """The working-day calendar (the admin's years read once)."""
        return self.answer("calendar", working_calendar)

    @property
    def material_kinds(self) -> set[str]:
        return self.answer(
            "material_kinds", lambda: set(self.case.materials.values_list("kind", flat=True))
        )

    @property
    def last_return(self):
        """The latest 补正 request, while the case is back with the applicant."""
        if self.case.state != "draft":
            return None
        return self.answer(
            "last_return",
            lambda: (
                self.case.log.filter(transition="return_for_completion")
                .order_by("-at", "-id")
                .first()
            ),
        )

    @property
    def rereview_request(self):
        """The case's re-review request, or None."""

        def ask():
            try:
                return self.case.rereview_request
            except RereviewRequest.DoesNotExist:
                return None

        return self.answer("rereview_request", ask)

    @property
    def has_rereview_request(self) -> bool:
        return self.answer("has_rereview_request", lambda: self.rereview_request is not None)

    @property
    def rereview_received(self) -> bool:
        """The prefecture recorded its receipt of the forwarded request."""
        return self.answer(
            "rereview_received",
            lambda: self.rereview_request is not None and self.rereview_request.is_received,
        )

    @property
    def decided_at(self):
        """When the first round's decision took effect: the moment of the county's seal (八(三))."""
        return self.answer(
            "decided_at",
            lambda: (
                self.case.rounds.filter(number=1, decision__isnull=False)
                .values_list("decision__stamped_at", flat=True)
                .first()
            ),
        )

    @property
    def second_round_opened(self):
        return self.answer(
            "second_round_opened",
            lambda: self.case.rounds.filter(number=2).values_list("opened_at", flat=True).first(),
        )

    @property
    def earliest_reply(self):
        """(reply_by, its basis) of the invitation whose answer is due first, or None."""
        return self.answer(
            "earliest_reply",
            lambda: (
                self.case.rounds.filter(seats__status="invited")
                .order_by("seats__reply_by")
                .values_list("seats__reply_by", "seats__reply_by_basis")
                .first()
            ),
        )

    def accepted_rounds(self, user) -> frozenset:
        """The ids of the case's rounds on whose panel ``user`` (an expert) accepted a seat."""
        if not (user.is_authenticated and user.is_active and user.role == "expert"):
            return frozenset()
        return self.answer(
            ("accepted_rounds", user.pk),
            lambda: frozenset(
                self.case.rounds.filter(
                    seats__expert__user_id=user.pk, seats__status="accepted"
                ).values_list("pk", flat=True)
            ),
        )

    @property
    def panel_complete(self) -> bool:
        """Every seat of the current round's panel has been accepted (the review begins)."""

        def ask():
            current = self.current_round
            if current is None:
                return False
            size = current.draws.filter(kind="panel").values_list("panel_size", flat=True).first()
            if size is None:
                return False
            statuses = list(
                current.seats.filter(status__in=["invited", "accepted"]).values_list(
                    "status", flat=True
                )
            )
            return len(statuses) == size and all(s == "accepted" for s in statuses)

        return self.answer("panel_complete", ask)

    @property
    def opinion_fully_signed(self) -> bool:
        """Every accepted seat of the current round signed the current revision of its opinion."""

        def ask():
            current = self.current_round
            opinion = getattr(current, "opinion", None) if current is not None else None
            if opinion is None or not opinion.is_drafted:
                return False
            seats = set(current.seats.filter(status="accepted").values_list("pk", flat=True))
            signed = set(opinion.valid_signatures().values_list("seat_id", flat=True))
            return bool(seats) and seats <= signed

        return self.answer("opinion_fully_signed", ask)

    def rereview_window_after(self, decided_at):
        """(last day to request a re-review, its basis) for a decision sealed at ``decided_at``."""
        return count_working_days(
            timezone.localtime(decided_at).date(),
            settings.APPRAISAL_DAYS_TO_REQUEST_REREVIEW,
            self.calendar,
        )

    @property
    def rereview_window_ends(self):
        """(last day to request a re-review, its basis), or (None, None) before a decision."""
        if self.decided_at is None:
            return None, None
        return self.answer(
            "rereview_window_ends", lambda: self.rereview_window_after(self.decided_at)
        )
