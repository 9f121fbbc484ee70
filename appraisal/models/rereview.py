"""The re-review request (附件3 复审申请书, guide 七(五); docs/domain.md §复审)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

# What the institution declares when it files the request (guide 七(五): 如实填写).
DECLARATION_TEXT = (
    "本机构承诺：本申请书所填内容及所附材料真实、准确、完整，不存在隐瞒有关情况或者提供虚假材料等情形；"
    "如有不实，愿依照《昌吉州中小学生校外培训服务类别鉴定工作指南》九（二）承担相应责任，并纳入信用评价。"
)


class RereviewRequest(models.Model):
    """复审申请: one per case. Filed by the institution on a decided case within the time limit,
    then approved and forwarded by its county (with the county's opinion and seal on 附件3), or
    refused with written reasons; the prefecture records its receipt of a forwarded request."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待县（市）教育局审核"
        FORWARDED = "forwarded", "已批准并报送州教育局"
        REFUSED = "refused", "县（市）教育局不予批准"

    case = models.OneToOneField(
        "appraisal.Case",
        verbose_name="案件",
        on_delete=models.PROTECT,
        related_name="rereview_request",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default="requested")
    reasons = models.TextField("申请复审的理由")
    declaration = models.TextField("真实性声明")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    window_ends = models.DateField("申请期限", help_text="鉴定结论作出后的复审申请期限（含当日）")
    # The county's handling.
    county_opinion = models.TextField("县（市）教育局意见", blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField("审核时间", null=True, blank=True)
    document = models.OneToOneField(
        "appraisal.IssuedDocument",
        verbose_name="附件3",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rereview_request",
    )
    # The prefecture's receipt of the forwarded request.
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField("签收时间", null=True, blank=True)
    receipt_note = models.CharField("签收说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "复审申请"
        verbose_name_plural = verbose_name
        ordering = ["-requested_at"]
        triggers = [
            pgtrigger.Protect(name="rereview_request_never_deleted", operation=pgtrigger.Delete)
        ]

    def __str__(self):
        return f"{self.case.number} 复审申请"

    @property
    def is_refused(self) -> bool:
        return self.status == self.Status.REFUSED

    @property
    def is_received(self) -> bool:
        return self.received_at is not None
