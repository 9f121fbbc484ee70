"""The appraisal case, its rounds, and the log of its transitions (docs/domain.md §案件的状态).

The case's state changes only through the django-fsm transitions below, which take their source,
target, permission and conditions from the workflow policy (``workflow.policy.fsm``)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from ..workflow import policy
from ..workflow.states import RETURNED_LABEL, STEP_LABELS, WAITING, CaseState
from .facts import CaseFacts
from .material import MaterialKind
from .rereview import RereviewRequest


class Case(FSMModelMixin, models.Model):
    """鉴定案件: one application by one institution for one or more training projects."""

    number = models.CharField("案件编号", max_length=40, unique=True)
    bureau = models.ForeignKey(
        "portal.Bureau", verbose_name="受理教育局", on_delete=models.PROTECT, related_name="cases"
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name="申请机构",
        on_delete=models.PROTECT,
        related_name="cases",
    )
    projects = models.ManyToManyField(
        "institutions.TrainingProject", verbose_name="申请鉴定的培训项目", related_name="cases"
    )
    statement = models.TextField(
        "申请事由", help_text="说明争议或界限模糊之处，以及机构的自我研判（自评自查）情况"
    )
    state = FSMField("状态", default=CaseState.DRAFT, choices=CaseState.choices, protected=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "鉴定案件"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "year", "sequence"], name="case_number_per_bureau_year"
            ),
        ]
        indexes = [
            models.Index(fields=["bureau", "state", "-created_at"]),
            models.Index(fields=["institution", "-created_at"]),
            models.Index(fields=["state", "-created_at"]),
            # The case lists' order, within a county and across a prefecture.
            models.Index(fields=["bureau", "-created_at", "-id"], name="case_list_by_bureau"),
            models.Index(fields=["-created_at", "-id"], name="case_list_order"),
        ]

    def __str__(self):
        return self.number

    # ---- read helpers -------------------------------------------------------------------
    @property
    def state_label(self) -> str:
        if self.state == CaseState.DRAFT and self.was_returned:
            return RETURNED_LABEL  # a draft the county sent back, not one never filed
        return CaseState(self.state).label

    @property
    def waiting_for(self) -> str:
        if self.state == CaseState.DRAFT and self.was_returned:
            return "待机构补正材料后重新提交"
        if self.state == CaseState.DECIDED and self.has_rereview_request():
            return "复审申请不予批准，鉴定结论为最终结论，期限届满后办结"
        if self.state == CaseState.REREVIEW_FORWARDED and self._rereview_received():
            return "州教育局已签收，待抽取复审专家"
        return WAITING[CaseState(self.state)]

    def _rereview_received(self) -> bool:
        return self.facts.rereview_received

    @property
    def was_returned(self) -> bool:
        return self.state == CaseState.DRAFT and self.last_return is not None

    @property
    def last_return(self):
        """The latest 补正 request, while the case is back with the applicant."""
        return self.facts.last_return

    @staticmethod
    def sent_back(queryset):
        """The drafts of ``queryset`` the county sent back for 补正 (``was_returned``)."""
        returns = CaseLog.objects.filter(transition="return_for_completion")
        return queryset.filter(state=CaseState.DRAFT, pk__in=returns.values("case_id"))

    @classmethod
    def attach_last_returns(cls, cases) -> None:
        """Answer ``last_return`` for a list of cases in one query (lists show it per row)."""
        drafts = {c.pk: c for c in cases if c.state == CaseState.DRAFT}
        if not drafts:
            return
        latest = dict.fromkeys(drafts)
        rows = CaseLog.objects.filter(
            case_id__in=drafts, transition="return_for_completion"
        ).order_by("case_id", "at", "id")
        for row in rows:
            latest[row.case_id] = row  # the latest one wins
        for pk, case in drafts.items():
            case.facts.know(last_return=latest[pk])

    @staticmethod
    def flag_rereview_requests(queryset):
        """A list's cases, each knowing whether it has a re-review request without a query per row
        (the ``has_request`` and ``request_received`` added here; see ``facts``)."""
        requests = RereviewRequest.objects.filter(case_id=OuterRef("pk"))
        return queryset.annotate(
            has_request=Exists(requests),
            request_received=Exists(requests.filter(received_at__isnull=False)),
        )

    # ---- what pages and checks ask (one answer per question per page: ``facts``) ----------
    @property
    def facts(self) -> CaseFacts:
        facts = self.__dict__.get("_facts")
        if facts is None:
            facts = self.__dict__["_facts"] = CaseFacts(self)
            if "has_request" in self.__dict__:  # a list's annotations (``flag_rereview_requests``)
                facts.know(has_rereview_request=self.__dict__["has_request"])
            if "request_received" in self.__dict__:
                facts.know(rereview_received=self.__dict__["request_received"])
        return facts

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_facts", None)

    def calendar(self):
        """The working-day calendar: one per page (it reads the admin's years once)."""
        return self.facts.calendar

    def missing_material_kinds(self) -> list[str]:
        """Required kinds of material (settings.APPRAISAL_REQUIRED_MATERIALS) not yet uploaded."""
        return self.missing_kinds_from(self.facts.material_kinds)

    @staticmethod
    def missing_kinds_from(present: set[str]) -> list[str]:
        return [
            k
            for k in settings.APPRAISAL_REQUIRED_MATERIALS
            if k not in present and k in MaterialKind.values
        ]

    def submission_problems(self) -> list[str]:
        """What stops the application from being submitted, in words for the applicant."""
        problems = []
        if not self.projects.exists():
            problems.append("请至少选择一个申请鉴定的培训项目。")
        if not (self.statement or "").strip():
            problems.append("请填写申请事由。")
        missing = self.missing_material_kinds()
        if missing:
            names = "、".join(MaterialKind(k).label for k in missing)
            problems.append(f"缺少必需的申报材料：{names}。")
        unchanged = self.unchanged_since_return()
        if unchanged:
            names = "、".join(MaterialKind(k).label for k in unchanged)
            problems.append(f"退回补正时要求补正的材料尚未上传新文件：{names}。")
        return problems

    def unchanged_since_return(self) -> list[str]:
        """The kinds the county asked to complete (补正) that no new file uploaded since names."""
        returned = self.last_return
        if returned is None:
            return []
        asked = [k for k in (returned.data or {}).get("missing", [])]
        files = self.materials.filter(kind__in=asked).values_list("kind", "sha256", "uploaded_at")
        before = {(kind, sha) for kind, sha, at in files if at <= returned.at}
        # A file the county already had (the same bytes again) completes nothing.
        renewed = {
            kind for kind, sha, at in files if at > returned.at and (kind, sha) not in before
        }
        return [k for k in asked if k not in renewed]

    def can_be_submitted(self) -> bool:
        return not self.submission_problems()

    @property
    def current_round(self):
        """The round under way: the county's, or the prefecture's after a forwarded re-review."""
        return self.facts.current_round

    def panel_complete(self) -> bool:
        """Every seat of the current round's panel has been accepted (the review begins)."""
        return self.facts.panel_complete

    def opinion_fully_signed(self) -> bool:
        """Every accepted seat of the current round signed the current revision of its opinion."""
        return self.facts.opinion_fully_signed

    # ---- transitions (guide 七(一)(二); the rest arrive with their issues) ---------------
    @transition(field=state, **policy.fsm("submit"))
    def submit(self):
        """The institution files the application (or files it again after 补正)."""
        self.submitted_at = timezone.now()

    @transition(field=state, **policy.fsm("return_for_completion"))
    def return_for_completion(self):
        """补正: the county sends the application back, listing what is missing."""

    @transition(field=state, **policy.fsm("accept"))
    def accept(self):
        """受理: the county accepts the application; the county's round begins."""
        self.accepted_at = timezone.now()
        Round.objects.get_or_create(
            case=self, number=Round.COUNTY, defaults={"bureau_id": self.bureau_id}
        )

    @transition(field=state, **policy.fsm("refuse"))
    def refuse(self):
        """不予受理: the county refuses the application, with a reason."""
        self.closed_at = timezone.now()

    @transition(field=state, **policy.fsm("withdraw"))
    def withdraw(self):
        """The institution withdraws its application before it is accepted."""
        self.closed_at = timezone.now()

    def ready_to_draw(self) -> bool:
        """The prefecture draws once it has recorded its receipt of the forwarded request."""
        return policy.ready_to_draw(self)

    @transition(field=state, **policy.fsm("draw_panel"))
    def draw_panel(self):
        """抽取专家 (guide 五, 七(三), 七(五)): the bureau running the round draws its panel (the
        county for the first appraisal, the prefecture from its own pool for the re-review); the
        draw and the seats are made by the service in the same transaction."""

    @transition(field=state, **policy.fsm("start_review"))
    def start_review(self):
        """Every seat of the panel has accepted: the review begins."""

    @transition(field=state, **policy.fsm("complete_opinion"))
    def complete_opinion(self):
        """八(三): the last member of the panel signs the current revision of the opinion."""

    # ---- after the decision: re-review or closing (guide 七(五); docs/domain.md §复审) --------
    @property
    def decided_at(self):
        """When the first round's decision took effect: the moment of the county's seal (八(三));
        the re-review window counts from it."""
        return self.facts.decided_at

    def rereview_window_ends(self):
        """(last day to request a re-review, its ``workdays.Basis``), or (None, None) before a
        decision."""
        return self.facts.rereview_window_ends

    def rereview_window_after(self, decided_at):
        """(last day to request a re-review, its basis) for a decision sealed at ``decided_at``:
        the window the county's 鉴定意见书 states while it is being issued."""
        return self.facts.rereview_window_after(decided_at)

    def rereview_window_open(self, today=None) -> bool:
        """Until its last day; and past a last day counted on the law's holidays alone, until
        the year's notice is entered: its extra days off may move the day later, and the
        institution must not lose them (guide 七(五))."""
        ends, basis = self.rereview_window_ends()
        if ends is None:
            return False
        return (today or timezone.localdate()) <= ends or not basis.published

    def has_rereview_request(self) -> bool:
        return self.facts.has_rereview_request

    def may_request_rereview(self) -> bool:
        """Within the window, and only once per case (a refused request is final)."""
        return policy.may_request_rereview(self)

    def rereview_window_passed(self, today=None) -> bool:
        return policy.rereview_window_passed(self, today)

    def in_second_round(self) -> bool:
        return policy.in_second_round(self)

    @transition(field=state, **policy.fsm("request_rereview"))
    def request_rereview(self):
        """复审申请 (附件3): the institution disagrees with the county's result."""

    @transition(field=state, **policy.fsm("accept_result"))
    def accept_result(self):
        """The institution accepts the result and waives the re-review: the case is closed."""
        self.closed_at = timezone.now()

    @transition(field=state, **policy.fsm("close_after_window"))
    def close_after_window(self):
        """The re-review window passed without a request (or after a refused one): closed by the
        daily timer."""
        self.closed_at = timezone.now()

    @transition(field=state, **policy.fsm("refuse_rereview"))
    def refuse_rereview(self):
        """The county does not approve the request, with written reasons: the result stands and
        is final (the request cannot be filed again)."""

    @transition(field=state, **policy.fsm("forward_rereview"))
    def forward_rereview(self):
        """The county approves the request and forwards it with the materials to the prefecture,
        whose round begins (guide 七(五))."""
        Round.objects.get_or_create(
            case=self, number=Round.PREFECTURE, defaults={"bureau_id": self.bureau.prefecture.pk}
        )

    def in_first_round(self) -> bool:
        return policy.in_first_round(self)

    @transition(field=state, **policy.fsm("decide"))
    def decide(self):
        """七(四), 八(三): the county determines the category and applies its seal."""

    @transition(field=state, **policy.fsm("close_after_rereview"))
    def close_after_rereview(self):
        """七(五): the prefecture determines the category on its panel's opinion and applies its
        seal; the re-review's result is final and the case closes."""
        self.closed_at = timezone.now()


class Round(models.Model):
    """轮次: the county's first appraisal, or the prefecture's re-review (guide 五, 七(五);
    docs/domain.md §鉴定轮次).

    Draws, seats, review records, sheets, opinions and decisions belong to a round.
    """

    COUNTY = 1
    PREFECTURE = 2
    NUMBER_CHOICES = [(COUNTY, "县（市）初次鉴定"), (PREFECTURE, "州级复审鉴定")]

    case = models.ForeignKey(
        Case, verbose_name="案件", on_delete=models.PROTECT, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField("轮次", choices=NUMBER_CHOICES)
    bureau = models.ForeignKey(
        "portal.Bureau",
        verbose_name="组织鉴定的教育局",
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    opened_at = models.DateTimeField("开始时间", default=timezone.now)

    class Meta:
        verbose_name = "鉴定轮次"
        verbose_name_plural = verbose_name
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="one_round_per_number")
        ]
        indexes = [
            # The few cases in a prefecture's round (the prefecture's home page and deadlines).
            models.Index(fields=["case"], condition=models.Q(number=2), name="round_prefecture")
        ]

    def __str__(self):
        return f"{self.case.number} {self.get_number_display()}"

    @property
    def staff_role(self) -> str:
        """The role of the clerks running it: the county's first round, the prefecture's re-review."""
        return "county" if self.number == self.COUNTY else "prefecture"


class CaseLog(models.Model):
    """One row per transition: the case's timeline. Append-only."""

    case = models.ForeignKey(
        Case, verbose_name="案件", on_delete=models.PROTECT, related_name="log"
    )
    transition = models.CharField("操作", max_length=40)
    source = models.CharField("原状态", max_length=30, choices=CaseState.choices)
    target = models.CharField("新状态", max_length=30, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空：由系统定时任务执行（如邀请逾期）",
    )
    at = models.DateTimeField("时间", default=timezone.now)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        verbose_name = "案件办理记录"
        verbose_name_plural = verbose_name
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]
        # The case file's history is never rewritten (PostgreSQL refuses it).
        triggers = [
            pgtrigger.Protect(
                name="case_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    TRANSITION_LABELS = STEP_LABELS

    def __str__(self):
        return f"{self.case.number} {self.transition_label}"

    @property
    def transition_label(self) -> str:
        return self.TRANSITION_LABELS.get(self.transition, self.transition)

    @property
    def target_label(self) -> str:
        """The state the step led to; a draft sent back reads as such (``Case.state_label``)."""
        if self.transition == "return_for_completion":
            return RETURNED_LABEL
        return self.get_target_display()
