"""The public transparency pages, mounted at /transparency/ by the portal (no login)."""

from django.urls import path

from appraisal.pages import transparency as transparency_views

urlpatterns = [
    path("", transparency_views.log_page, name="transparency_log"),
    path("log.json", transparency_views.log_json, name="transparency_log_json"),
    path(
        "<str:name>",
        transparency_views.published_file,
        name="transparency_file",
    ),
]
