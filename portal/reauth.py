"""Re-authentication before a grave act (signing an opinion, stamping a decision, new backup codes).

A form that needs it inherits :class:`ReauthForm` (or adds :class:`ReauthField` and calls
:func:`check_reauth`): the user re-enters the login password or a current TOTP code. Failures are
audited, and after ``REAUTH_FAILURE_LIMIT`` of them within ``REAUTH_WINDOW`` the check refuses
everything until the window has passed. For example, the signing view of an opinion::

    class SignOpinionForm(ReauthForm):
        confirm = forms.BooleanField(label="我已核对鉴定意见全文")

    form = SignOpinionForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        sign_opinion(request.user, opinion.pk, ...)  # the service; the password is never kept
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit
from audit.models import Action, AuditEvent
from common.http import client_ip

REAUTH_FAILURE_LIMIT = 5
REAUTH_WINDOW = timedelta(minutes=15)

TOO_MANY = "重新验证失败次数过多，请 15 分钟后再试。"
WRONG = "密码或动态口令不正确，请重新输入。"
# A phone code works once: the same code typed again within its window (into the draw's witness
# fields right after login, say) is refused like a wrong one, but told apart so the user waits.
REUSED = "该动态口令刚刚已使用，请等待下一个动态口令。"


class ReauthField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "登录密码或动态口令")
        kwargs.setdefault(
            "help_text", "为确认是您本人操作，请再次输入登录密码，或手机上的 6 位动态口令。"
        )
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"autocomplete": "off"}))
        kwargs.setdefault("error_messages", {"required": "请输入登录密码或动态口令。"})
        kwargs.setdefault("max_length", 128)
        super().__init__(**kwargs)


def is_app_code(token: str) -> bool:
    """A code from the phone app: six digits (backup codes are eight letters and digits)."""
    return token.isdigit() and len(token) == 6


def just_used(device, token: str) -> bool:
    """Whether ``token``, refused by ``device``, is a code of its current window already accepted
    once (django-otp keeps the last accepted step, ``last_t``, and accepts only later ones). Only
    tells the refusal apart; the code stays refused."""
    if not (isinstance(device, TOTPDevice) and is_app_code(token)):
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(token), device.tolerance):
        return False
    return totp.t() <= device.last_t


def recent_failures(user) -> int:
    since = timezone.now() - REAUTH_WINDOW
    return AuditEvent.objects.filter(actor=user, action=Action.REAUTH_FAILED, at__gte=since).count()


def check_reauth(user, value: str, *, request=None) -> str | None:
    """None if ``value`` is the user's password or a current TOTP code; else the error message."""
    if recent_failures(user) >= REAUTH_FAILURE_LIMIT:
        return TOO_MANY
    value = (value or "").strip()
    reused = False
    if is_app_code(value):
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(value):
                return None
            reused = reused or (allowed and just_used(device, value))
    if value and user.check_password(value):
        return None
    audit.record(request or user, Action.REAUTH_FAILED, user)
    return REUSED if reused else WRONG


def check_presence(user, password: str, token: str, *, request=None, about=None) -> str | None:
    """None if ``password`` is the user's and ``token`` a current code of their phone (or one of
    their backup codes): both factors, as at login, for someone who vouches in person at another
    user's screen (the witness of a draw). Failures count like any re-authentication; ``about``
    (small JSON: the case and draw it was for) goes with the failure onto the audit trail."""
    if recent_failures(user) >= REAUTH_FAILURE_LIMIT:
        return TOO_MANY
    token = "".join((token or "").split()).lower()
    kind = TOTPDevice if is_app_code(token) else StaticDevice
    reused = False
    if password and token and user.check_password(password):
        for device in kind.objects.filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(token):
                return None
            # Said only after the right password, so it reveals nothing about the account.
            reused = reused or (allowed and just_used(device, token))
    # The failure is the vouching user's (not the one at whose screen it was typed): it counts
    # towards their limit, and the request gives only the address.
    audit.record(user, Action.REAUTH_FAILED, user, ip=client_ip(request), **(about or {}))
    return REUSED if reused else WRONG


class ReauthForm(forms.Form):
    """A form whose submission must be confirmed by the password or a TOTP code."""

    reauth = ReauthField()

    def __init__(self, *args, user, request=None, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_reauth(self):
        error = check_reauth(self.user, self.cleaned_data["reauth"], request=self.request)
        if error:
            raise forms.ValidationError(error)
        return ""  # never kept in cleaned_data


def requires_second_factor(user) -> bool:
    return user.is_authenticated and (
        user.role in settings.OTP_REQUIRED_ROLES or user.is_staff or user.is_superuser
    )
