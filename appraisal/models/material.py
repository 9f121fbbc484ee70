"""Application materials (guide 七(二)): versioned files, never overwritten or deleted."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class MaterialKind(models.TextChoices):
    COURSE_SCHEME = "course_scheme", "培训课程方案"
    TEXTBOOK = "textbook", "正在使用的教材"
    SUPPLEMENTARY = "supplementary", "教辅材料"
    SYLLABUS = "syllabus", "教学大纲"
    TEACHING_PLAN = "teaching_plan", "教学计划"
    SCHEDULE = "schedule", "进度安排"
    LESSON_PLANS = "lesson_plans", "课时教案"
    ASSESSMENT_PLAN = "assessment_plan", "评价方案"
    OTHER = "other", "其他相关材料"


def material_upload_to(instance, filename):
    """A stored name the uploader cannot choose: case/uuid, keeping no part of the file name."""
    return f"materials/{instance.case_id}/{uuid.uuid4().hex}"


class Material(models.Model):
    """One uploaded file. A new version points to the one it replaces; both are kept."""

    case = models.ForeignKey(
        "appraisal.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="materials"
    )
    kind = models.CharField("材料类别", max_length=30, choices=MaterialKind.choices)
    version = models.PositiveSmallIntegerField("版本", default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name="替换的旧版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    file = models.FileField("文件", upload_to=material_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=120)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    # Set for the supporting material of a re-review request (附件3), empty for the application's.
    rereview = models.ForeignKey(
        "appraisal.RereviewRequest",
        verbose_name="复审申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
    )

    class Meta:
        verbose_name = "申报材料"
        verbose_name_plural = verbose_name
        ordering = ["kind", "uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.original_name}（第{self.version}版）"

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "replaced_by")
