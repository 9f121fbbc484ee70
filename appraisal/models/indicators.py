"""The appraisal indicators (附件1) as data: a versioned template of dimensions and their signs.

The guide names 附件1 without reproducing it (docs/domain.md §鉴定指标与类别规则): the national
classification guidance (教监管厅函〔2021〕16号) weighs four dimensions together and lists the
signs of 学科类 training; provincial guides list the signs of 非学科类. A review keeps the version
it was filled on, so a published version is never edited: the admin copies it into a new draft
version, which is edited and then published in its place.
"""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone


class PublishedTemplateError(ValidationError):
    """An edit of a published (hence possibly used) version of the indicators."""


class IndicatorTemplate(models.Model):
    """鉴定指标模板: one version of the indicators; published versions are frozen."""

    name = models.CharField("名称", max_length=100)
    version = models.PositiveIntegerField("版本号", default=1)
    is_active = models.BooleanField(
        "现行版本", default=False, help_text="新的评分表使用现行版本；同时只有一个现行版本"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    basis = models.TextField(
        "制定依据", blank=True, help_text="如：教育部《义务教育阶段校外培训项目分类鉴别指南》"
    )
    rule = models.TextField(
        "判定规则说明", blank=True, help_text="印在评分表上，说明依勾选特征提示类别的规则"
    )
    derived_from = models.ForeignKey(
        "self",
        verbose_name="由此版本复制",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "鉴定指标模板"
        verbose_name_plural = verbose_name
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_indicator_version"),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_indicator_template",
            ),
        ]

    def __str__(self):
        state = "已发布" if self.is_published else "草稿"
        return f"{self.name}（第{self.version}版，{state}）"

    def save(self, *args, **kwargs):
        if self.pk and self.is_published:
            stored = IndicatorTemplate.objects.filter(pk=self.pk).values(
                "name", "version", "basis", "rule", "published_at"
            )
            stored = stored.first()
            if stored and stored["published_at"] is not None:
                changed = [
                    f for f in ("name", "version", "basis", "rule") if stored[f] != getattr(self, f)
                ]
                if changed:
                    raise PublishedTemplateError("已发布的指标版本不能修改，请复制为新版本后修改。")
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @classmethod
    def current(cls) -> "IndicatorTemplate | None":
        """The version new review sheets are filled on."""
        return cls.objects.filter(is_active=True, published_at__isnull=False).first()

    def dimensions_with_signs(self):
        """The dimensions in order, each with ``academic_signs`` and ``non_academic_signs``."""
        dimensions = list(self.dimensions.prefetch_related("signs").order_by("order", "id"))
        for d in dimensions:
            signs = sorted(d.signs.all(), key=lambda s: (s.order, s.id))
            d.academic_signs = [s for s in signs if s.category == IndicatorSign.Category.ACADEMIC]
            d.non_academic_signs = [
                s for s in signs if s.category == IndicatorSign.Category.NON_ACADEMIC
            ]
        return dimensions

    @transaction.atomic
    def publish(self):
        """Freeze this version and make it the current one (the previous stays, frozen)."""
        if self.is_published:
            raise PublishedTemplateError("该版本已发布。")
        if not self.dimensions.exists():
            raise ValidationError("指标模板至少需要一个维度。")
        for d in self.dimensions.all():
            categories = set(d.signs.values_list("category", flat=True))
            if categories != set(IndicatorSign.Category.values):
                raise ValidationError(
                    f"维度“{d.name}”须同时列出学科类特征和非学科类特征后才能发布。"
                )
        IndicatorTemplate.objects.filter(is_active=True).exclude(pk=self.pk).update(is_active=False)
        IndicatorTemplate.objects.filter(pk=self.pk).update(
            is_active=True, published_at=timezone.now()
        )
        self.refresh_from_db()

    @transaction.atomic
    def copy_as_new_version(self) -> "IndicatorTemplate":
        """A draft copy with the next version number, to be edited and published."""
        last = IndicatorTemplate.objects.filter(name=self.name).order_by("-version").first().version
        copy = IndicatorTemplate.objects.create(
            name=self.name,
            version=last + 1,
            basis=self.basis,
            rule=self.rule,
            derived_from=self,
        )
        for d in self.dimensions.order_by("order", "id"):
            new_d = IndicatorDimension.objects.create(
                template=copy, code=d.code, name=d.name, order=d.order, description=d.description
            )
            IndicatorSign.objects.bulk_create(
                IndicatorSign(dimension=new_d, category=s.category, text=s.text, order=s.order)
                for s in d.signs.order_by("order", "id")
            )
        return copy


def _refuse_if_published(template_id):
    if IndicatorTemplate.objects.filter(pk=template_id, published_at__isnull=False).exists():
        raise PublishedTemplateError("已发布的指标版本不能修改，请复制为新版本后修改。")


class IndicatorDimension(models.Model):
    """鉴定维度: 培训目的, 培训内容, 培训方式, 结果评价 (and, where wanted, a fifth such as 师资)."""

    template = models.ForeignKey(
        IndicatorTemplate,
        verbose_name="指标模板",
        on_delete=models.PROTECT,
        related_name="dimensions",
    )
    code = models.SlugField("代码", max_length=30, help_text="如 purpose、content、method")
    name = models.CharField("维度名称", max_length=40)
    description = models.CharField("说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "鉴定维度"
        verbose_name_plural = verbose_name
        ordering = ["template", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="one_dimension_code")
        ]

    def __str__(self):
        return f"{self.name}（{self.template.name} 第{self.template.version}版）"

    def save(self, *args, **kwargs):
        _refuse_if_published(self.template_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_published(self.template_id)
        return super().delete(*args, **kwargs)


class IndicatorSign(models.Model):
    """One sign (特征) of a dimension that shows a project is 学科类 or 非学科类."""

    class Category(models.TextChoices):
        ACADEMIC = "academic", "学科类"
        NON_ACADEMIC = "non_academic", "非学科类"

    dimension = models.ForeignKey(
        IndicatorDimension, verbose_name="维度", on_delete=models.PROTECT, related_name="signs"
    )
    category = models.CharField("指向类别", max_length=20, choices=Category.choices)
    text = models.CharField("特征表述", max_length=300)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "鉴定特征"
        verbose_name_plural = verbose_name
        ordering = ["dimension", "category", "order", "id"]

    def __str__(self):
        return f"[{self.get_category_display()}] {self.text}"

    def save(self, *args, **kwargs):
        _refuse_if_published(
            IndicatorDimension.objects.filter(pk=self.dimension_id)
            .values_list("template_id", flat=True)
            .first()
        )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_published(self.dimension.template_id)
        return super().delete(*args, **kwargs)
