"""The public verification page (no login, docs/domain.md §文书): is this document genuine?

By its verification code it confirms the document (serial, issuing bureau, institution, projects,
result when present, date, SHA-256 of the issued PDF) and shows nothing private: no people, no case
file. An uploaded PDF is compared with the issued one by SHA-256 and its digital signature checked.
"""

import hashlib
import re

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from appraisal.documents.signing import verify_pdf
from appraisal.models import IssuedDocument, Round
from appraisal.rereview.services import opinion_standing, replacing_opinion

CODE = re.compile(r"^[0-9A-F]{16}$")  # new_verification_code: 8 random bytes in hex
RESULT_LABELS = {"academic": "学科类", "non_academic": "非学科类"}


class CodeForm(forms.Form):
    code = forms.CharField(label="核验码", max_length=40)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="待核验的 PDF 文件",
        error_messages={"required": "请选择要核验的 PDF 文件。"},
    )


def find_document(code: str) -> IssuedDocument | None:
    code = (code or "").strip().upper()
    if not CODE.match(code):
        return None
    later = IssuedDocument.objects.filter(  # a county opinion's replacement (opinion_standing)
        case_id=OuterRef("case_id"),
        kind=IssuedDocument.Kind.OPINION,
        round__number=Round.PREFECTURE,
    )
    return (
        IssuedDocument.objects.select_related("bureau", "round", "case", "log_entry")
        .annotate(replaced_by=Subquery(later.values("pk")[:1]))
        .filter(verification_code=code)
        .first()
    )


def _over_limit(request) -> bool:
    """A budget of uploads per client address per hour (checking a PDF costs CPU)."""
    key = f"verify-upload:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.APPRAISAL_VERIFY_UPLOADS_PER_HOUR


def check_upload(document: IssuedDocument, uploaded) -> dict:
    """Compare the uploaded bytes with the issued document; check the signature."""
    data = b"".join(uploaded.chunks())
    sha256 = hashlib.sha256(data).hexdigest()
    signature = verify_pdf(data)
    return {
        "name": uploaded.name,
        "size": len(data),
        "sha256": sha256,
        "is_pdf": signature.status != "unreadable",
        "identical": sha256 == document.sha256,
        "signature": signature,
    }


def public_projects(document: IssuedDocument) -> list[dict]:
    return [
        {"name": p.get("name", ""), "result": RESULT_LABELS.get(p.get("result") or "", "")}
        for p in document.public_summary.get("projects", [])
    ]


@never_cache
@require_GET
def verify_lookup(request):
    """The entry page: type a code (the QR code leads straight to the document's page)."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        if CODE.match(code):
            return redirect("verify_document", code=code)
        form.add_error("code", "核验码格式不正确：应为文书上印制的十六位字母数字组合。")
    return render(request, "appraisal/verify_lookup.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def verify_document(request, code):
    document = find_document(code)
    if document is None:
        return render(
            request,
            "appraisal/verify_unknown.html",
            {"code": code[:40], "form": CodeForm()},
            status=404,
        )
    later = replacing_opinion(document.case_id) if document.replaced_by else None
    standing = opinion_standing(document, later=later)
    upload_form = UploadForm()
    result = None
    error = None
    if request.method == "POST":
        upload_form = UploadForm(request.POST, request.FILES)
        if _over_limit(request):
            error = "核验次数过多，请一小时后再试。"
        elif upload_form.is_valid():
            uploaded = upload_form.cleaned_data["file"]
            limit = settings.APPRAISAL_VERIFY_MAX_UPLOAD_BYTES
            if uploaded.size > limit:
                error = f"文件过大：可核验的文件不超过 {limit // (1024 * 1024)} MB。"
            else:
                result = check_upload(document, uploaded)
                if not result["is_pdf"]:
                    error = "上传的文件不是 PDF 文件，无法核验。"
                    result = None
    return render(
        request,
        "appraisal/verify_document.html",
        {
            "document": document,
            "summary": document.public_summary,
            "projects": public_projects(document),
            "standing": standing,
            "replacing_projects": public_projects(standing["replacement"])
            if standing and standing.get("replacement")
            else [],
            "upload_form": upload_form,
            "result": result,
            "error": error,
            "max_mb": settings.APPRAISAL_VERIFY_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
    )
