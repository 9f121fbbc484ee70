from django.conf import settings


def portal(request):
    context = {
        "portal_name": "中小学生校外培训服务类别鉴定工作平台",
        "portal_owner": settings.PORTAL_OWNER,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["unread_count"] = user.notifications.filter(read_at__isnull=True).count()
    return context
