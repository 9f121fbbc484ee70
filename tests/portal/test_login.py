"""Login: throttling of failed attempts, strong passwords, idle session expiry, audit of logins."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEvent
from tests import factories


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_password_login_for_an_institution_user(client, applicant):
    response = attempt(client, "applicant", factories.PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=applicant).count() == 1


@pytest.mark.django_db
def test_wrong_password_is_refused_in_chinese_and_audited(client, applicant):
    response = attempt(client, "applicant", "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor is None and event.actor_name == "applicant"
    assert event.ip == "127.0.0.1"


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client, applicant, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "applicant", "wrong-password-1").status_code == 200
    locked = attempt(client, "applicant", "wrong-password-1")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录失败次数过多" in page and "分钟后再试" in page
    assert 'name="username"' in page  # the login page itself, with the message

    again = attempt(client, "applicant", factories.PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_lockout_is_per_username_and_address(client, applicant, colleague, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "applicant", "wrong-password-1")
    # Another account from the same address still logs in.
    assert attempt(client, "colleague", factories.PASSWORD).status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off(client, applicant, settings):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "applicant", "wrong-password-1")
    assert attempt(client, "applicant", factories.PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert attempt(client, "applicant", factories.PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password",
    [
        "short-A1",  # too short
        "alllowercaseletters",  # one class of characters
        "lowercase-and-digits",  # two classes (lower, symbol)
        "12345678901234",  # digits only
        "Password1234",  # common
    ],
)
@pytest.mark.django_db
def test_weak_passwords_are_refused(password, applicant):
    with pytest.raises(ValidationError):
        validate_password(password, applicant)


@pytest.mark.django_db
def test_a_strong_password_passes(applicant):
    validate_password("Qiu-shui-2026-gong", applicant)


@pytest.mark.django_db
def test_password_like_the_account_name_is_refused(jurisdictions):
    user = factories.user("county", username="zhangsanfeng", bureau=factories.bureau("652301"))
    with pytest.raises(ValidationError):
        validate_password("Zhangsanfeng-1", user)


@pytest.mark.django_db
def test_password_change_page_refuses_a_weak_password_in_chinese(client, applicant):
    factories.login(client, applicant)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": "abcdefghijkl",
            "new_password2": "abcdefghijkl",
        },
    )
    assert response.status_code == 200
    assert "密码须至少包含" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.check_password(factories.PASSWORD)


@pytest.mark.django_db
def test_each_request_extends_the_idle_session(client, applicant, settings):
    factories.login(client, applicant)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert client.get(reverse("home")).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    expected = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((expiry - expected).total_seconds()) < 60


@pytest.mark.django_db
def test_an_idle_session_expires(client, applicant):
    factories.login(client, applicant)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_idle_timeout_is_thirty_minutes_and_saved_on_every_request(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.django_db
def test_logout_is_audited(client, applicant):
    factories.login(client, applicant)
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=applicant).exists()


@pytest.mark.django_db
def test_a_failed_login_for_an_unknown_name_is_audited_without_an_account(client, jurisdictions):
    attempt(client, "nobody-here", "whatever-1")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor_name == "nobody-here" and event.object_id == ""


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, applicant, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "applicant", "password": "wrong-password-1"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": "applicant", "password": factories.PASSWORD},
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_a_session_touched_within_the_last_minute_is_not_written_again(client, applicant, settings):
    factories.login(client, applicant)
    key = client.session.session_key
    recent = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 30)
    Session.objects.filter(session_key=key).update(expire_date=recent)
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == recent


@pytest.mark.django_db
def test_a_changed_session_is_written_even_when_fresh(client, applicant, settings):
    from portal.sessions import SessionStore

    factories.login(client, applicant)
    key = client.session.session_key
    recent = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 30)
    Session.objects.filter(session_key=key).update(expire_date=recent)
    store = SessionStore(key)
    store["seen"] = "yes"
    store.save()
    assert SessionStore(key)["seen"] == "yes"
    assert Session.objects.get(session_key=key).expire_date > recent
