"""The public verification pages, mounted at /verify/ by the portal (no login)."""

from django.urls import path

from appraisal.pages import certificates as certificate_views
from appraisal.pages import transparency as transparency_views
from appraisal.pages import verification

urlpatterns = [
    path("", verification.verify_lookup, name="verify_lookup"),
    path("certificates/", certificate_views.signing_certificates, name="verify_certificates"),
    path(
        "certificates/<str:code>.pem",
        certificate_views.signing_certificate_pem,
        name="verify_certificate_pem",
    ),
    path("<str:code>/", verification.verify_document, name="verify_document"),
    # The case's draw records, once the round's result is issued (docs/draw-spec.md §8).
    path("<str:code>/draws/", transparency_views.public_draws, name="verify_draws"),
    path(
        "<str:code>/draws/<int:pk>.json",
        transparency_views.public_draw_record,
        name="verify_draw_record",
    ),
]
