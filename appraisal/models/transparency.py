"""The public transparency log (透明日志) of draws and issued documents (docs/draw-spec.md §9).

Every draw record and every issued document gets one entry, written in the transaction that
makes the draw or issues the document. Each entry is chained to the one before by hash, and each
day's head (the number of entries and the last entry's hash) is signed with the prefecture's key.
A draw run twice, or a document issued off the books, cannot then be hidden without breaking the
chain or the signed heads. Nothing personal is entered: case numbers, document serials, hashes.
Both tables are append-only (PostgreSQL triggers refuse any change or deletion).
"""

import pgtrigger
from django.db import models
from django.utils import timezone


class LogEntry(models.Model):
    """One entry of the transparency log: a draw record's or an issued document's SHA-256."""

    class Kind(models.TextChoices):
        DRAW = "draw", "专家抽取记录"
        DOCUMENT = "document", "出具文书"

    seq = models.PositiveBigIntegerField("序号", unique=True)
    at = models.DateTimeField("登记时间", default=timezone.now)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    ref = models.CharField("登记对象", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    prev_hash = models.CharField("前一条的链哈希", max_length=64)
    hash = models.CharField("链哈希", max_length=64, unique=True)
    draw = models.OneToOneField(
        "appraisal.Draw",
        verbose_name="抽取记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="log_entry",
    )
    document = models.OneToOneField(
        "appraisal.IssuedDocument",
        verbose_name="出具文书",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="log_entry",
    )

    class Meta:
        verbose_name = "透明日志条目"
        verbose_name_plural = verbose_name
        ordering = ["seq"]
        triggers = [
            pgtrigger.Protect(
                name="log_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"#{self.seq} {self.get_kind_display()} {self.ref}"


class LogHead(models.Model):
    """The signed head of the log at the end of a day: how many entries, and the last one's hash."""

    day = models.DateField("日期", unique=True)
    size = models.PositiveBigIntegerField("条目数")
    root = models.CharField("最后一条的链哈希", max_length=64)
    signer = models.CharField("签名单位（行政区划代码）", max_length=12)
    certificate_sha256 = models.CharField("签名证书 SHA-256 指纹", max_length=64)
    signature = models.TextField("签名（DER，Base64）")
    signed_at = models.DateTimeField("签名时间", default=timezone.now)

    class Meta:
        verbose_name = "透明日志每日签名"
        verbose_name_plural = verbose_name
        ordering = ["-day"]
        triggers = [
            pgtrigger.Protect(
                name="log_head_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.day:%Y-%m-%d}：{self.size} 条"
