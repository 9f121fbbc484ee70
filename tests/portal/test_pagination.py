"""Long lists count their rows only up to a cap, and say so."""

import pytest

from appraisal.models import Case
from portal.datagen import Generator, Sizes
from portal.pagination import CappedPaginator
from tests import factories


@pytest.fixture
def cases(jurisdictions):
    Generator(Sizes(bureaus=0, experts=20, institutions=10, cases=60), seed=5).run()
    return Case.objects.order_by("-created_at", "-id")


def test_count_below_the_cap_is_exact(cases):
    paginator = CappedPaginator(cases, 20, cap=100)
    assert paginator.count == 60 and not paginator.capped and paginator.num_pages == 3


def test_count_stops_at_the_cap(cases):
    paginator = CappedPaginator(cases, 20, cap=25)
    assert paginator.count == 25 and paginator.capped and paginator.num_pages == 2
    assert len(paginator.page(2).object_list) == 5


def test_the_list_says_when_it_is_capped(cases, client, settings):
    settings.PAGINATE_COUNT_CAP = 5
    clerk = factories.user("county", bureau=Case.objects.first().bureau)
    factories.login(client, clerk)
    html = client.get("/cases/").content.decode()
    assert "超过 5 件" in html
    settings.PAGINATE_COUNT_CAP = 10_000
    html = client.get("/cases/").content.decode()
    assert "超过" not in html and "共 " in html
