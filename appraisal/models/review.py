"""The review of a round (guide 七(三), 八; docs/domain.md §鉴定活动 to §确定类别与盖章): the
records kept by the bureau, each expert's sheet, the panel opinion with its signatures, and the
bureau's decision.

Everything belongs to a round, so the prefecture's re-review round runs on the same models.
"""

import hashlib
import json
import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

ACADEMIC = "academic"
NON_ACADEMIC = "non_academic"


class Category(models.TextChoices):
    ACADEMIC = ACADEMIC, "学科类"
    NON_ACADEMIC = NON_ACADEMIC, "非学科类"


class ReviewActivity(models.Model):
    """鉴定活动记录: the opening meeting with its policy briefing, the written review, and any site
    visit, class observation or interview (guide 七(三), 八). Kept by a clerk of the round's bureau."""

    class Kind(models.TextChoices):
        OPENING_MEETING = "opening_meeting", "鉴定会（政策培训）"
        WRITTEN_REVIEW = "written_review", "书面审查"
        SITE_VISIT = "site_visit", "实地查看"
        CLASS_OBSERVATION = "class_observation", "课堂观摩"
        INTERVIEW = "interview", "个别访谈"

    round = models.ForeignKey(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField("活动类别", max_length=20, choices=Kind.choices)
    date = models.DateField("日期")
    place = models.CharField("地点", max_length=200)
    attendees = models.TextField("参加人员", help_text="专家组成员、教育局工作人员、受访人员等")
    findings = models.TextField("情况记录", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "鉴定活动记录"
        verbose_name_plural = verbose_name
        ordering = ["round", "date", "id"]
        triggers = [pgtrigger.Protect(name="activity_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


def activity_upload_to(instance, filename):
    """A stored name the uploader cannot choose, like the materials'."""
    return f"activities/{instance.activity.round.case_id}/{uuid.uuid4().hex}"


class ActivityFile(models.Model):
    """A file or photo of an activity: checked by content, hashed, never overwritten or deleted."""

    activity = models.ForeignKey(
        ReviewActivity, verbose_name="活动", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to=activity_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=120)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "鉴定活动附件"
        verbose_name_plural = verbose_name
        ordering = ["activity", "uploaded_at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="activity_file_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return self.original_name


class ReviewSheet(models.Model):
    """鉴定指标评分表 (附件1): one per accepted seat, filled on one version of the indicators.
    Locked once submitted; its 附件1 is issued at submission."""

    seat = models.OneToOneField(
        "appraisal.Seat", verbose_name="专家席位", on_delete=models.PROTECT, related_name="sheet"
    )
    round = models.ForeignKey(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="sheets"
    )
    template = models.ForeignKey(
        "appraisal.IndicatorTemplate",
        verbose_name="指标版本",
        on_delete=models.PROTECT,
        related_name="sheets",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("保存时间", auto_now=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    document = models.OneToOneField(
        "appraisal.IssuedDocument",
        verbose_name="附件1",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sheet",
    )

    class Meta:
        verbose_name = "鉴定指标评分表"
        verbose_name_plural = verbose_name
        ordering = ["round", "seat__position", "id"]
        triggers = [pgtrigger.Protect(name="sheet_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.round} 席位{self.seat.position} 评分表"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class SheetAnswer(models.Model):
    """One project on one sheet: the ticked signs, the evidence per dimension, the vote.

    ``evidence`` maps a dimension id (as text) to ``{"material": id|None, "page": "",
    "activity": id|None, "text": ""}``: which material and page, or which observation.
    ``suggested``/``suggestion_reason`` are the rule's suggestion (docs/domain.md §鉴定指标与类别规则),
    stored at submission.
    """

    sheet = models.ForeignKey(
        ReviewSheet, verbose_name="评分表", on_delete=models.PROTECT, related_name="answers"
    )
    project = models.ForeignKey(
        "institutions.TrainingProject",
        verbose_name="培训项目",
        on_delete=models.PROTECT,
        related_name="+",
    )
    ticked = models.ManyToManyField(
        "appraisal.IndicatorSign", verbose_name="勾选的特征", blank=True, related_name="+"
    )
    evidence = models.JSONField("依据", default=dict, blank=True)
    vote = models.CharField("表决意见", max_length=20, choices=Category.choices, blank=True)
    reasons = models.TextField("理由", blank=True)
    suggested = models.CharField(
        "规则提示类别", max_length=20, choices=Category.choices, blank=True
    )
    suggestion_reason = models.TextField("规则提示说明", blank=True)

    class Meta:
        verbose_name = "评分表项目意见"
        verbose_name_plural = verbose_name
        ordering = ["sheet", "project__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "project"], name="one_answer_per_project")
        ]

    def __str__(self):
        return f"{self.sheet} {self.project}"


class Opinion(models.Model):
    """专家组鉴定意见: the leader's reasoning; per project the majority of the submitted votes, with
    dissent and its reasons. ``revision`` goes up when the opinion changes after a signature of
    the current revision, which voids those signatures; ``content_hash`` is the SHA-256 of exactly
    what a member signs (``signed_content``).

    A tie on an even panel has no majority: the result is the one the panel settled on in
    deliberation, recorded by the leader (``tie`` in its result row) and signed by every member.
    """

    round = models.OneToOneField(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="opinion"
    )
    leader = models.ForeignKey(
        "appraisal.Seat",
        verbose_name="专家组组长",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="指定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reasoning = models.TextField("鉴定意见（理由）", blank=True)
    # [{"dimension": "培训目的", "text": ""}]: 鉴定情况 per dimension, as 附件2 lays it out.
    findings = models.JSONField("各维度鉴定情况", default=list, blank=True)
    # [{"project": id, "name": "", "academic": n, "non_academic": n, "result": "...", "tie": bool}]
    results = models.JSONField("各项目鉴定结果", default=list, blank=True)
    # [{"seat": id, "name": "", "project": id, "project_name": "", "vote": "...", "reason": ""}]
    dissent = models.JSONField("不同意见", default=list, blank=True)
    revision = models.PositiveIntegerField("修订版次", default=0)
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64, blank=True)
    drafted_at = models.DateTimeField("起草时间", null=True, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "专家组鉴定意见"
        verbose_name_plural = verbose_name
        triggers = [pgtrigger.Protect(name="opinion_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.round} 鉴定意见（第{self.revision}版）"

    @property
    def is_drafted(self) -> bool:
        return self.revision > 0

    def signed_content(self) -> str:
        """The exact text a signature covers: case, round, revision, reasoning, results, dissent."""
        payload = {
            "case": self.round.case.number,
            "round": self.round.number,
            "revision": self.revision,
            "reasoning": self.reasoning,
            "findings": [[f["dimension"], f["text"]] for f in self.findings],
            "results": [
                {
                    "project": r["name"],
                    "result": r["result"],
                    "academic": r["academic"],
                    "non_academic": r["non_academic"],
                }
                for r in self.results
            ],
            "dissent": [
                {
                    "name": d["name"],
                    "project": d["project_name"],
                    "vote": d["vote"],
                    "reason": d["reason"],
                }
                for d in self.dissent
            ],
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        return hashlib.sha256(self.signed_content().encode("utf-8")).hexdigest()

    def valid_signatures(self):
        return self.signatures.filter(revision=self.revision, content_hash=self.content_hash)

    def result_for(self, project_id):
        for r in self.results:
            if r["project"] == project_id:
                return r["result"]
        return None


class Signature(models.Model):
    """A member's online signature of one revision of the opinion: who, when, from where, and the
    SHA-256 of the exact content signed. Never changed; a later revision voids it (已作废)."""

    opinion = models.ForeignKey(
        Opinion, verbose_name="鉴定意见", on_delete=models.PROTECT, related_name="signatures"
    )
    seat = models.ForeignKey(
        "appraisal.Seat",
        verbose_name="专家席位",
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    revision = models.PositiveIntegerField("所签版次")
    content_hash = models.CharField("所签内容摘要（SHA-256）", max_length=64)
    signed_at = models.DateTimeField("签署时间", default=timezone.now)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        verbose_name = "专家签名"
        verbose_name_plural = verbose_name
        ordering = ["opinion", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "seat", "revision"], name="one_signature_per_revision"
            )
        ]
        triggers = [
            pgtrigger.Protect(
                name="signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.seat.expert} 签署第{self.revision}版"

    def is_valid_for(self, opinion: Opinion) -> bool:
        return self.revision == opinion.revision and self.content_hash == opinion.content_hash


class Decision(models.Model):
    """类别确定: the bureau's category per project on the basis of the opinion (a different one only
    with a written reason), taking effect when the seal is applied (guide 七(四), 八(三))."""

    round = models.OneToOneField(
        "appraisal.Round", verbose_name="轮次", on_delete=models.PROTECT, related_name="decision"
    )
    # [{"project": id, "name": "", "opinion": "...", "category": "..."}]
    results = models.JSONField("各项目确定类别")
    reason = models.TextField("与专家组意见不同的理由", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确定人", on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("确定时间", default=timezone.now)
    stamped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="盖章人", on_delete=models.PROTECT, related_name="+"
    )
    stamped_at = models.DateTimeField("盖章时间", default=timezone.now)
    document = models.OneToOneField(
        "appraisal.IssuedDocument",
        verbose_name="附件2",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision",
    )

    class Meta:
        verbose_name = "鉴定类别确定"
        verbose_name_plural = verbose_name
        triggers = [pgtrigger.Protect(name="decision_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.round} 类别确定"

    @property
    def differs_from_opinion(self) -> bool:
        return any(r["category"] != r["opinion"] for r in self.results)
