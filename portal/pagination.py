"""Pagination for long lists: the total is counted up to a cap.

Counting every row of a prefecture's audit trail costs as much as reading it and grows with the
years; past the cap the page says "more than N" and the filters narrow the list.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or settings.PAGINATE_COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        # COUNT(*) over a LIMIT subquery: reads at most cap + 1 index entries.
        return self.object_list[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap
