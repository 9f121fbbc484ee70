from django.conf import settings

from .reauth import requires_second_factor


def portal(request):
    user = getattr(request, "user", None)
    pending = (
        user is not None
        and requires_second_factor(user)
        and not (hasattr(user, "is_verified") and user.is_verified())
    )
    context = {
        # Logged in with the password but not yet the second factor: no menu yet.
        "second_factor_pending": pending,
        "portal_name": "中小学生校外培训服务类别鉴定工作平台",
        "portal_owner": settings.PORTAL_OWNER,
    }
    if user is not None and user.is_authenticated:
        context["unread_count"] = user.notifications.filter(read_at__isnull=True).count()
    return context
