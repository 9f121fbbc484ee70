"""Second-factor pages: TOTP enrolment with a QR code and backup codes, and verification."""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit
from audit.models import Action
from common.http import safe_next

from .reauth import REUSED, ReauthForm, is_app_code, just_used, requires_second_factor
from .sessions import end_sessions_of

TOTP_DEVICE_NAME = "手机动态口令"
BACKUP_DEVICE_NAME = "备用验证码"
ENROLMENT_SESSION_KEY = "otp_enrolment_device"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="动态口令",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "请输入动态口令。"},
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split()).lower()  # backup codes: lower case


def devices_for_token(user, token: str) -> list:
    """The user's devices a token can be for: the app's for a six-digit code, the backup codes'
    for anything else. Each device counts its own failures and then makes the user wait (django-otp
    throttling), so a backup code must not be tried on the app's device, nor the reverse."""
    kind = TOTPDevice if is_app_code(token) else StaticDevice
    return [d for d in devices_for_user(user, for_verify=True) if isinstance(d, kind)]


def qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG data URI, drawn here (no script, no outside service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes by a fresh set; each works once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    if not device.confirmed:  # switched off with the phone (switch_off_second_factor)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()  # spent or superseded secrets, not records
    codes = [StaticToken.random_token() for _ in range(settings.OTP_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def switch_off_second_factor(user, *, by) -> int:
    """A lost or replaced phone: the user's app and backup codes stop working at once, every
    session of the user ends (one left open could otherwise bind a new phone without the
    password), and the next login binds a new phone. The devices stay, switched off; the backup
    codes, secrets, go. Returns how many devices were switched off."""
    with transaction.atomic():
        count = TOTPDevice.objects.filter(user=user, confirmed=True).update(confirmed=False)
        for device in StaticDevice.objects.filter(user=user, confirmed=True):
            device.token_set.all().delete()
            device.confirmed = False
            device.save(update_fields=["confirmed"])
            count += 1
        if count:
            end_sessions_of(user)
            audit.record(by, Action.OTP_RESET, user, devices=count)
    return count


def _secret_groups(device) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def otp_setup(request):
    """Enrol a TOTP app: scan the QR code, confirm with one code, receive the backup codes."""
    user = request.user
    if user_has_device(user, confirmed=True) and not user.is_verified():
        return redirect("otp_verify")
    # With only backup codes left (a lost phone switched off), a verified user binds a new one.
    enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if enrolled:
        return render(
            request,
            "portal/otp_setup.html",
            {"enrolled": True, "reauth_form": ReauthForm(user=user), "required": True},
        )
    # The secret made for this enrolment (kept in the session), never an older unconfirmed device:
    # one an administrator switched off (a lost phone) must not be offered again.
    device = TOTPDevice.objects.filter(
        pk=request.session.get(ENROLMENT_SESSION_KEY), user=user, confirmed=False
    ).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        request.session[ENROLMENT_SESSION_KEY] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                codes = new_backup_codes(user)
                otp_login(request, device)
                audit.record(request, Action.OTP_ENROLLED, user)
                return render(
                    request,
                    "portal/otp_backup_codes.html",
                    {"codes": codes, "next": safe_next(request)},
                )
        form.add_error(
            "token", "动态口令不正确（或尝试过于频繁）。请核对手机时间后，输入当前显示的 6 位数字。"
        )
    return render(
        request,
        "portal/otp_setup.html",
        {
            "form": form,
            "qr": qr_data_uri(device.config_url),
            "secret": _secret_groups(device),
            "next": request.GET.get("next", ""),
            "required": requires_second_factor(user),
        },
    )


@login_required
def otp_verify(request):
    """The second step of login: a code from the app, or one of the backup codes."""
    user = request.user
    if user.is_verified():
        return redirect(safe_next(request))
    if not user_has_device(user, confirmed=True):
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            token = form.cleaned_data["token"]
            reused = False
            for device in devices_for_token(user, token):
                allowed, _ = device.verify_is_allowed()
                if allowed and device.verify_token(token):
                    otp_login(request, device)
                    audit.record(request, Action.OTP_VERIFIED, user, device=device.name)
                    return redirect(safe_next(request))
                reused = reused or (allowed and just_used(device, token))
        audit.record(request, Action.OTP_FAILED, user)
        form.add_error(
            "token",
            REUSED
            if reused
            else "动态口令或备用验证码不正确，或尝试过于频繁，请稍候再输入当前显示的口令。",
        )
    return render(
        request, "portal/otp_verify.html", {"form": form, "next": request.GET.get("next", "")}
    )


@login_required
def otp_backup_codes(request):
    """New backup codes, after re-entering the password or a TOTP code."""
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect("otp_setup")
    form = ReauthForm(request.POST or None, user=user, request=request)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                codes = new_backup_codes(user)
                audit.record(request, Action.BACKUP_CODES, user)
            return render(request, "portal/otp_backup_codes.html", {"codes": codes, "next": ""})
        for error in form.errors.get("reauth", []):
            messages.error(request, error)
    return redirect("otp_setup")
