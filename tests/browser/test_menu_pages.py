"""Every page each role reaches from its menu and its account links passes axe-core's WCAG 2.1
A/AA rules with no serious or critical violation, with something in its lists to show."""

import pytest
from django.core.management import call_command

from tests import factories

from . import axe
from .conftest import login, logout

ACCOUNT_LINKS = "#notice-link, .userbox a[href*='password'], .userbox a[href*='otp']"


@pytest.mark.django_db(transaction=True)
def test_each_roles_menu_pages(live_server, page):
    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    county = factories.bureau("652301")
    institution = factories.institution("652301", name="昌吉市星河科技培训中心")
    applicant = factories.user("institution", institution=institution, username="xinghe")
    clerk = factories.user("county", bureau=county, username="clerk_li", full_name="李老师")
    factories.accepted_case(applicant, clerk)
    factories.submitted_case(applicant)
    expert = factories.expert(county, username="it_expert", name="韩冬梅")
    factories.user("prefecture", bureau=factories.prefecture(), username="zhou_wang")
    factories.user("supervisor", bureau=factories.prefecture(), username="jiandu")
    for username in ["xinghe", "clerk_li", "zhou_wang", "jiandu", expert.user.username]:
        login(page, live_server, username)
        hrefs = page.locator(f"nav.mainnav a, {ACCOUNT_LINKS}").evaluate_all(
            "links => links.map((a) => a.getAttribute('href'))"
        )
        assert len(hrefs) >= 4, hrefs
        for href in hrefs:
            page.goto(live_server.url + href)
            axe.check(page)
        logout(page)
