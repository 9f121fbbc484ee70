"""The appraisal case, its rounds, and the log of its transitions (DOMAIN §2)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from .. import rules


class CaseState(models.TextChoices):
    """Every state of a case's life (DOMAIN §2), declared once."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待受理"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"
    PANEL_DRAWN = "panel_drawn", "已抽取专家"
    IN_REVIEW = "in_review", "专家鉴定中"
    OPINION_SIGNED = "opinion_signed", "鉴定意见已签署"
    DECIDED = "decided", "已作出鉴定结论"
    REREVIEW_REQUESTED = "rereview_requested", "已申请复审"
    REREVIEW_FORWARDED = "rereview_forwarded", "已报送州教育局复审"
    CLOSED = "closed", "已办结"


RETURNED = "returned"  # the list filter's name for drafts sent back for 补正
RETURNED_LABEL = "已退回补正"


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

    # Who owes the next step, in the applicant's words and in the bureau's.
    WAITING = {
        CaseState.DRAFT: ("institution", "待机构上传材料并提交"),
        CaseState.SUBMITTED: ("county", "待县（市）教育局受理"),
        CaseState.ACCEPTED: ("county", "待县（市）教育局抽取鉴定专家"),
        CaseState.PANEL_DRAWN: ("experts", "待鉴定专家确认参加"),
        CaseState.IN_REVIEW: ("experts", "专家组鉴定中"),
        CaseState.OPINION_SIGNED: ("county", "待教育局确定类别并盖章"),
        CaseState.DECIDED: ("institution", "鉴定结论已出具，可在期限内申请复审"),
        CaseState.REREVIEW_REQUESTED: ("county", "待县（市）教育局审核复审申请"),
        CaseState.REREVIEW_FORWARDED: ("prefecture", "待州教育局签收并组织复审"),
        CaseState.REFUSED: (None, "不予受理，已办结"),
        CaseState.WITHDRAWN: (None, "已撤回"),
        CaseState.CLOSED: (None, "已办结"),
    }

    @property
    def waiting_for(self) -> str:
        if self.state == CaseState.DRAFT and self.was_returned:
            return "待机构补正材料后重新提交"
        if self.state == CaseState.DECIDED and self.has_rereview_request():
            return "复审申请不予批准，鉴定结论为最终结论，期限届满后办结"
        if self.state == CaseState.REREVIEW_FORWARDED and self._rereview_received():
            return "州教育局已签收，待抽取复审专家"
        return self.WAITING[CaseState(self.state)][1]

    def _rereview_received(self) -> bool:
        if "request_received" in self.__dict__:  # lists: ``flag_rereview_requests``
            return self.__dict__["request_received"]
        return self.ready_to_draw()

    @property
    def was_returned(self) -> bool:
        return self.state == CaseState.DRAFT and self.last_return is not None

    @property
    def last_return(self):
        """The latest 补正 request, while the case is back with the applicant."""
        if self.state != CaseState.DRAFT:
            return None
        if not hasattr(self, "_last_return"):
            self._last_return = (
                self.log.filter(transition="return_for_completion").order_by("-at", "-id").first()
            )
        return self._last_return

    @staticmethod
    def sent_back(queryset):
        """The drafts of ``queryset`` the county sent back for 补正 (``was_returned``)."""
        returns = CaseLog.objects.filter(transition="return_for_completion")
        return queryset.filter(state=CaseState.DRAFT, pk__in=returns.values("case_id"))

    @classmethod
    def attach_last_returns(cls, cases) -> None:
        """Answer ``last_return`` for a list of cases in one query (lists show it per row)."""
        drafts = {c.pk: c for c in cases if c.state == CaseState.DRAFT}
        for case in drafts.values():
            case._last_return = None
        if not drafts:
            return
        rows = CaseLog.objects.filter(
            case_id__in=drafts, transition="return_for_completion"
        ).order_by("case_id", "at", "id")
        for row in rows:
            drafts[row.case_id]._last_return = row  # the latest one wins

    @staticmethod
    def flag_rereview_requests(queryset):
        """A list's cases, each knowing whether it has a re-review request without a query per row
        (``has_rereview_request`` reads the ``has_request`` added here)."""
        from .rereview import RereviewRequest

        requests = RereviewRequest.objects.filter(case_id=OuterRef("pk"))
        return queryset.annotate(
            has_request=Exists(requests),
            request_received=Exists(requests.filter(received_at__isnull=False)),
        )

    # ---- answers kept while nothing they depend on changes ---------------------------------
    def remember_answers(self):
        """Keep the answers of the questions below on this instance, so that each is asked of the
        database once however many callers ask it: for a page (a GET view that changes nothing),
        or for a transition's checks (``run_transition`` forgets them before the state changes)."""
        self._memo = {}
        return self

    def forget_answers(self):
        self.__dict__.pop("_memo", None)

    def calendar(self):
        """The working-day calendar: one per page (it reads the admin's years once), else new."""
        from ..workdays import Calendar

        return self.remembered("calendar", Calendar)

    def remembered(self, key, compute):
        memo = self.__dict__.get("_memo")
        if memo is None:
            return compute()
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def missing_material_kinds(self) -> list[str]:
        """Required kinds of material (settings.APPRAISAL_REQUIRED_MATERIALS) not yet uploaded."""
        return self.remembered(
            "missing_kinds",
            lambda: self.missing_kinds_from(set(self.materials.values_list("kind", flat=True))),
        )

    @staticmethod
    def missing_kinds_from(present: set[str]) -> list[str]:
        from .material import MaterialKind

        return [
            k
            for k in settings.APPRAISAL_REQUIRED_MATERIALS
            if k not in present and k in MaterialKind.values
        ]

    def submission_problems(self) -> list[str]:
        """What stops the application from being submitted, in words for the applicant."""
        from .material import MaterialKind

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
        return self.remembered(
            "current_round",
            lambda: self.rounds.select_related("bureau").order_by("-number").first(),
        )

    def panel_complete(self) -> bool:
        """Every seat of the current round's panel has been accepted (DOMAIN §2: in_review)."""
        from .draw import Seat

        current = self.current_round
        if current is None:
            return False
        draw = current.draws.filter(kind="panel").first()
        if draw is None:
            return False
        seats = current.seats.filter(status__in=[Seat.Status.INVITED, Seat.Status.ACCEPTED])
        statuses = list(seats.values_list("status", flat=True))
        return len(statuses) == draw.panel_size and all(s == Seat.Status.ACCEPTED for s in statuses)

    def opinion_fully_signed(self) -> bool:
        """Every accepted seat of the current round signed the current revision of its opinion."""
        from .draw import Seat

        current = self.current_round
        opinion = getattr(current, "opinion", None) if current is not None else None
        if opinion is None or not opinion.is_drafted:
            return False
        seats = set(current.seats.filter(status=Seat.Status.ACCEPTED).values_list("pk", flat=True))
        signed = set(opinion.valid_signatures().values_list("seat_id", flat=True))
        return bool(seats) and seats <= signed

    # ---- transitions (guide 七(一)(二); the rest arrive with their issues) ---------------
    @transition(
        field=state,
        source=CaseState.DRAFT,
        target=CaseState.SUBMITTED,
        conditions=[can_be_submitted],
        permission=rules.is_case_institution_member,
    )
    def submit(self):
        """The institution files the application (or files it again after 补正)."""
        self.submitted_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.SUBMITTED,
        target=CaseState.DRAFT,
        permission=rules.is_case_county_staff,
    )
    def return_for_completion(self):
        """补正: the county sends the application back, listing what is missing."""

    @transition(
        field=state,
        source=CaseState.SUBMITTED,
        target=CaseState.ACCEPTED,
        permission=rules.is_case_county_staff,
    )
    def accept(self):
        """受理: the county accepts the application; the county's round begins."""
        self.accepted_at = timezone.now()
        Round.objects.get_or_create(
            case=self, number=Round.COUNTY, defaults={"bureau_id": self.bureau_id}
        )

    @transition(
        field=state,
        source=CaseState.SUBMITTED,
        target=CaseState.REFUSED,
        permission=rules.is_case_county_staff,
    )
    def refuse(self):
        """不予受理: the county refuses the application, with a reason."""
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=[CaseState.DRAFT, CaseState.SUBMITTED],
        target=CaseState.WITHDRAWN,
        permission=rules.is_case_institution_member,
    )
    def withdraw(self):
        """The institution withdraws its application before it is accepted."""
        self.closed_at = timezone.now()

    def ready_to_draw(self) -> bool:
        """The prefecture draws once it has recorded its receipt of the forwarded request."""
        if self.state != CaseState.REREVIEW_FORWARDED:
            return True
        request = getattr(self, "rereview_request", None)
        return request is not None and request.is_received

    @transition(
        field=state,
        source=[CaseState.ACCEPTED, CaseState.REREVIEW_FORWARDED],
        target=CaseState.PANEL_DRAWN,
        conditions=[ready_to_draw],
        permission=rules.runs_current_round,
    )
    def draw_panel(self):
        """抽取专家 (guide 五, 七(三), 七(五)): the bureau running the round draws its panel (the
        county for the first appraisal, the prefecture from its own pool for the re-review); the
        draw and the seats are made by the service in the same transaction."""

    @transition(
        field=state,
        source=CaseState.PANEL_DRAWN,
        target=CaseState.IN_REVIEW,
        conditions=[panel_complete],
        permission=rules.may_start_review,
    )
    def start_review(self):
        """Every seat of the panel has accepted: the review begins."""

    @transition(
        field=state,
        source=CaseState.IN_REVIEW,
        target=CaseState.OPINION_SIGNED,
        conditions=[opinion_fully_signed],
        permission=rules.may_sign_current_round,
    )
    def complete_opinion(self):
        """八(三): the last member of the panel signs the current revision of the opinion."""

    # ---- after the decision: re-review or closing (guide 七(五); DOMAIN §2) -------------------
    @property
    def decided_at(self):
        """When the first round's decision took effect: the moment of the county's seal (八(三));
        the re-review window counts from it."""
        if not hasattr(self, "_decided_at"):
            from .review import Decision

            self._decided_at = (
                Decision.objects.filter(round__case_id=self.pk, round__number=Round.COUNTY)
                .values_list("stamped_at", flat=True)
                .first()
            )
        return self._decided_at

    def rereview_window_ends(self):
        """(last day to request a re-review, exact?) or (None, True) before a decision."""
        if self.decided_at is None:
            return None, True
        return self.remembered(
            "rereview_window_ends", lambda: self.rereview_window_after(self.decided_at)
        )

    def rereview_window_after(self, decided_at):
        """(last day to request a re-review, exact?) for a decision sealed at ``decided_at``: the
        window the county's 鉴定意见书 states while it is being issued."""
        from ..workdays import add_working_days_or_weekdays

        return add_working_days_or_weekdays(
            timezone.localtime(decided_at).date(),
            settings.APPRAISAL_DAYS_TO_REQUEST_REREVIEW,
            self.calendar(),
        )

    def rereview_window_open(self, today=None) -> bool:
        ends, _ = self.rereview_window_ends()
        return ends is not None and (today or timezone.localdate()) <= ends

    def has_rereview_request(self) -> bool:
        # Lists load this for many cases at once (an ``has_request`` annotation, or the facts
        # ``appraisal.deadlines.with_deadlines`` preloads); a single case asks the database.
        if "has_request" in self.__dict__:
            return self.__dict__["has_request"]
        facts = self.__dict__.get("_deadline_facts")
        if facts is not None:
            return facts["request"] is not None
        from .rereview import RereviewRequest

        if "_memo" in self.__dict__ and Case.rereview_request.is_cached(self):
            return getattr(self, "rereview_request", None) is not None
        return self.remembered(
            "has_request", lambda: RereviewRequest.objects.filter(case_id=self.pk).exists()
        )

    def may_request_rereview(self) -> bool:
        """Within the window, and only once per case (a refused request is final)."""
        return self.rereview_window_open() and not self.has_rereview_request()

    def rereview_window_passed(self) -> bool:
        return self.decided_at is not None and not self.rereview_window_open()

    def in_second_round(self) -> bool:
        current = self.current_round
        return current is not None and current.number == Round.PREFECTURE

    @transition(
        field=state,
        source=CaseState.DECIDED,
        target=CaseState.REREVIEW_REQUESTED,
        conditions=[may_request_rereview],
        permission=rules.is_case_institution_member,
    )
    def request_rereview(self):
        """复审申请 (附件3): the institution disagrees with the county's result."""

    @transition(
        field=state,
        source=CaseState.DECIDED,
        target=CaseState.CLOSED,
        permission=rules.is_case_institution_member,
    )
    def accept_result(self):
        """The institution accepts the result and waives the re-review: the case is closed."""
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.DECIDED,
        target=CaseState.CLOSED,
        conditions=[rereview_window_passed],
        permission=rules.is_system,
    )
    def close_after_window(self):
        """The re-review window passed without a request (or after a refused one): closed by the
        daily timer."""
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.REREVIEW_REQUESTED,
        target=CaseState.DECIDED,
        permission=rules.is_case_county_staff,
    )
    def refuse_rereview(self):
        """The county does not approve the request, with written reasons: the result stands and
        is final (the request cannot be filed again)."""

    @transition(
        field=state,
        source=CaseState.REREVIEW_REQUESTED,
        target=CaseState.REREVIEW_FORWARDED,
        permission=rules.is_case_county_staff,
    )
    def forward_rereview(self):
        """The county approves the request and forwards it with the materials to the prefecture,
        whose round begins (guide 七(五))."""
        Round.objects.get_or_create(
            case=self, number=Round.PREFECTURE, defaults={"bureau_id": self.bureau.prefecture.pk}
        )

    def in_first_round(self) -> bool:
        current = self.current_round
        return current is not None and current.number == Round.COUNTY

    @transition(
        field=state,
        source=CaseState.OPINION_SIGNED,
        target=CaseState.DECIDED,
        conditions=[in_first_round, opinion_fully_signed],
        permission=rules.may_stamp_current_round,
    )
    def decide(self):
        """七(四), 八(三): the county determines the category and applies its seal."""

    @transition(
        field=state,
        source=CaseState.OPINION_SIGNED,
        target=CaseState.CLOSED,
        conditions=[in_second_round, opinion_fully_signed],
        permission=rules.may_stamp_current_round,
    )
    def close_after_rereview(self):
        """七(五): the prefecture determines the category on its panel's opinion and applies its
        seal; the re-review's result is final and the case closes."""
        self.closed_at = timezone.now()


class Round(models.Model):
    """轮次: the county's first appraisal, or the prefecture's re-review (DOMAIN §2).

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

    TRANSITION_LABELS = {
        "create": "创建申请",
        "submit": "提交申请",
        "return_for_completion": "退回补正",
        "accept": "受理",
        "refuse": "不予受理",
        "withdraw": "撤回申请",
        "draw_panel": "抽取鉴定专家",
        "start_review": "专家组组成，开始鉴定",
        # Steps inside a state (source == target), logged like transitions.
        "accept_invitation": "专家接受邀请",
        "decline_invitation": "专家谢绝邀请",
        "lapse_invitation": "邀请逾期未答复",
        "call_alternate": "候补专家递补",
        "alternates_exhausted": "候补专家已用尽",
        "draw_seat": "补抽专家",
        "complete_opinion": "专家组全体成员签署鉴定意见",
        "decide": "确定类别并盖章，鉴定结论生效",
        "record_activity": "记录鉴定活动",
        "amend_project": "补正期间修改培训项目",
        "submit_sheet": "专家提交鉴定指标评分表",
        "set_leader": "指定专家组组长",
        "save_opinion": "组长起草鉴定意见",
        "revise_opinion": "鉴定意见修改，已有签名作废",
        "sign_opinion": "专家签署鉴定意见",
        "request_rereview": "申请复审",
        "accept_result": "机构接受鉴定结论",
        "close_after_window": "复审申请期限届满，办结",
        "refuse_rereview": "不予批准复审申请",
        "forward_rereview": "批准复审申请并报送州教育局",
        "receive_rereview": "州教育局签收复审申请",
        "close_after_rereview": "州教育局确定类别并盖章，复审办结",
    }

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
