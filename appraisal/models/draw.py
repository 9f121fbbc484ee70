"""Draws and seats of a round (guide 五; docs/domain.md §抽取, §邀请与候补): the random panel, its
alternates and invitations.

They belong to a round, so the prefecture's re-review round reuses them unchanged.
"""

import json
import secrets

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from appraisal.panel import algorithm as algorithm
from appraisal.panel import record as draw_record
from appraisal.panel import sealing

from ..workflow.workdays import Basis


class RecordJSONField(models.JSONField):
    """JSON written once and read whole, kept as the text it was written as: PostgreSQL's
    ``json`` rather than ``jsonb``. A draw's candidates and order are tens of kilobytes written
    while the clerk waits; ``jsonb`` would parse and re-encode them for queries inside them that
    nothing makes, and the stored text is then exactly the text that was hashed. (Other
    databases store JSON as text anyway.)"""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql" or value is None:
            return super().get_db_prep_value(value, connection, prepared)
        return json.dumps(value, cls=self.encoder)

    def from_db_value(self, value, expression, connection):
        if value is not None and not isinstance(value, str):  # the driver parsed ``json``
            return value
        return super().from_db_value(value, expression, connection)


def new_system_value() -> str:
    return secrets.token_hex(32)


class DrawCommitment(models.Model):
    """The system's random value for the next draw of a round, committed to by its hash.

    The hash is shown before the draw (to the witness too); the value itself is kept sealed
    (encrypted with a key outside the database, ``appraisal.panel.sealing``) and revealed on the draw
    record once it has been used. Used once; a value shown but never used is marked abandoned by
    the daily job (and audited), and never used afterwards (docs/draw-spec.md §7).
    """

    round = models.ForeignKey(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="commitments"
    )
    # Only commitments made before values were sealed hold their value here in clear.
    system_value = models.CharField("系统随机值（未加密的旧记录）", max_length=64, blank=True)
    sealed_value = models.TextField("系统随机值（加密保存）", blank=True)
    commitment = models.CharField("随机值摘要", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    abandoned_at = models.DateTimeField("放弃时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽取随机值承诺"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        triggers = [
            pgtrigger.Protect(name="draw_commitment_never_deleted", operation=pgtrigger.Delete)
        ]

    def __str__(self):
        return f"{self.round} {self.commitment[:16]}"

    def save(self, *args, **kwargs):
        if not self.commitment:  # a new value: committed to, then kept only sealed
            value = self.system_value or new_system_value()
            self.commitment = algorithm.commitment(value)
            self.sealed_value = sealing.seal(value)
            self.system_value = ""
        super().save(*args, **kwargs)

    def reveal(self) -> str:
        """The value (at the draw). Raises ``sealing.SealBroken`` when the key cannot open it."""
        if self.system_value:
            return self.system_value
        return sealing.unseal(self.sealed_value)


class Draw(models.Model):
    """One draw (抽取): seed inputs, algorithm version, the ordered candidates, the filters, the
    result, who drew and who witnessed. Never changed after it is made; never repeated."""

    class Kind(models.TextChoices):
        PANEL = "panel", "抽取专家组"
        SEAT = "seat", "候补用尽后补抽"

    round = models.ForeignKey(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="draws"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.PANEL)
    pool = models.ForeignKey(
        "portal.Bureau", verbose_name="专家库", on_delete=models.PROTECT, related_name="+"
    )
    algorithm_version = models.CharField("算法版本", max_length=40)
    panel_size = models.PositiveSmallIntegerField("抽取人数")
    parameters = models.JSONField("组成要求")
    commitment = models.OneToOneField(
        DrawCommitment, verbose_name="随机值承诺", on_delete=models.PROTECT, related_name="draw"
    )
    system_value = models.CharField("系统随机值", max_length=64)
    witness_value = models.CharField("监督人输入值", max_length=100, blank=True)
    seed = models.CharField("随机种子", max_length=64)
    candidates = RecordJSONField("候选专家（规范顺序）", encoder=algorithm.RowsEncoder)
    candidates_hash = models.CharField("候选名单摘要（SHA-256）", max_length=64)
    order = RecordJSONField("随机排序结果")
    panel = models.JSONField("入选专家")
    filters = RecordJSONField("筛选记录", default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="抽取人", on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="监督人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    for_seat = models.ForeignKey(
        "appraisal.Seat",
        verbose_name="补抽席位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("抽取时间", default=timezone.now)

    class Meta:
        verbose_name = "专家抽取记录"
        verbose_name_plural = verbose_name
        ordering = ["round", "created_at", "id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="draw_list_order")]
        constraints = [
            # A round's panel is drawn once: never again for a better one.
            models.UniqueConstraint(
                fields=["round"], condition=models.Q(kind="panel"), name="one_panel_draw_per_round"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="draw_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.round} {self.get_kind_display()} #{self.pk}"

    @property
    def params(self) -> algorithm.Parameters:
        return algorithm.Parameters.from_json(self.parameters)

    def candidate_objects(self) -> list[algorithm.Candidate]:
        return [algorithm.Candidate.from_json(row) for row in self.candidates]

    @property
    def alternates(self) -> list[int]:
        taken = set(self.panel)
        return [i for i in self.order if i not in taken]

    def rerun(self) -> algorithm.DrawResult:
        """The draw run again from its stored inputs (for the verification page and command)."""
        return algorithm.run(self.candidate_objects(), self.seed, self.params)

    def verify(self) -> list[str]:
        """Differences between the stored draw and a re-run; empty when everything matches."""
        problems = []
        if self.algorithm_version != algorithm.ALGORITHM_VERSION:
            problems.append(f"算法版本不同：记录为 {self.algorithm_version}")
        if self.commitment.commitment != algorithm.commitment(self.system_value):
            problems.append("系统随机值与抽取前公布的摘要不符")
        if self.seed != algorithm.derive_seed(self.system_value, self.witness_value):
            problems.append("随机种子不能由系统随机值和监督人输入值推出")
        if self.candidates_hash != algorithm.candidates_hash(self.candidate_objects()):
            problems.append("候选名单摘要不符")
        try:
            result = self.rerun()
        except algorithm.DrawImpossible as exc:
            return [*problems, f"重新运行失败：{exc.message}"]
        if result.order != self.order:
            problems.append("随机排序结果不一致")
        if result.panel != self.panel:
            problems.append("入选专家不一致")
        entry = getattr(self, "log_entry", None) if self.pk else None
        if entry is not None:
            if entry.sha256 != draw_record.sha256(draw_record.of(self)):
                problems.append(
                    f"抽取记录与抽取时登记在透明日志（第 {entry.seq} 条）的 SHA-256 不符"
                )
        return problems


class Seat(models.Model):
    """A place on a round's panel, held by one expert: the invitation and its answer.

    A seat that is declined or lapses is filled again by a new Seat for the same position
    (``replaces``), called from the alternates or from a 补抽 draw. Accepted seats are the panel.
    """

    class Status(models.TextChoices):
        INVITED = "invited", "已邀请，待答复"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已谢绝"
        LAPSED = "lapsed", "逾期未答复"

    # A seat still held: its invitation open, or accepted.
    OPEN = (Status.INVITED, Status.ACCEPTED)

    class Source(models.TextChoices):
        DRAWN = "drawn", "抽取入选"
        ALTERNATE = "alternate", "候补递补"
        SEAT_DRAW = "seat_draw", "补抽入选"

    class DeclineReason(models.TextChoices):
        CONFLICT = "conflict", "存在利害关系或其他应当回避的情形"
        UNAVAILABLE = "unavailable", "时间冲突，无法参加"
        OTHER = "other", "其他原因"

    round = models.ForeignKey(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="seats"
    )
    draw = models.ForeignKey(
        Draw, verbose_name="所属抽取", on_delete=models.PROTECT, related_name="seats"
    )
    expert = models.ForeignKey(
        "experts.Expert", verbose_name="专家", on_delete=models.PROTECT, related_name="seats"
    )
    position = models.PositiveSmallIntegerField("席位号")
    source = models.CharField("产生方式", max_length=12, choices=Source.choices)
    rank = models.PositiveIntegerField("在抽取顺序中的位次")
    replaces = models.OneToOneField(
        "self",
        verbose_name="递补的席位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.INVITED)
    invited_at = models.DateTimeField("邀请时间", default=timezone.now)
    reply_by = models.DateTimeField("答复期限")
    reply_by_basis = models.CharField(
        "答复期限的计算依据", max_length=12, choices=Basis.choices, default=Basis.OFFICIAL
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    accepted_at = models.DateTimeField("接受时间", null=True, blank=True)
    declaration_text = models.TextField("独立性及无利害关系声明", blank=True)
    declarations = models.JSONField("声明事项", default=dict, blank=True)
    decline_reason = models.CharField(
        "谢绝原因", max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField("谢绝说明", blank=True)

    class Meta:
        verbose_name = "专家席位（邀请）"
        verbose_name_plural = verbose_name
        ordering = ["round", "position", "invited_at", "id"]
        constraints = [
            # Nobody is called twice in a round: alternates never repeat someone already called.
            models.UniqueConstraint(fields=["round", "expert"], name="one_seat_per_expert_round")
        ]
        indexes = [
            models.Index(fields=["expert", "status"]),
            models.Index(fields=["status", "reply_by"]),
        ]
        triggers = [pgtrigger.Protect(name="seat_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.round} 席位{self.position}：{self.expert}（{self.get_status_display()}）"

    @property
    def is_open(self) -> bool:
        """Invited or accepted: the seat currently holds its position."""
        return self.status in (self.Status.INVITED, self.Status.ACCEPTED)

    @property
    def is_vacant(self) -> bool:
        """Declined or lapsed and not yet filled again."""
        return not self.is_open and not Seat.objects.filter(replaces=self).exists()

    @property
    def reply_by_exact(self) -> bool:
        """The reply deadline was counted on the State Council's notice: it will not change."""
        return Basis(self.reply_by_basis).published

    def is_overdue(self, now=None) -> bool:
        """Past a deadline that is final: one counted on the law's holidays alone may still move
        later when the year's notice is entered, so it never lapses (``lapse_overdue``)."""
        return (
            self.status == self.Status.INVITED
            and self.reply_by_exact
            and (now or timezone.now()) > self.reply_by
        )

    @property
    def status_shown(self) -> str:
        """The status as pages show it: an invitation past its final deadline is lapsed at once,
        before the daily run records it (``lapse_overdue``)."""
        return self.Status.LAPSED.label if self.is_overdue() else self.get_status_display()
