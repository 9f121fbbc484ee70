"""The second factor: staff, experts, supervisors and admins finish login with a TOTP code."""

from django.conf import settings
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from .reauth import requires_second_factor


class SecondFactorMiddleware:
    """Sends a user who owes the second factor to enrolment (no device yet) or verification.

    Runs after django-otp's OTPMiddleware, which sets ``request.user.is_verified()``. The login
    and logout pages, the enrolment and verification pages, static files and the public pages
    (settings.OTP_EXEMPT_URL_NAMES) stay open.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            requires_second_factor(user)
            and not user.is_verified()
            and not self._exempt(request.path_info)
        ):
            target = "otp_verify" if user_has_device(user, confirmed=True) else "otp_setup"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        if path.startswith(static):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return True  # a 404 page reveals nothing
        return match.view_name in settings.OTP_EXEMPT_URL_NAMES


class MethodNotAllowedPage:
    """An action reached by its address (a bookmarked or typed link to 提交, 受理, …) answers 405
    with Django's empty body, a blank page; this gives it the site's layout and a way back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response

        page = TemplateResponse(request, "405.html", status=405)
        page["Allow"] = response.get("Allow", "")
        return page.render()
