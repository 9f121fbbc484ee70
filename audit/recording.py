"""How an event is filled in from a request, a user and an object."""

from django.http import HttpRequest

from common.http import client_ip
from portal.models import Bureau

from .context import current_request
from .models import AuditEvent


def bureau_of(obj):
    """The jurisdiction an object belongs to, for the county filter."""
    if obj is None:
        return None
    for path in ("bureau", "case.bureau", "institution.county", "county"):
        value = obj
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if value is not None and isinstance(value, Bureau):
            return value
    return None


def record_event(actor, action, obj, *, bureau, ip, data) -> AuditEvent:
    request = actor if isinstance(actor, HttpRequest) else current_request.get()
    user = actor if actor is not None and not isinstance(actor, HttpRequest) else None
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if ip is None:
        ip = client_ip(request)
    if bureau is None:
        bureau = bureau_of(obj) or bureau_of(user)
    return AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user is not None else data.pop("username", "")[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        bureau=bureau,
        ip=ip,
        data=data,
    )
