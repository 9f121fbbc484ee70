"""Who reads the audit trail, and which of its events (guide 九: supervision)."""

from django.db.models import Q, QuerySet

from portal.models import jurisdiction

from .models import AuditEvent


def can_view_audit(user) -> bool:
    """Bureau staff and supervisors (a supervisor sees draws and the audit trail, issue 4): the
    county's see their county's events, the prefecture's all of the prefecture's."""
    return (
        user.is_authenticated
        and user.is_active
        and user.role in ("county", "prefecture", "supervisor")
        and user.bureau_id is not None
    )


def events_visible_to(user) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if not can_view_audit(user):
        return events.none()
    if user.role == "county":
        return events.filter(bureau_id=user.bureau_id)
    if user.role == "supervisor":  # its jurisdiction's; not the system's own (accounts, logins)
        return events.filter(bureau_id__in=jurisdiction(user.bureau_id))
    # The prefecture: its own bureau, its counties, and events of no jurisdiction (the system's).
    return events.filter(Q(bureau_id__in=jurisdiction(user.bureau_id)) | Q(bureau__isnull=True))
