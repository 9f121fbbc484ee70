"""Seal images per bureau (guide 八(三); docs/domain.md §确定类别与盖章): uploaded by the admin,
history kept, never deleted."""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone


def seal_upload_to(instance, filename):
    return f"seals/{instance.bureau_id}/{uuid.uuid4().hex}.png"


class BureauSeal(models.Model):
    """印章图片: the image stamped on the bureau's documents. One active per bureau; old ones kept."""

    bureau = models.ForeignKey(
        "portal.Bureau", verbose_name="教育局", on_delete=models.PROTECT, related_name="seals"
    )
    image = models.FileField("印章图片（PNG，透明背景）", upload_to=seal_upload_to, max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    is_active = models.BooleanField("启用", default=True)
    is_generated = models.BooleanField("系统生成（演示）", default=False, editable=False)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "印章图片"
        verbose_name_plural = verbose_name
        ordering = ["bureau", "-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau"],
                condition=models.Q(is_active=True),
                name="one_active_seal_per_bureau",
            )
        ]

    def __str__(self):
        state = "启用" if self.is_active else "停用"
        return f"{self.bureau} 印章（{state}，{timezone.localtime(self.uploaded_at):%Y-%m-%d}）"

    def save(self, *args, **kwargs):
        """Activating a seal retires the bureau's other seals, in the same transaction."""
        with transaction.atomic():
            if self.is_active:
                BureauSeal.objects.filter(bureau_id=self.bureau_id, is_active=True).exclude(
                    pk=self.pk
                ).update(is_active=False)
            super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # "One active seal per bureau" is kept by save(), which retires the others first; a form
        # activating a new seal must not be refused for the old one still being active.
        exclude = set(exclude or ()) | ({"bureau"} if self.is_active else set())
        super().validate_constraints(exclude=exclude)

    @classmethod
    def active_for(cls, bureau) -> "BureauSeal | None":
        if bureau is None or bureau.pk is None:
            return None
        return cls.objects.filter(bureau_id=bureau.pk, is_active=True).first()
