"""The second factor: enrolment by QR code with backup codes, enforcement, verification, re-auth."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEvent
from portal.reauth import ReauthForm
from tests import factories


def password_login(client, username):
    response = client.post(reverse("login"), {"username": username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response


@pytest.mark.django_db
def test_bureau_staff_without_a_device_are_sent_to_enrolment(client, clerk):
    password_login(client, "clerk")
    response = client.get(reverse("appraisal:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    assert "next=%2Fcases%2F" in response["Location"]


@pytest.mark.django_db
def test_enrolment_shows_a_server_drawn_qr_code_and_confirms_with_a_code(client, clerk):
    password_login(client, "clerk")
    page = client.get(reverse("otp_setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    # No script draws the code: the only ones on the page are the layout's helpers (the
    # confirmation of irreversible steps, the counter of text limits).
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/portal/js/confirm.js" defer>',
        '<script src="/static/portal/js/counter.js" defer>',
    ]
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)

    wrong = client.post(reverse("otp_setup"), {"token": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()
    done = client.post(
        reverse("otp_setup"), {"token": factories.totp_code(device), "next": "/cases/"}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]+)</li>", done.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action=Action.OTP_ENROLLED, actor=clerk).exists()
    # Verified now: the pages open.
    assert client.get(reverse("appraisal:case_list")).status_code == 200


@pytest.mark.django_db
def test_enrolled_staff_must_verify_after_the_password(client, clerk):
    device = factories.otp_device(clerk)
    password_login(client, "clerk")
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("otp_verify"))
    # Enrolling a second device instead is not a way around it.
    assert client.get(reverse("otp_setup"))["Location"] == reverse("otp_verify")

    refused = client.post(reverse("otp_verify"), {"token": "123456"})
    assert "不正确" in refused.content.decode()
    assert AuditEvent.objects.filter(action=Action.OTP_FAILED, actor=clerk).exists()
    device.throttle_reset()

    ok = client.post(
        reverse("otp_verify"), {"token": factories.totp_code(device), "next": "/cases/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/cases/"
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_verification_does_not_redirect_off_site(client, clerk):
    device = factories.otp_device(clerk)
    password_login(client, "clerk")
    ok = client.post(
        reverse("otp_verify"),
        {"token": factories.totp_code(device), "next": "https://evil.example.com/"},
    )
    assert ok["Location"] == reverse("home")


@pytest.mark.django_db
def test_a_backup_code_works_once(client, clerk):
    factories.otp_device(clerk)
    from portal.twofactor import new_backup_codes

    code = new_backup_codes(clerk)[0]
    password_login(client, "clerk")
    assert client.post(reverse("otp_verify"), {"token": code}).status_code == 302
    assert not StaticToken.objects.filter(token=code).exists()

    other = Client()
    password_login(other, "clerk")
    again = other.post(reverse("otp_verify"), {"token": code})
    assert again.status_code == 200
    assert other.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_repeated_wrong_codes_are_throttled(client, clerk):
    device = factories.otp_device(clerk)
    password_login(client, "clerk")
    for _ in range(3):
        client.post(reverse("otp_verify"), {"token": "000000"})
    # Even the right code is refused while throttled.
    response = client.post(reverse("otp_verify"), {"token": factories.totp_code(device)})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("role", ["county", "prefecture", "expert", "supervisor", "admin"])
@pytest.mark.django_db
def test_every_role_that_needs_it_is_held_at_the_second_factor(client, jurisdictions, role):
    factories.user(role, username="someone", bureau=factories.bureau("652301"))
    password_login(client, "someone")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


@pytest.mark.django_db
def test_institution_users_need_no_second_factor(client, applicant):
    password_login(client, "applicant")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_login_logout_and_static_stay_open_before_the_second_factor(client, clerk):
    password_login(client, "clerk")
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/static/portal/css/portal.css").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_login_helper_marks_a_real_device_verified(client, clerk):
    factories.login(client, clerk)
    assert client.get(reverse("appraisal:case_list")).status_code == 200
    assert TOTPDevice.objects.filter(user=clerk, confirmed=True).count() == 1


# ---- re-authentication ---------------------------------------------------------------------


@pytest.mark.django_db
def test_reauth_accepts_the_password_or_a_current_code(clerk):
    device = factories.otp_device(clerk)
    assert ReauthForm({"reauth": factories.PASSWORD}, user=clerk).is_valid()
    assert ReauthForm({"reauth": factories.totp_code(device)}, user=clerk).is_valid()


@pytest.mark.django_db
def test_reauth_refuses_anything_else_and_locks_after_five_failures(clerk):
    factories.otp_device(clerk)
    form = ReauthForm({"reauth": "wrong-password"}, user=clerk)
    assert not form.is_valid()
    assert form.errors["reauth"] == ["密码或动态口令不正确，请重新输入。"]
    for _ in range(4):
        ReauthForm({"reauth": "wrong-password"}, user=clerk).is_valid()
    assert AuditEvent.objects.filter(action=Action.REAUTH_FAILED, actor=clerk).count() == 5
    locked = ReauthForm({"reauth": factories.PASSWORD}, user=clerk)
    assert not locked.is_valid()
    assert "次数过多" in locked.errors["reauth"][0]


@pytest.mark.django_db
def test_new_backup_codes_need_reauthentication(client, clerk):
    factories.login(client, clerk)
    from portal.twofactor import new_backup_codes

    old = new_backup_codes(clerk)
    refused = client.post(reverse("otp_backup_codes"), {"reauth": "wrong"}, follow=True)
    assert "密码或动态口令不正确" in refused.content.decode()
    assert StaticToken.objects.filter(token=old[0]).exists()

    done = client.post(reverse("otp_backup_codes"), {"reauth": factories.PASSWORD})
    assert done.status_code == 200
    assert not StaticToken.objects.filter(token=old[0]).exists()
    assert StaticToken.objects.filter(device__user=clerk).count() == 10
    assert AuditEvent.objects.filter(action=Action.BACKUP_CODES, actor=clerk).exists()


@pytest.mark.django_db
def test_the_admin_site_also_needs_the_second_factor(client, jurisdictions):
    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    factories.otp_device(admin)
    password_login(client, "sysadmin")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))
    factories.login(client, admin)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_menu_is_hidden_until_the_second_factor(client, clerk):
    password_login(client, "clerk")
    page = client.get(reverse("otp_setup")).content.decode()
    assert 'class="mainnav"' not in page
    factories.login(client, clerk)
    assert 'class="mainnav"' in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_a_switched_off_device_is_never_offered_again(client, clerk):
    """A lost phone: the administrator unconfirms its device; enrolment makes a new secret."""
    lost = factories.otp_device(clerk)
    lost.confirmed = False
    lost.save()
    password_login(client, "clerk")
    client.get(reverse("otp_setup"))
    offered = TOTPDevice.objects.filter(user=clerk).exclude(pk=lost.pk)
    assert offered.count() == 1
    assert offered.get().key != lost.key
    # The lost phone's code does not complete the enrolment.
    response = client.post(reverse("otp_setup"), {"token": factories.totp_code(lost)})
    assert "动态口令不正确" in response.content.decode()
    # Reloading the page keeps the same new secret (the phone may have scanned it already).
    client.get(reverse("otp_setup"))
    assert TOTPDevice.objects.filter(user=clerk).count() == 2


@pytest.mark.django_db
def test_after_a_lost_phone_a_backup_code_lets_the_user_bind_a_new_one(client, clerk):
    from portal.twofactor import new_backup_codes

    lost = factories.otp_device(clerk)
    code = new_backup_codes(clerk)[0]
    lost.confirmed = False
    lost.save()
    password_login(client, "clerk")
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))
    client.post(reverse("otp_verify"), {"token": code})
    page = client.get(reverse("otp_setup")).content.decode()
    assert "data:image/svg+xml;base64," in page  # the enrolment of a new phone


@pytest.mark.django_db
def test_a_backup_code_does_not_count_against_the_app_nor_a_code_against_the_backups(clerk):
    """Each device makes the user wait after its own failures: a backup code is checked only
    against the backup codes, an app code only against the app, so neither slows the other."""
    from django_otp.plugins.otp_static.models import StaticDevice

    from portal.twofactor import new_backup_codes

    device = factories.otp_device(clerk)
    codes = new_backup_codes(clerk)
    backups = StaticDevice.objects.get(user=clerk)
    for code in codes[:3]:  # a user without their phone for a few days
        client = Client()
        password_login(client, "clerk")
        assert client.post(reverse("otp_verify"), {"token": code.upper()}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    client = Client()  # the phone is back: its code is accepted at once
    password_login(client, "clerk")
    assert (
        client.post(reverse("otp_verify"), {"token": factories.totp_code(device)}).status_code
        == 302
    )
    backups.refresh_from_db()
    assert backups.throttling_failure_count == 0


@pytest.mark.django_db
def test_the_admin_switches_off_a_lost_phone_and_never_sees_a_secret(changji):
    """The user's admin page says whether a phone is bound; its action switches the phone and
    the backup codes off (the sessions they verified lose the verification), audited; django-otp's
    own pages, which show every secret and QR code, are not there."""
    from portal.twofactor import new_backup_codes

    admin = factories.user("admin", username="sysadmin", is_staff=True, is_superuser=True)
    clerk = factories.user("county", bureau=changji, username="lost_phone")
    phone = factories.otp_device(clerk)
    code = new_backup_codes(clerk)[0]
    staff, user_session = Client(), Client()
    factories.login(staff, admin)
    factories.login(user_session, clerk)
    assert user_session.get(reverse("home")).status_code == 200

    for url in ("/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"):
        assert staff.get(url).status_code == 404
    page = staff.get(f"/admin/portal/user/{clerk.pk}/change/").content.decode()
    assert "已绑定手机" in page
    assert phone.key not in page and code not in page

    changelist = "/admin/portal/user/"
    done = staff.post(
        changelist,
        {"action": "switch_off_second_factor", "_selected_action": [clerk.pk]},
        follow=True,
    )
    assert (
        "已停用 lost_phone 的动态口令和备用验证码，并已退出其所有登录会话" in done.content.decode()
    )
    phone.refresh_from_db()
    assert not phone.confirmed
    assert not StaticToken.objects.filter(device__user=clerk).exists()
    event = AuditEvent.objects.get(action=Action.OTP_RESET)
    assert (event.actor, event.object_id) == (admin, str(clerk.pk))
    # Every session of the user ends (one left open could bind a new phone without the
    # password); the next login binds a new phone.
    assert user_session.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert staff.get("/admin/").status_code == 200  # the administrator's own session stays
    page = staff.get(f"/admin/portal/user/{clerk.pk}/change/").content.decode()
    assert "未绑定" in page

    again = staff.post(
        changelist,
        {"action": "switch_off_second_factor", "_selected_action": [clerk.pk]},
        follow=True,
    )
    assert "都没有在用的动态口令，未作更改" in again.content.decode()
    assert AuditEvent.objects.filter(action=Action.OTP_RESET).count() == 1


@pytest.mark.django_db
def test_backup_codes_work_again_once_a_new_phone_is_bound(client, clerk):
    from portal.twofactor import new_backup_codes, switch_off_second_factor

    factories.otp_device(clerk)
    new_backup_codes(clerk)
    switch_off_second_factor(clerk, by=None)
    code = new_backup_codes(clerk)[0]  # given with the new phone's enrolment
    password_login(client, "clerk")
    factories.otp_device(clerk)
    assert client.post(reverse("otp_verify"), {"token": code}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


# ---- a code used twice ---------------------------------------------------------------------

REUSED = "该动态口令刚刚已使用，请等待下一个动态口令。"


@pytest.mark.django_db
def test_a_code_used_at_login_is_refused_again_with_its_own_message(client, clerk):
    device = factories.otp_device(clerk)
    code = factories.totp_code(device)
    password_login(client, "clerk")
    assert client.post(reverse("otp_verify"), {"token": code}).status_code == 302
    other = Client()
    password_login(other, "clerk")
    again = other.post(reverse("otp_verify"), {"token": code})
    assert again.status_code == 200 and REUSED in again.content.decode()
    assert other.get(reverse("home")).status_code == 302  # still refused
    # A wrong code keeps the usual message.
    device.throttle_reset()
    wrong = other.post(reverse("otp_verify"), {"token": "000000" if code != "000000" else "111111"})
    assert REUSED not in wrong.content.decode() and "不正确" in wrong.content.decode()


@pytest.mark.django_db
def test_reauth_with_the_code_just_used_says_to_wait(clerk):
    device = factories.otp_device(clerk)
    code = factories.totp_code(device)
    assert ReauthForm({"reauth": code}, user=clerk).is_valid()
    again = ReauthForm({"reauth": code}, user=clerk)
    assert not again.is_valid()
    assert again.errors["reauth"] == [REUSED]
    assert AuditEvent.objects.filter(action=Action.REAUTH_FAILED, actor=clerk).count() == 1
    # The next code is accepted (once the failure's wait is over).
    device.refresh_from_db()
    device.throttle_reset()
    assert ReauthForm(
        {"reauth": factories.totp_code(device, offset_steps=1)}, user=clerk
    ).is_valid()
