"""An irreversible step asks first: answering “cancel” leaves the case as it was."""

import pytest
from django.core.management import call_command

from appraisal.models import Case, IssuedDocument
from tests import factories

from . import axe
from .conftest import login


@pytest.mark.django_db(transaction=True)
def test_a_refusal_the_clerk_cancels_changes_nothing(live_server, page):
    call_command("loaddata", "fixtures/changji.json", verbosity=0)
    institution = factories.institution("652301")
    applicant = factories.user("institution", institution=institution)
    clerk = factories.user("county", username="clerk_wang", bureau=factories.bureau("652301"))
    case = factories.submitted_case(applicant)
    login(page, live_server, clerk.username)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    axe.check(page)
    refusal = page.locator("form:has(button:has-text('不予受理'))")
    page.locator("summary:has-text('不予受理')").click()
    refusal.locator("textarea").first.fill("不属于校外培训项目。")
    answers = []

    def cancel(dialog):
        answers.append(dialog.message)
        dialog.dismiss()

    page.remove_listener("dialog", page.answer_confirmations)
    page.on("dialog", cancel)
    refusal.locator("button:has-text('不予受理')").click()
    page.wait_for_timeout(500)
    assert answers and "不予受理将出具不予受理通知书" in answers[0]
    assert Case.objects.get(pk=case.pk).state == "submitted"
    assert not IssuedDocument.objects.filter(case=case).exists()
