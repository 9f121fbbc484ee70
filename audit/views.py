"""The audit trail page for bureau staff, with filters."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from portal.pagination import CappedPaginator

from .access import can_view_audit, events_visible_to
from .forms import AuditFilterForm


@login_required
def event_list(request):
    if not can_view_audit(request.user):
        raise PermissionDenied("只有教育局工作人员和监督人可以查看审计记录。")
    form = AuditFilterForm(request.GET or None)
    events = form.apply(events_visible_to(request.user)).select_related("bureau")
    page = CappedPaginator(events.order_by("-at", "-id"), settings.PAGINATE_BY).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"filter_form": form, "page": page, "query": query.urlencode()},
    )
