"""Jurisdictions, subjects and accounts: the data every other app hangs from.

Jurisdictions and subjects are data loaded from a fixture (fixtures/changji.json), so that another
prefecture runs the portal by loading its own.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import UserObjectPermissionBase


class Bureau(models.Model):
    """教育局: the prefecture's bureau or one of its county-level bureaus."""

    class Level(models.TextChoices):
        PREFECTURE = "prefecture", "州（市）级"
        COUNTY = "county", "县（市）级"

    code = models.CharField("行政区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=60, help_text="行政区名称，如：昌吉市")
    bureau_name = models.CharField("教育局全称", max_length=80, help_text="如：昌吉市教育局")
    short_name = models.CharField(
        "文号简称", max_length=8, help_text="用于文书编号，如“昌市”得“昌市鉴〔2026〕0001号”"
    )
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField("地址", max_length=120, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "教育局（辖区）"
        verbose_name_plural = verbose_name
        ordering = ["order", "code"]
        # 印章保管: granted per bureau (``SealCustody``), never as a global permission.
        permissions = [("apply_seal", "保管并使用本局印章（确定类别并盖章）")]

    def __str__(self):
        return self.bureau_name

    @property
    def is_prefecture(self) -> bool:
        return self.level == self.Level.PREFECTURE

    @property
    def prefecture(self) -> "Bureau":
        return self if self.is_prefecture or self.parent is None else self.parent


class Subject(models.Model):
    """A subject or non-academic area, after the 2021 national notice on the two categories."""

    class Category(models.TextChoices):
        ACADEMIC = "academic", "学科类"
        NON_ACADEMIC = "non_academic", "非学科类"

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=40)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "学科或领域"
        verbose_name_plural = verbose_name
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """An account. The role decides the home page and, with the bureau or institution, what it sees."""

    class Role(models.TextChoices):
        INSTITUTION = "institution", "机构用户"
        COUNTY = "county", "县（市）教育局"
        PREFECTURE = "prefecture", "州教育局"
        EXPERT = "expert", "鉴定专家"
        SUPERVISOR = "supervisor", "监督人"
        ADMIN = "admin", "系统管理员"

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.INSTITUTION)
    full_name = models.CharField("姓名", max_length=40, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    bureau = models.ForeignKey(
        Bureau,
        verbose_name="所属教育局",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="县（市）、州教育局工作人员及监督人所属单位",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = verbose_name

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_institution_user(self) -> bool:
        return self.role == self.Role.INSTITUTION

    @property
    def is_county_staff(self) -> bool:
        return self.role == self.Role.COUNTY

    @property
    def is_prefecture_staff(self) -> bool:
        return self.role == self.Role.PREFECTURE

    @property
    def is_bureau_staff(self) -> bool:
        return self.role in (self.Role.COUNTY, self.Role.PREFECTURE)

    @property
    def is_expert(self) -> bool:
        return self.role == self.Role.EXPERT


class Notification(models.Model):
    """A message to one user about a case: what happened, or what they must do. Never deleted."""

    recipient = models.ForeignKey(
        User, verbose_name="接收人", on_delete=models.PROTECT, related_name="notifications"
    )
    subject = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    case = models.ForeignKey(
        "appraisal.Case",
        verbose_name="案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.CharField(
        "去重键",
        max_length=120,
        blank=True,
        help_text="同一接收人、同一事由只通知一次（如每日提醒）",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = verbose_name
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="one_notification_per_key",
            )
        ]

    def __str__(self):
        return self.subject


def jurisdiction(bureau_id) -> list[int]:
    """The bureau and the counties under it. A list of ids (one small query): ``bureau_id IN
    (1, 2, …)`` lets PostgreSQL use the indexes that lead with the bureau, where a join on the
    parent, or even a subquery, makes it read every case of the country (benchmarks/EXPLAIN.md)."""
    return list(
        Bureau.objects.filter(Q(pk=bureau_id) | Q(parent_id=bureau_id)).values_list("pk", flat=True)
    )


SEAL = "portal.apply_seal"


class SealCustody(UserObjectPermissionBase):
    """印章保管: a clerk the admin entrusted with one bureau's seal, who may decide the category and
    stamp the opinion of that bureau's rounds (guide 七(四), 八(三)). A django-guardian object
    permission with its own foreign key to the bureau (the generic table is slow at scale)."""

    content_object = models.ForeignKey(
        Bureau, verbose_name="教育局", on_delete=models.CASCADE, related_name="seal_custody"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "印章保管人"
        verbose_name_plural = verbose_name
        unique_together = [("user", "permission", "content_object")]

    def __str__(self):
        return f"{self.content_object} · {self.user}"


class CreditEntry(models.Model):
    """A credit entry of guide 九: what the bureau found (its kind, the facts and reasons, the
    evidence, the case it concerns), by whom and when; kept for good, never changed or deleted.
    An expert's record (``experts.ExpertCreditRecord``, 九(三)) and an institution's mark
    (``institutions.InstitutionCreditMark``, 九(二)) are the two kinds; each names its own
    ``kind`` choices and its subject."""

    kind = models.CharField("情形", max_length=20)
    reason = models.TextField("事实与理由", max_length=2000)  # the form's limit, not the column's
    evidence = models.TextField("证据", max_length=2000, help_text="证据名称、来源，或相关文书编号")
    case_number = models.CharField("相关案件编号", max_length=40, blank=True)
    bureau = models.ForeignKey(
        Bureau, verbose_name="记录单位", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-id"]
