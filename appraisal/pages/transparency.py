"""The public transparency pages (no login) and the draw record files (docs/draw-spec.md §8–§9).

- /transparency/: the log of draws and issued documents, page by page, with the signed heads;
  /transparency/log.json: the same as the verifier reads it;
- /transparency/verify_draw.py, draw-spec.md, draw-vectors.json: the stand-alone verifier, the
  specification and its test vectors, at addresses that do not change;
- a draw's record (JSON): at once for the case's bureau staff and supervisors
  (``access.get_draw_for``), and for the public by the case's verification code once the
  round's result has been issued (``access.public_draws``).
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from appraisal import access
from appraisal.documents import transparency
from appraisal.models import Draw, LogEntry, LogHead
from appraisal.pages.verification import CodeForm, find_document
from appraisal.panel import record as draw_record

PER_PAGE = 50
VERIFIER = Path(__file__).resolve().parents[1] / "static" / "appraisal" / "verify_draw.py"
DOCS = Path(settings.BASE_DIR) / "docs"
PUBLISHED_FILES = {  # name → (path, content type)
    "verify_draw.py": (VERIFIER, "text/x-python; charset=utf-8"),
    "draw-spec.md": (DOCS / "draw-spec.md", "text/markdown; charset=utf-8"),
    "draw-vectors.json": (DOCS / "draw-vectors.json", "application/json"),
}


def _seq(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


@never_cache
@require_GET
def log_page(request):
    """The log, newest first, ``PER_PAGE`` entries a page (``?upto=N``: from entry N down)."""
    last = LogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    upto = _seq(request.GET.get("upto"))
    error = None
    if request.GET.get("upto") not in (None, "") and upto is None:
        error = "条目序号应为非负整数。"
    upto = min(upto, last) if upto is not None else last
    entries = list(
        LogEntry.objects.filter(seq__lte=upto)
        .order_by("-seq")
        .only("seq", "at", "kind", "ref", "sha256", "hash")[:PER_PAGE]
    )
    heads = list(LogHead.objects.order_by("-day")[:14])
    signer = transparency.signer_bureau()
    _pem, fingerprint = transparency.signer_certificate(signer) if signer else ("", "")
    return render(
        request,
        "appraisal/transparency_log.html",
        {
            "entries": entries,
            "heads": heads,
            "last": last,
            "newer": min(upto + PER_PAGE, last) if upto < last else None,
            "older": entries[-1].seq - 1 if entries and entries[-1].seq > 1 else None,
            "error": error,
            "fingerprint": fingerprint,
            "signer": signer,
        },
    )


@never_cache
@require_GET
def log_json(request):
    after = _seq(request.GET.get("after", "0"))
    count = _seq(request.GET.get("count", str(transparency.EXPORT_MAX)))
    if after is None or not count:
        return JsonResponse(
            {"error": "参数 after 应为非负整数，count 应为正整数。"},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(
        transparency.export(after, count), json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def published_file(request, name):
    if name not in PUBLISHED_FILES:
        raise Http404("文件不存在。")
    path, content_type = PUBLISHED_FILES[name]
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=name)
    response["Content-Type"] = content_type
    return response


def _record_response(draw: Draw) -> HttpResponse:
    response = HttpResponse(draw_record.of(draw), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{draw_record.filename(draw)}"'
    return response


@login_required
def draw_record_json(request, pk):
    """The record file, for the case's bureau staff and supervisors, from the draw on."""
    return _record_response(access.get_draw_for(request.user, pk))


@never_cache
@require_GET
def public_draws(request, code):
    """The case's draw records the public may download by a document's verification code."""
    document = find_document(code)
    if document is None:
        return render(
            request,
            "appraisal/verify_unknown.html",
            {"code": code[:40], "form": CodeForm()},
            status=404,
        )
    draws = (
        access.public_draws(document.case)
        .select_related("round", "log_entry")
        .defer("candidates", "order", "filters")
        .order_by("created_at", "id")
    )
    return render(
        request, "appraisal/verify_draws.html", {"document": document, "draws": list(draws)}
    )


@require_GET
def public_draw_record(request, code, pk):
    document = find_document(code)
    if document is None:
        raise Http404("核验码无效。")
    try:
        draw = (
            access.public_draws(document.case)
            .select_related("round__case", "pool", "commitment", "witness", "for_seat")
            .get(pk=pk)
        )
    except Draw.DoesNotExist:
        raise Http404("抽取记录不存在，或本轮鉴定结果尚未出具。") from None
    return _record_response(draw)
