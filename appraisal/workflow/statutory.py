"""The holidays the law fixes every year, for a year whose official schedule is not yet known.

全国年节及纪念日放假办法 (as amended in 2024), article 2: 元旦 1 day (1 January), 春节 4 days
(农历除夕 and 正月初一 to 初三), 清明节 1 day, 劳动节 2 days (1–2 May), 端午节 1 day, 中秋节 1 day,
国庆节 3 days (1–3 October). The lunar dates (and 清明, a solar term) come from the ``holidays``
package, which implements this article; only these 13 days are taken from it, never its estimate
of the days the State Council will add (a 补假 for a holiday on a weekend, days bridged by
调休): which weekday is given, and which weekend is worked instead, is known only from the notice.
"""

from collections import Counter
from datetime import date
from functools import lru_cache

import holidays

# The law's days per festival, by the names the package gives them (its zh_CN names).
DAYS_BY_LAW = {
    "元旦": 1,
    "农历除夕": 1,
    "春节": 3,
    "清明节": 1,
    "劳动节": 2,
    "端午节": 1,
    "中秋节": 1,
    "国庆节": 3,
}


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The law's holidays of ``year`` (day → festival). Raises NotImplementedError for a year the
    package cannot compute (its lunar tables end in 2100), or if its answer is not the law's 13
    days, so that a change of the package is noticed rather than counted."""
    found = holidays.China(years=year, observed=False, language="zh_CN")
    days: dict[date, str] = {}
    counted: Counter = Counter()
    for day, names in found.items():
        # Two festivals on one day (中秋节 on 1 October) are joined by "; "; an estimated lunar
        # date may carry a note in brackets.
        festivals = [n.split("（")[0] for n in names.split("; ")]
        festivals = [f for f in festivals if f in DAYS_BY_LAW]
        if festivals:
            days[day] = "、".join(festivals)
            counted.update(festivals)
    if counted != Counter(DAYS_BY_LAW):
        raise NotImplementedError(f"no statutory holidays for {year}")
    return days
