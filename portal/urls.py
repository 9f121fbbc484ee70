from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from appraisal.pages import home

from . import twofactor, views
from .forms import LoginForm

handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("accounts/otp/", twofactor.otp_setup, name="otp_setup"),
    path("accounts/otp/verify/", twofactor.otp_verify, name="otp_verify"),
    path("accounts/otp/backup-codes/", twofactor.otp_backup_codes, name="otp_backup_codes"),
    path("cases/", include("appraisal.urls")),
    path("audit/", include("audit.urls")),
    path("institution/", include("institutions.urls")),
    path("verify/", include("appraisal.verification_urls")),
    path("transparency/", include("appraisal.transparency_urls")),
    path("experts/", include("experts.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "鉴定工作平台 · 系统管理"
admin.site.site_title = "鉴定工作平台"
admin.site.index_title = "系统管理"
