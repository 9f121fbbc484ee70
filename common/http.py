"""Helpers about the request."""

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request) -> str | None:
    """The address the request came from (the proxy in front sets REMOTE_ADDR; see README)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def safe_next(request, default="home"):
    """The ``next`` parameter if it points into this site, else the default page's URL."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def attachment(file_field, filename, content_type):
    """A stored file as a download: never cached, its type never guessed by the browser; a file
    missing from the storage is a 404 with words for the user."""
    try:
        handle = file_field.open("rb")
    except FileNotFoundError:
        raise Http404("文件已丢失，请联系系统管理员。") from None
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
