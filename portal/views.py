"""The portal's own pages: the login's lockout, errors, the health check and notifications. The role
home pages are the appraisal's (``appraisal.pages.home``)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

import audit
from audit.models import Action

from .forms import LoginForm


def lockout(request, response=None, credentials=None):
    """django-axes: the login page again, saying why the login was refused (HTTP 429)."""
    username = str((credentials or {}).get("username", ""))[:150]
    audit.record(request, Action.LOCKED_OUT, None, username=username)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {
            "form": LoginForm(request),
            "lockout_message": (
                f"登录失败次数过多，该账户已暂时锁定，请 {minutes} 分钟后再试。"
                "如忘记密码，请联系所在教育局重置。"
            ),
        },
        status=429,
    )


@require_GET
def healthz(request):
    """For the load balancer and the load benchmark's ceiling: answers without the database."""
    return HttpResponse("ok", content_type="text/plain")


def root(request):
    return redirect("home")


def error_403(request, exception=None):
    return render(request, "403.html", {"message": _message(exception)}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", {"message": _message(exception)}, status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def _message(exception):
    text = str(exception or "")
    # Only our own Chinese messages are shown; Django's technical ones are not.
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ""


@login_required
def notifications(request):
    items = request.user.notifications.select_related("case")[:100]
    return render(request, "portal/notifications.html", {"items": items})


@login_required
def notification_open(request, pk):
    """Mark one of the user's own notifications read and go where it points."""
    item = get_object_or_404(request.user.notifications, pk=pk)
    if item.read_at is None:
        request.user.notifications.filter(pk=item.pk).update(read_at=timezone.now())
    if item.url and url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()}):
        return redirect(item.url)
    return redirect("notifications")


@login_required
def notifications_read_all(request):
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
