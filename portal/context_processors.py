from django.conf import settings


def portal(request):
    return {
        "portal_name": "中小学生校外培训服务类别鉴定工作平台",
        "portal_owner": getattr(settings, "PORTAL_OWNER", "昌吉回族自治州教育局"),
    }
