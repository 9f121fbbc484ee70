"""The rule that suggests a category from the signs an expert ticked (附件1, guide 七(三); the guide
states no rule: docs/domain.md §鉴定指标与类别规则). Pure: no queries.

The rule (Shanghai's, the strictest and clearest, after the national guidance which weighs the
dimensions together):

1. 学科类 when any 学科类 sign is ticked, on any dimension, whatever else is ticked.
2. 非学科类 only when no 学科类 sign is ticked and every dimension of the template has at least
   one 非学科类 sign ticked ("fully matches the 非学科类 signs on every dimension").
3. Otherwise (no 学科类 sign, but some dimension has nothing ticked) the signs do not settle it:
   the suggestion is *undetermined* (category None), and the project is managed as 学科类 until the
   result (Hainan's practice, docs/domain.md §鉴定指标与类别规则); ``managed_as`` says so.

The expert decides; the form only shows the suggestion and its reason.
"""

from collections.abc import Iterable
from dataclasses import dataclass

ACADEMIC = "academic"
NON_ACADEMIC = "non_academic"
LABELS = {ACADEMIC: "学科类", NON_ACADEMIC: "非学科类"}


@dataclass(frozen=True)
class Suggestion:
    """The category the ticked signs suggest (None: undetermined), and why, in Chinese."""

    category: str | None
    reason: str
    academic_dimensions: tuple = ()
    unmatched_dimensions: tuple = ()

    @property
    def managed_as(self) -> str:
        """How the project is treated until the result: undetermined counts as 学科类."""
        return self.category or ACADEMIC

    @property
    def label(self) -> str:
        return LABELS[self.category] if self.category else "尚不能认定"


def _key_and_category(sign):
    """(dimension key, category) of a sign given as an IndicatorSign, a dict or a pair."""
    if isinstance(sign, tuple):
        return sign
    if isinstance(sign, dict):
        return sign["dimension"], sign["category"]
    return sign.dimension_id, sign.category


def suggest_category(ticked_signs: Iterable, dimensions: Iterable) -> Suggestion:
    """The rule's suggestion for one project.

    ``ticked_signs``: the ticked signs, each an ``IndicatorSign`` (its ``dimension_id`` and
    ``category`` are read), a dict ``{"dimension": key, "category": ...}`` or a pair
    ``(dimension key, category)``. ``dimensions``: every dimension of the template the sheet is
    filled on, as the same keys (ids, or ``(id, name)`` pairs to name them in the reason).
    """
    names = {}
    keys = []
    for d in dimensions:
        key, name = d if isinstance(d, tuple) else (d, str(d))
        keys.append(key)
        names[key] = name
    if not keys:
        raise ValueError("指标模板没有维度。")
    academic, non_academic = [], set()
    for sign in ticked_signs:
        key, category = _key_and_category(sign)
        if key not in names:
            raise ValueError(f"所勾选的特征不属于本指标模板的维度：{key}")
        if category == ACADEMIC:
            if key not in academic:
                academic.append(key)
        elif category == NON_ACADEMIC:
            non_academic.add(key)
        else:
            raise ValueError(f"未知的特征类别：{category}")
    if academic:
        listed = "、".join(names[k] for k in keys if k in academic)
        return Suggestion(
            ACADEMIC,
            f"在“{listed}”维度勾选了学科类特征；任一维度表现出学科类特征的，为学科类。",
            academic_dimensions=tuple(k for k in keys if k in academic),
        )
    unmatched = tuple(k for k in keys if k not in non_academic)
    if not unmatched:
        return Suggestion(NON_ACADEMIC, "各维度均只勾选了非学科类特征，符合非学科类的全部维度。")
    listed = "、".join(names[k] for k in unmatched)
    return Suggestion(
        None,
        f"未勾选学科类特征，但“{listed}”维度未勾选非学科类特征，尚不能认定为非学科类；"
        "鉴定结果确定前按学科类管理。",
        unmatched_dimensions=unmatched,
    )
