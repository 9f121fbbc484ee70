"""The bureaus' signing certificates, published under /verify/ (no login).

Whoever holds a document can compare the certificate in its signature with these: the verification
page does so by SHA-256 fingerprint (``documents.trust``), and the README shows how to do it offline.
Only certificates are shown and served, never anything from the key files.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from appraisal.documents.trust import (
    bureau_certificates,
    colon_hex,
    configured_trust_roots,
    distinguished_name,
    sha256_fingerprint,
)


@require_GET
def signing_certificates(request):
    roots = [
        {
            "subject": distinguished_name(root),
            "not_before": root.not_valid_before,
            "not_after": root.not_valid_after,
            "fingerprint": colon_hex(sha256_fingerprint(root)),
        }
        for root in configured_trust_roots()
    ]
    return render(
        request,
        "appraisal/verify_certificates.html",
        {"certificates": bureau_certificates(), "roots": roots},
    )


@require_GET
def signing_certificate_pem(request, code):
    for held in bureau_certificates():
        if held.code == code:
            response = HttpResponse(held.pem(), content_type="application/x-pem-file")
            response["Content-Disposition"] = f'attachment; filename="{code}.cert.pem"'
            return response
    raise Http404("没有该教育局的文书签名证书。")
