"""The public verification pages, mounted at /verify/ by the portal (no login)."""

from django.urls import path

from appraisal.pages import verification

urlpatterns = [
    path("", verification.verify_lookup, name="verify_lookup"),
    path("<str:code>/", verification.verify_document, name="verify_document"),
]
