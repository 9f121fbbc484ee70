"""Training institutions and their training projects."""

import pgtrigger
from django.db import models

from portal.models import CreditEntry

from .validators import validate_phone, validate_uscc


class Institution(models.Model):
    """校外培训机构: the applicant of an appraisal."""

    class Served(models.TextChoices):
        COMPULSORY = "compulsory", "义务教育阶段学生"
        PRESCHOOL = "preschool", "3至6岁学龄前儿童"
        BOTH = "both", "义务教育阶段学生及学龄前儿童"

    name = models.CharField("机构名称", max_length=100)
    credit_code = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc]
    )
    licence_no = models.CharField(
        "办学许可证号", max_length=60, blank=True, help_text="审批中可暂不填写"
    )
    county = models.ForeignKey(
        "portal.Bureau",
        verbose_name="所在县（市）",
        on_delete=models.PROTECT,
        related_name="institutions",
        limit_choices_to={"level": "county"},
    )
    address = models.CharField("办学地址", max_length=200)
    legal_representative = models.CharField("法定代表人", max_length=40)
    contact_name = models.CharField("联系人", max_length=40)
    contact_phone = models.CharField("联系电话", max_length=20, validators=[validate_phone])
    students_served = models.CharField(
        "培训对象", max_length=20, choices=Served.choices, default=Served.COMPULSORY
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "培训机构"
        verbose_name_plural = verbose_name
        ordering = ["name"]
        indexes = [models.Index(fields=["county", "name"])]

    def __str__(self):
        return self.name


class TrainingProject(models.Model):
    """培训项目: what an application asks to be appraised."""

    class Mode(models.TextChoices):
        OFFLINE = "offline", "线下"
        ONLINE = "online", "线上"
        BOTH = "both", "线上线下结合"

    institution = models.ForeignKey(
        Institution, verbose_name="机构", on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField("项目名称", max_length=100)
    subjects = models.ManyToManyField(
        "portal.Subject", verbose_name="涉及学科或领域", related_name="projects"
    )
    grades = models.CharField(
        "面向年级或年龄", max_length=60, help_text="如：小学三至六年级，或 4—6 岁"
    )
    mode = models.CharField("培训形式", max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    description = models.TextField("项目简介", help_text="培训目标、主要内容、组织方式、评价方式等")
    is_active = models.BooleanField("在办", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "培训项目"
        verbose_name_plural = verbose_name
        ordering = ["institution", "name"]

    def __str__(self):
        return self.name

    def held_cases(self):
        """The applications naming this project that a bureau holds or has held: submitted and
        not back in draft for 补正. What the experts appraise and the documents name is the project
        as submitted, so while any such case exists only its 在办 mark may change; an institution
        that changes the project registers a new one."""
        return self.cases.filter(held_condition())


def held_condition(prefix: str = "") -> models.Q:
    """Of a case (``prefix`` leads to it): submitted, and not back in draft for 补正."""
    return models.Q(**{f"{prefix}submitted_at__isnull": False}) & ~models.Q(
        **{f"{prefix}state": "draft"}
    )


class InstitutionCreditMark(CreditEntry):
    """信用评价记录 (guide 九(二)): the institution hid facts or submitted false material.

    Shown to bureau staff on the institution and on each of its cases; never deleted.
    """

    class Kind(models.TextChoices):
        CONCEALMENT = "concealment", "隐瞒有关情况"
        FALSE_MATERIAL = "false_material", "提供虚假材料"
        OTHER = "other", "其他干扰专家鉴定的行为"

    institution = models.ForeignKey(
        Institution, verbose_name="机构", on_delete=models.PROTECT, related_name="credit_marks"
    )
    kind = models.CharField("情形", max_length=20, choices=Kind.choices)

    class Meta(CreditEntry.Meta):
        verbose_name = "机构信用评价记录"
        verbose_name_plural = verbose_name
        triggers = [
            pgtrigger.Protect(
                name="institution_credit_mark_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self):
        return f"{self.institution}：{self.get_kind_display()}"
