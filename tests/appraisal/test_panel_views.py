"""Panel pages: draw, record, verification, invitations; who sees what (owner, colleague,
outsider; clerk of another county; supervisor; invited vs accepted expert)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from appraisal import access
from appraisal.models import Case, CaseState, Draw, Seat
from appraisal.panel import invitations
from experts.models import Expert
from tests import factories


def tamper():
    """Change a stored draw behind the application's back (on PostgreSQL past its trigger)."""
    import pgtrigger

    return pgtrigger.ignore("appraisal.Draw:draw_append_only")


@pytest.fixture
def drawn(accepted_case, clerk, pool):
    draw = factories.draw(clerk, accepted_case)
    return Case.objects.get(pk=accepted_case.pk), draw


def seats(case):
    return list(Seat.objects.filter(round__case=case).select_related("expert__user").order_by("id"))


def page(client, user, url):
    factories.login(client, user)
    return client.get(url)


def witness_present(supervisor) -> dict:
    """The witness's fields as the supervisor types them at the clerk's screen (a draw needs a
    witness unless APPRAISAL_DRAW_REQUIRE_WITNESS is turned off)."""
    return {
        "witness_username": supervisor.username,
        "witness_password": factories.PASSWORD,
        "witness_token": factories.totp_code(factories.otp_device(supervisor)),
        "witness_value": "20261201",
    }


def test_clerk_draws_through_the_page(client, clerk, supervisor, accepted_case, pool):
    factories.login(client, clerk)
    url = reverse("appraisal:draw_panel", args=[accepted_case.pk])
    response = client.get(url)
    commitment = response.context["commitment"]
    assert commitment.commitment in response.content.decode()
    assert client.get(url).context["commitment"] == commitment  # the same value until used
    response = client.post(
        url,
        {
            "panel_size": 3,
            "subjects": ["mathematics", "integrated-practice"],
            "commitment": commitment.pk,
            **witness_present(supervisor),
        },
    )
    assert response.status_code == 302
    draw = Draw.objects.get()
    assert draw.commitment == commitment
    body = client.get(reverse("appraisal:case_detail", args=[accepted_case.pk])).content.decode()
    for expert in Expert.objects.filter(pk__in=draw.panel):
        assert expert.name in body
    # Posting again (a second click, a second clerk) draws nothing more.
    response = client.post(
        url,
        {"panel_size": 3, "subjects": ["mathematics"], "commitment": commitment.pk},
        follow=True,
    )
    assert "不能抽取" in response.content.decode()
    assert Draw.objects.count() == 1


@pytest.mark.parametrize(
    "change,message",
    [
        ({"panel_size": 7}, "专家组人数须为 3 至 5 人。"),
        ({"panel_size": ""}, "请选择专家组人数（3 至 5 人）。"),
        ({"commitment": "abc"}, "抽取页面已过期，请刷新后重新操作。"),
        ({"commitment": ""}, "抽取页面已过期，请刷新后重新操作。"),
        ({"witness_value": "x" * 101}, "监督人随机数不能超过 100 个字符。"),
    ],
)
def test_every_wrong_draw_field_is_explained(client, clerk, accepted_case, pool, change, message):
    factories.login(client, clerk)
    url = reverse("appraisal:draw_panel", args=[accepted_case.pk])
    commitment = client.get(url).context["commitment"]
    data = {"panel_size": 3, "subjects": ["mathematics"], "commitment": commitment.pk}
    response = client.post(url, {**data, **change})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Draw.objects.exists()


def test_a_witness_value_too_long_is_the_only_message(
    client, clerk, supervisor, accepted_case, pool
):
    """The value's own message, not also “please enter a value”, and the witness is not checked
    (a phone code, once accepted, cannot be used again)."""
    factories.login(client, clerk)
    url = reverse("appraisal:draw_panel", args=[accepted_case.pk])
    commitment = client.get(url).context["commitment"]
    response = client.post(
        url,
        {
            "panel_size": 3,
            "subjects": ["mathematics"],
            "commitment": commitment.pk,
            "witness_username": supervisor.username,
            "witness_password": factories.PASSWORD,
            "witness_token": "000000",
            "witness_value": "x" * 101,
        },
    )
    body = response.content.decode()
    assert "监督人随机数不能超过 100 个字符。" in body
    assert "请监督人输入自己选定的随机数或字符串" not in body
    assert "监督人身份未通过验证" not in body and not Draw.objects.exists()


def test_a_seat_that_is_not_vacant_offers_no_seat_draw(client, clerk, drawn):
    case, _draw = drawn
    seat = seats(case)[0]
    factories.login(client, clerk)
    response = client.get(reverse("appraisal:draw_seat", args=[case.pk, seat.pk]), follow=True)
    body = response.content.decode()
    assert "该席位不是空缺席位，无需补抽。" in body and 'id="draw-form"' not in body


def test_the_witness_signs_in_with_both_factors_and_a_refusal_tells_nothing(
    client, clerk, supervisor, foreign_clerk, accepted_case, pool
):
    """The witness enters password and phone code, as at login; a wrong password, the password
    alone, and the right credentials of an account that may not witness all get one answer."""
    phone = factories.otp_device(supervisor)
    other_phone = factories.otp_device(foreign_clerk)
    factories.login(client, clerk)
    url = reverse("appraisal:draw_panel", args=[accepted_case.pk])
    commitment = client.get(url).context["commitment"]

    def draw(username, password, token=""):
        return client.post(
            url,
            {
                "panel_size": 3,
                "subjects": ["mathematics"],
                "commitment": commitment.pk,
                "witness_username": username,
                "witness_password": password,
                "witness_token": token,
                "witness_value": "42",
            },
        )

    said = re.compile(r"监督人身份未通过验证[^<]*")
    refused = said.findall(draw("supervisor", "wrong", factories.totp_code(phone)).content.decode())
    assert refused
    assert said.findall(draw("supervisor", factories.PASSWORD).content.decode()) == refused
    right = draw(foreign_clerk.username, factories.PASSWORD, factories.totp_code(other_phone))
    assert said.findall(right.content.decode()) == refused  # may not witness here
    assert not Draw.objects.exists()
    # The failures are the witness's, never the clerk's at whose screen they were typed.
    from audit.models import Action, AuditEvent

    failed = AuditEvent.objects.filter(action=Action.REAUTH_FAILED)
    assert failed.filter(actor=supervisor).count() == 2 and not failed.filter(actor=clerk).exists()
    # A forgotten random value is asked for before the code is checked (and used up).
    code = factories.totp_code(phone)
    forgot = client.post(
        url,
        {
            "panel_size": 3,
            "subjects": ["mathematics"],
            "commitment": commitment.pk,
            "witness_username": "supervisor",
            "witness_password": factories.PASSWORD,
            "witness_token": code,
            "witness_value": " ",
        },
    )
    assert "请监督人输入自己选定的随机数" in forgot.content.decode()
    response = draw("supervisor", factories.PASSWORD, code)
    assert response.status_code == 302
    assert Draw.objects.get().witness == supervisor


def test_impossible_draw_shows_why_on_the_page(client, clerk, supervisor, accepted_case):
    factories.login(client, clerk)
    url = reverse("appraisal:draw_panel", args=[accepted_case.pk])
    commitment = client.get(url).context["commitment"]
    response = client.post(
        url,
        {
            "panel_size": 3,
            "subjects": ["mathematics"],
            "commitment": commitment.pk,
            **witness_present(supervisor),
        },
    )
    assert response.status_code == 200 and "无法完成抽取" in response.content.decode()
    assert Case.objects.get(pk=accepted_case.pk).state == CaseState.ACCEPTED


@pytest.mark.parametrize("who", ["applicant", "colleague", "prefecture_clerk"])
def test_others_who_see_the_case_cannot_draw(client, request, who, accepted_case, pool):
    user = request.getfixturevalue(who)
    response = page(client, user, reverse("appraisal:draw_panel", args=[accepted_case.pk]))
    assert response.status_code == 403
    client.post(reverse("appraisal:draw_panel", args=[accepted_case.pk]), {"panel_size": 3})
    assert not Draw.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "foreign_clerk"])
def test_outsiders_cannot_reach_the_draw(client, request, who, drawn):
    case, draw = drawn
    user = request.getfixturevalue(who)
    assert page(client, user, reverse("appraisal:draw_panel", args=[case.pk])).status_code == 404
    assert page(client, user, reverse("appraisal:draw_record", args=[draw.pk])).status_code == 404
    assert page(client, user, reverse("appraisal:draw_verify", args=[draw.pk])).status_code == 404


@pytest.mark.parametrize("who", ["applicant", "colleague"])
def test_institution_never_sees_panel_names_before_the_result(client, request, who, drawn):
    case, draw = drawn
    user = request.getfixturevalue(who)
    for seat in seats(case):
        invitations.accept_invitation(
            seat.expert.user, seat.pk, confirmed=invitations.DECLARATION_KEYS
        )
    body = page(client, user, reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert "名单在鉴定结论出具后公开" in body
    for expert in Expert.objects.filter(pk__in=draw.order):
        assert expert.name not in body
    assert page(client, user, reverse("appraisal:draw_record", args=[draw.pk])).status_code == 404
    assert not access.panel_names_visible_to(user, case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.DECIDED)
    assert access.panel_names_visible_to(user, Case.objects.get(pk=case.pk))


def test_institution_is_told_the_panel_forms_only_once_every_seat_accepted(
    client, applicant, drawn
):
    case, _draw = drawn
    url = reverse("appraisal:case_detail", args=[case.pk])
    first, *others = seats(case)
    invitations.accept_invitation(
        first.expert.user, first.pk, confirmed=invitations.DECLARATION_KEYS
    )
    body = page(client, applicant, url).content.decode()
    assert "正在确认专家参加" in body and "专家组已组成" not in body
    for seat in others:
        invitations.accept_invitation(
            seat.expert.user, seat.pk, confirmed=invitations.DECLARATION_KEYS
        )
    body = client.get(url).content.decode()
    assert f"专家组已组成（{len(others) + 1} 人）" in body and "正在确认" not in body


def test_staff_see_record_and_verification(client, clerk, prefecture_clerk, drawn):
    case, draw = drawn
    for user in (clerk, prefecture_clerk):
        body = page(client, user, reverse("appraisal:draw_record", args=[draw.pk])).content.decode()
        assert "鉴定专家抽取记录表" in body and draw.candidates_hash in body and draw.seed in body
        body = page(client, user, reverse("appraisal:draw_verify", args=[draw.pk])).content.decode()
        assert "核验一致" in body


@pytest.mark.draw_records_edited
def test_verification_page_shows_a_mismatch(client, clerk, drawn):
    case, draw = drawn
    with tamper():
        Draw.objects.filter(pk=draw.pk).update(order=list(reversed(draw.order)))
    body = page(client, clerk, reverse("appraisal:draw_verify", args=[draw.pk])).content.decode()
    assert "核验不一致" in body and "随机排序结果不一致" in body


def test_supervisor_sees_draws_of_its_county_and_nothing_else(client, supervisor, drawn, fukang):
    case, draw = drawn
    factories.login(client, supervisor)
    assert (
        draw.candidates_hash
        in client.get(reverse("appraisal:draw_record", args=[draw.pk])).content.decode()
    )
    listed = client.get(reverse("appraisal:draw_list")).content.decode()
    assert case.number in listed and "共 1 次" in listed
    assert "县（市）初次鉴定 · 昌吉市" in listed  # which round, and which bureau drew
    assert case.number in client.get(reverse("home")).content.decode()
    assert client.get(reverse("appraisal:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("appraisal:case_list")).status_code == 403
    other = factories.user("supervisor", bureau=fukang)
    factories.login(client, other)
    assert client.get(reverse("appraisal:draw_record", args=[draw.pk])).status_code == 404
    assert case.number not in client.get(reverse("appraisal:draw_list")).content.decode()
    prefecture_supervisor = factories.user("supervisor", bureau=factories.prefecture())
    factories.login(client, prefecture_supervisor)
    assert client.get(reverse("appraisal:draw_record", args=[draw.pk])).status_code == 200


def test_invited_expert_sees_invitation_not_materials(client, drawn):
    case, _ = drawn
    seat, other = seats(case)[:2]
    material = case.materials.first()
    factories.login(client, seat.expert.user)
    home = client.get(reverse("home")).content.decode()
    assert case.number in home and "查看并答复" in home
    invitation = reverse("appraisal:invitation", args=[seat.pk])
    assert f'<a href="{invitation}">{case.number}</a>' in home  # on a phone the number leads too
    response = client.get(reverse("appraisal:invitation", args=[seat.pk]))
    assert case.institution.name in response.content.decode()
    assert client.get(reverse("appraisal:invitation", args=[other.pk])).status_code == 404
    assert client.get(reverse("appraisal:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("appraisal:material_download", args=[material.pk])).status_code == 404
    response = client.post(
        reverse("appraisal:invitation_accept", args=[seat.pk]),
        {"confirmed": invitations.DECLARATION_KEYS},
    )
    assert response.status_code == 302
    assert client.get(reverse("appraisal:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("appraisal:material_download", args=[material.pk])).status_code == 200
    # The panel sees the panel's names.
    body = client.get(reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert other.expert.name in body


def test_reply_errors_shown_on_the_page(client, drawn):
    case, _ = drawn
    seat = seats(case)[0]
    factories.login(client, seat.expert.user)
    response = client.post(
        reverse("appraisal:invitation_accept", args=[seat.pk]),
        {"confirmed": ["independent"]},
        follow=True,
    )
    assert "逐项确认" in response.content.decode()
    Seat.objects.filter(pk=seat.pk).update(reply_by=timezone.now() - datetime.timedelta(minutes=1))
    response = client.post(
        reverse("appraisal:invitation_accept", args=[seat.pk]),
        {"confirmed": invitations.DECLARATION_KEYS},
        follow=True,
    )
    assert "已超过答复期限" in response.content.decode()
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INVITED


def test_decline_through_the_page_calls_the_alternate(client, clerk, accepted_case, pool):
    draw = factories.draw(clerk, accepted_case, subjects=["mathematics"])
    case = accepted_case
    seat = seats(case)[0]
    factories.login(client, seat.expert.user)
    response = client.post(
        reverse("appraisal:invitation_decline", args=[seat.pk]),
        {"reason": "", "note": ""},
        follow=True,
    )
    assert "请选择谢绝原因" in response.content.decode()
    client.post(
        reverse("appraisal:invitation_decline", args=[seat.pk]),
        {"reason": "unavailable", "note": ""},
    )
    assert Seat.objects.get(replaces=seat).expert_id == draw.alternates[0]
    body = page(client, clerk, reverse("appraisal:case_detail", args=[case.pk])).content.decode()
    assert "候补递补" in body and "已谢绝" in body


def test_clerk_triggers_lapse_for_one_case(client, clerk, foreign_clerk, drawn):
    case, _ = drawn
    seat = seats(case)[0]
    Seat.objects.filter(pk=seat.pk).update(reply_by=timezone.now() - datetime.timedelta(days=1))
    factories.login(client, foreign_clerk)
    assert client.post(reverse("appraisal:lapse_check", args=[case.pk])).status_code == 404
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.INVITED
    factories.login(client, clerk)
    client.post(reverse("appraisal:lapse_check", args=[case.pk]))
    assert Seat.objects.get(pk=seat.pk).status == Seat.Status.LAPSED
    assert Seat.objects.filter(replaces=seat).exists()


def test_the_witness_fields_are_not_filled_with_the_clerks_saved_login(
    client, clerk, accepted_case, pool
):
    factories.login(client, clerk)
    html = client.get(reverse("appraisal:draw_panel", args=[accepted_case.pk])).content.decode()
    username = re.search(r'<input[^>]*name="witness_username"[^>]*>', html).group(0)
    password = re.search(r'<input[^>]*name="witness_password"[^>]*>', html).group(0)
    assert 'autocomplete="off"' in username and 'autocomplete="new-password"' in password
