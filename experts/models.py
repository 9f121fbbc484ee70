"""The expert pool (鉴定专家库, guide 五): profiles, declared ties and credit records.

Each pool belongs to a bureau: the prefecture keeps its own, each county keeps its county's.
"""

from datetime import date, timedelta

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import CreditEntry


class Expert(models.Model):
    """鉴定专家: a frontline education expert or a legal professional, with a login account."""

    class TitleLevel(models.TextChoices):
        # Guide 五(三): an intermediate professional title or above; nothing lower is accepted.
        INTERMEDIATE = "intermediate", "中级"
        VICE_SENIOR = "vice_senior", "副高级"
        SENIOR = "senior", "正高级"

    class Category(models.TextChoices):
        EDUCATION = "education", "教育教学专家"
        LEGAL = "legal", "法律专业人士"

    class Status(models.TextChoices):
        ACTIVE = "active", "在库"
        SUSPENDED = "suspended", "暂停"
        RETIRED = "retired", "退出"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账户",
        on_delete=models.PROTECT,
        related_name="expert_profile",
        limit_choices_to={"role": "expert"},
    )
    name = models.CharField("姓名", max_length=40)
    employer = models.CharField("工作单位", max_length=100)
    title = models.CharField("专业技术职称", max_length=60, help_text="如：中学高级教师、律师")
    title_level = models.CharField("职称等级", max_length=20, choices=TitleLevel.choices)
    category = models.CharField("专家类别", max_length=20, choices=Category.choices)
    subjects = models.ManyToManyField(
        "portal.Subject", verbose_name="擅长学科或领域", related_name="experts", blank=True
    )
    pool = models.ForeignKey(
        "portal.Bureau",
        verbose_name="所属专家库",
        on_delete=models.PROTECT,
        related_name="experts",
        help_text="州教育局专家库或某县（市）教育局专家库",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    phone = models.CharField("手机号码", max_length=20, unique=True)
    email = models.EmailField("电子邮箱", blank=True)
    # Guide 五(五) and the national guidance: neither the expert nor a close relative has ever been
    # employed or worked part-time at an out-of-school training institution.
    declares_no_training_work = models.BooleanField(
        "本人及近亲属从未在校外培训机构任职或兼职", default=False
    )
    # Guide 五(四): a legal expert understands administrative law.
    knows_administrative_law = models.BooleanField("熟悉行政管理法律法规", default=False)
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("入库时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "鉴定专家"
        verbose_name_plural = verbose_name
        ordering = ["pool", "name", "id"]
        indexes = [
            models.Index(fields=["pool", "status"]),
            # The legal experts of a pool (a draw with a legal seat).
            models.Index(fields=["pool", "category"], name="expert_pool_category"),
        ]
        triggers = [pgtrigger.Protect(name="expert_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return self.name

    def eligibility_problems(self) -> list[str]:
        """What stops the expert from being drawn by the guide's conditions (五), in words."""
        problems = []
        if self.title_level not in self.TitleLevel.values:
            problems.append("职称等级须为中级及以上")
        if not self.declares_no_training_work:
            problems.append("未声明本人及近亲属从未在校外培训机构任职或兼职")
        if self.category == self.Category.LEGAL and not self.knows_administrative_law:
            problems.append("法律专业人士须熟悉行政管理法律法规")
        if self.pk and self.ties.filter(kind=ExpertTie.Kind.EMPLOYMENT).exists():
            # 五（五）: never a (part-time) post at a training institution, whenever it was.
            problems.append("登记有在校外培训机构任职或兼职的关联关系（指南五（五））")
        return problems

    @property
    def is_eligible(self) -> bool:
        return not self.eligibility_problems()


class ExpertTie(models.Model):
    """A tie to an institution, declared by the expert (or recorded by the bureau) in advance.

    A tie inside its recusal window (回避, guide 六(二); docs/domain.md §回避与独立性) excludes the
    expert from that institution's cases: employment or a close relative's, less than 5 years ago;
    advice in the last 3 years; a financial interest or any other declared tie, always.
    """

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", "本人在该机构或其关联公司任职、兼职"
        FAMILY = "family", "近亲属在该机构任职或为其负责人"
        CONSULTANCY = "consultancy", "为该机构提供咨询、有偿讲座等服务"
        FINANCIAL = "financial", "在该机构有财务利益（出资、持股等）"
        OTHER = "other", "其他关联关系"

    # Years after the tie ended during which it still excludes; None: it always excludes.
    RECUSAL_YEARS = {
        Kind.EMPLOYMENT: 5,
        Kind.FAMILY: 5,
        Kind.CONSULTANCY: 3,
        Kind.FINANCIAL: None,
        Kind.OTHER: None,
    }

    expert = models.ForeignKey(
        Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="ties"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name="关联机构",
        on_delete=models.PROTECT,
        related_name="expert_ties",
    )
    kind = models.CharField("关联类型", max_length=20, choices=Kind.choices)
    started_on = models.DateField("开始日期", null=True, blank=True)
    ended_on = models.DateField("结束日期", null=True, blank=True, help_text="仍在持续的请留空")
    note = models.CharField("说明", max_length=200, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "专家关联关系"
        verbose_name_plural = verbose_name
        ordering = ["expert", "-declared_at"]
        indexes = [models.Index(fields=["institution", "expert"])]
        triggers = [pgtrigger.Protect(name="expert_tie_never_deleted", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"{self.expert} — {self.institution}：{self.get_kind_display()}"

    def excludes_on(self, day: date) -> bool:
        """Whether the tie still excludes the expert on this day."""
        return tie_excludes(self.kind, self.ended_on, day)


def tie_excludes(kind: str, ended_on: date | None, day: date) -> bool:
    """A tie of this kind, ended on this date (None: ongoing), excludes the expert on ``day``."""
    years = ExpertTie.RECUSAL_YEARS[ExpertTie.Kind(kind)]
    return years is None or ended_on is None or ended_on >= recusal_start(years, day)


def excluding_ties_sql(institution_id: int, day: date, connection) -> tuple[str, list]:
    """``SELECT expert_id`` of the ties with the institution that exclude on ``day``
    (``tie_excludes``, for the database): written out for the draw's screening statement."""
    branches, params = ["ended_on IS NULL"], [institution_id]
    for kind, years in ExpertTie.RECUSAL_YEARS.items():
        if years is None:
            branches.append("kind = %s")
            params.append(kind.value)
        else:
            branches.append("(kind = %s AND ended_on >= %s)")
            start = recusal_start(years, day)
            params += [kind.value, connection.ops.adapt_datefield_value(start)]
    sql = (
        f"SELECT expert_id FROM {ExpertTie._meta.db_table} "
        f"WHERE institution_id = %s AND ({' OR '.join(branches)})"
    )
    return sql, params


def recusal_end(ended_on: date, years: int) -> date:
    """The first day a tie that ended on ``ended_on`` no longer excludes: ``years`` later."""
    try:
        return ended_on.replace(year=ended_on.year + years)
    except ValueError:  # 29 February
        return ended_on.replace(year=ended_on.year + years, day=28)


def recusal_start(years: int, day: date) -> date:
    """The earliest end date of a tie that still excludes on ``day``: a tie excludes while
    ``day < recusal_end(ended_on, years)``, and that end moves with ``ended_on``, so the ties
    ending on or after this date are exactly those still inside their window. Counting back
    ``years`` from ``day`` never overshoots (29 February ends on the 28th); a day or two more may
    still be needed."""
    try:
        start = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        start = day.replace(year=day.year - years, day=28)
    while recusal_end(start, years) <= day:
        start += timedelta(days=1)
    return start


class ExpertCreditRecord(CreditEntry):
    """专家信用管理记录 (guide 九(三)): misconduct that ends the expert's engagement for good.

    An expert with any record is never drawn again. Records are never deleted.
    """

    class Kind(models.TextChoices):
        NEGLECT = "neglect", "玩忽职守"
        ABUSE = "abuse", "滥用职权"
        FAVOURITISM = "favouritism", "营私舞弊"
        OTHER = "other", "其他妨碍鉴定结果公正性的行为"

    expert = models.ForeignKey(
        Expert, verbose_name="专家", on_delete=models.PROTECT, related_name="credit_records"
    )
    kind = models.CharField("情形", max_length=20, choices=Kind.choices)

    class Meta(CreditEntry.Meta):
        verbose_name = "专家信用管理记录"
        verbose_name_plural = verbose_name
        triggers = [
            pgtrigger.Protect(
                name="expert_credit_record_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self):
        return f"{self.expert}：{self.get_kind_display()}"
