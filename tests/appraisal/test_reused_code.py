"""A phone code used once and typed again within its window (issue: the witness typing the code
of their own login) is refused with its own message at signing, stamping and the draw."""

import pytest
from django.urls import reverse

from appraisal.models import Decision, Draw, Signature
from appraisal.review import opinion as opinions
from tests import factories

from .test_reviews import drafted, grant_stamp, in_review

PW = factories.PASSWORD
REUSED = "该动态口令刚刚已使用，请等待下一个动态口令。"


def used_code(user) -> str:
    """A code of the user's phone, accepted once already (as at login)."""
    device = factories.otp_device(user)
    code = factories.totp_code(device)
    assert device.verify_token(code)
    return code


@pytest.fixture
def review(accepted_case, clerk, pool, indicator_template):
    round, seats = in_review(clerk, accepted_case)
    return accepted_case, round, seats


def test_signing_with_the_code_just_used(client, review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    member = seats[1].expert.user
    factories.login(client, member)
    data = {"content_hash": opinion.content_hash, "confirm": "on", "reauth": used_code(member)}
    page = client.post(reverse("appraisal:opinion_sign", args=[round.pk]), data)
    assert page.status_code == 200 and REUSED in page.content.decode()
    assert not Signature.objects.exists()


def test_stamping_with_the_code_just_used(client, review, clerk, indicator_template):
    case, round, seats = review
    opinion = drafted(review, clerk, indicator_template)
    for seat in seats:
        opinions.sign_opinion(seat.expert.user, round, reauth=PW, content_hash=opinion.content_hash)
    project = case.projects.get()
    factories.login(client, grant_stamp(clerk))
    data = {f"category_{project.pk}": "academic", "reason": "", "reauth": used_code(clerk)}
    page = client.post(reverse("appraisal:decision", args=[round.pk]), data)
    assert REUSED in page.content.decode()
    assert not Decision.objects.exists()


def test_the_witness_typing_the_code_of_their_login(client, clerk, supervisor, accepted_case, pool):
    factories.login(client, clerk)
    url = reverse("appraisal:draw_panel", args=[accepted_case.pk])
    commitment = client.get(url).context["commitment"]
    data = {
        "panel_size": 3,
        "subjects": ["mathematics"],
        "commitment": commitment.pk,
        "witness_username": supervisor.username,
        "witness_password": PW,
        "witness_token": used_code(supervisor),
        "witness_value": "42",
    }
    body = client.post(url, data).content.decode()
    assert REUSED in body and "监督人身份未通过验证" not in body
    assert not Draw.objects.exists()
    # With a wrong password the reused code is not mentioned: one answer for every refusal.
    body = client.post(url, {**data, "witness_password": "wrong"}).content.decode()
    assert REUSED not in body and "监督人身份未通过验证" in body
