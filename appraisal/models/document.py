"""Issued documents: rendered once at issue time, stored with their hash, served as stored."""

import secrets
import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone


class SerialCounter(models.Model):
    """The last serial number handed out per bureau, year and kind (locked when incremented)."""

    bureau = models.ForeignKey("portal.Bureau", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号计数器"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "year", "kind"], name="one_counter_per_bureau_year_kind"
            )
        ]

    def __str__(self):
        return f"{self.bureau_id}/{self.year}/{self.kind}: {self.last}"

    @classmethod
    def next_value(cls, bureau, year: int, kind: str) -> int:
        """The next number; call inside a transaction so the row lock holds until commit."""
        cls.objects.get_or_create(bureau=bureau, year=year, kind=kind)
        counter = cls.objects.select_for_update().get(bureau=bureau, year=year, kind=kind)
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last


def document_upload_to(instance, filename):
    return f"documents/{instance.case_id}/{uuid.uuid4().hex}.pdf"


def new_verification_code() -> str:
    return secrets.token_hex(8).upper()


class IssuedDocument(models.Model):
    """A document the bureau issued (notices, 附件1–3), exactly as issued."""

    class Kind(models.TextChoices):
        ACCEPTANCE_NOTICE = "acceptance_notice", "受理通知书"
        RETURN_NOTICE = "return_notice", "补正材料通知书"
        REFUSAL_NOTICE = "refusal_notice", "不予受理通知书"
        SHEET = "sheet", "鉴定指标评分表"
        OPINION = "opinion", "鉴定意见书"
        REREVIEW = "rereview", "复审申请书"

    # The word in the serial number of each kind, e.g. 昌市教鉴受〔2026〕0001号.
    SERIAL_WORDS = {
        Kind.ACCEPTANCE_NOTICE: "鉴受",
        Kind.RETURN_NOTICE: "鉴补",
        Kind.REFUSAL_NOTICE: "鉴不受",
        Kind.SHEET: "鉴评",
        Kind.OPINION: "鉴",
        Kind.REREVIEW: "鉴复",
    }

    case = models.ForeignKey(
        "appraisal.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="documents"
    )
    round = models.ForeignKey(
        "appraisal.Round",
        verbose_name="轮次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    kind = models.CharField("文书类别", max_length=30, choices=Kind.choices)
    bureau = models.ForeignKey(
        "portal.Bureau", verbose_name="出具单位", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    serial = models.CharField("文书编号", max_length=60, unique=True)
    file = models.FileField("文件", upload_to=document_upload_to, max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    verification_code = models.CharField(
        "核验码", max_length=32, unique=True, default=new_verification_code
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("出具时间", default=timezone.now)
    is_signed = models.BooleanField("带数字签名", default=False)
    signer = models.CharField("签名证书主体", max_length=200, blank=True)
    # What the public verification page may show (docs/domain.md §文书): written at issue time, never
    # private.
    public_summary = models.JSONField("公开核验信息", default=dict, blank=True)

    class Meta:
        verbose_name = "出具文书"
        verbose_name_plural = verbose_name
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "year", "kind", "sequence"], name="one_serial_per_kind"
            )
        ]
        # An issued document stays exactly as issued (PostgreSQL refuses any change).
        triggers = [
            pgtrigger.Protect(
                name="issued_document_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.serial}"

    @property
    def title(self) -> str:
        return self.public_summary.get("title") or self.get_kind_display()

    @property
    def filename(self) -> str:
        return f"{self.get_kind_display()}-{self.serial}.pdf"
