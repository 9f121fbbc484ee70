"""Each text limit shows a live counter; a longer text (a paste) is kept whole and the form is
held back with a message, never cut by the browser."""

import pytest
from django.core.management import call_command

from appraisal.models import Case
from common.limits import REASON_MAX
from tests import factories

from . import axe
from .conftest import login


@pytest.mark.django_db(transaction=True)
def test_the_counter_warns_and_holds_back_a_text_over_its_limit(live_server, page):
    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    clerk = factories.user("county", username="clerk_wang", bureau=factories.bureau("652301"))
    case = factories.submitted_case(applicant)
    login(page, live_server, clerk.username)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    page.locator("summary:has-text('不予受理')").click()
    reason = page.locator("#refuse-reason")
    counter = page.locator("#refuse-reason-counter")
    assert counter.inner_text() == f"已输入 0 / 上限 {REASON_MAX} 字"
    reason.fill("不属于校外培训项目。")
    assert counter.inner_text() == f"已输入 10 / 上限 {REASON_MAX} 字"
    pasted = "理" * (REASON_MAX + 5)
    reason.fill(pasted)
    assert reason.input_value() == pasted  # kept whole: the browser's maxlength is lifted
    assert "超出 5 字" in counter.inner_text()
    dialogs = []
    page.remove_listener("dialog", page.answer_confirmations)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("form:has(#refuse-reason) button[type=submit]").click()
    page.wait_for_timeout(300)
    assert not dialogs  # held back before the confirmation is even asked
    assert "超出字数上限" in reason.evaluate("el => el.validationMessage")
    assert Case.objects.get(pk=case.pk).state == "submitted"
