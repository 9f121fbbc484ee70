"""Render time and size of a full 附件2 (five experts, all four dimensions with findings).

    uv run python benchmarks/pdf_render.py [--runs 15]

Prints each figure with its target and the measured value. Targets (issue 5): rendering under
0.2 s (median, after the first render has loaded the fonts) and under 300 KB, with HarfBuzz's
subset library (libharfbuzz-subset0) installed. Also measures the digital signature and the
check of it, which every issued document gets. Needs no database.
"""

import argparse
import ctypes.util
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from appraisal.documents.context import document_extras, sample_opinion_context  # noqa: E402
from appraisal.documents.render import render_pdf  # noqa: E402
from appraisal.documents.signing import make_key, sign_pdf, verify_pdf  # noqa: E402
from appraisal.models import IssuedDocument  # noqa: E402
from portal.models import Bureau  # noqa: E402


def timed(fn, runs):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def cpu_timed(fn, runs):
    """CPU time of this process: what the render costs, whatever else the machine is doing."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    bureau = Bureau(code="652301", name="昌吉市", bureau_name="昌吉市教育局", short_name="昌市")
    document = IssuedDocument(
        kind=IssuedDocument.Kind.OPINION,
        serial="昌市鉴〔2026〕0001号",
        verification_code="3F9A0C17B2D4E685",
    )
    context = {
        **sample_opinion_context(experts=5),
        **document_extras(document, bureau),
        "document": document,
        "bureau": bureau,
        "issued_at": timezone.now(),
    }

    def render():
        return render_pdf("documents/opinion.html", context)

    start = time.perf_counter()
    pdf = render()  # loads the fonts once per process
    first = time.perf_counter() - start
    median, best, pdf = timed(render, args.runs)
    cpu_median = cpu_timed(render, args.runs)

    with tempfile.TemporaryDirectory() as keys:
        settings.APPRAISAL_SIGNING_DIR = Path(keys)
        make_key(bureau.code, bureau.bureau_name)
        sign_pdf(pdf, bureau)  # loads the key once per process
        sign_median, _, signed = timed(lambda: sign_pdf(pdf, bureau), args.runs)
        both_median, _, _ = timed(lambda: sign_pdf(render(), bureau), args.runs)
        check_median, _, check = timed(lambda: verify_pdf(signed, [bureau]), args.runs)

    harfbuzz = bool(ctypes.util.find_library("harfbuzz-subset"))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    rows = [
        ("附件2 渲染时间（中位数）", "< 0.200 s", f"{median:.3f} s", median < 0.2),
        ("附件2 渲染 CPU 时间（中位数）", "< 0.200 s", f"{cpu_median:.3f} s", cpu_median < 0.2),
        ("附件2 文件大小", "< 300 KB", f"{len(pdf) / 1024:.0f} KB", len(pdf) < 300 * 1024),
        ("附件2 渲染 + 数字签名（中位数）", "—", f"{both_median:.3f} s", None),
        ("数字签名（中位数）", "—", f"{sign_median * 1000:.0f} ms", None),
        ("签名核验（中位数）", "—", f"{check_median * 1000:.0f} ms", check.intact),
        ("签名后文件大小", "< 300 KB", f"{len(signed) / 1024:.0f} KB", len(signed) < 300 * 1024),
        ("首次渲染（含载入字体）", "—", f"{first:.3f} s", None),
        ("最快一次渲染", "—", f"{best:.3f} s", None),
    ]
    print(f"附件2：五名专家、四个维度均有鉴定情况，{pages} 页；重复 {args.runs} 次")
    print(
        f"字体：{settings.APPRAISAL_PDF_FONT}；HarfBuzz 子集库：{'已安装' if harfbuzz else '缺失'}"
    )
    load = os.getloadavg()[0]
    print(
        f"本机 {os.cpu_count()} 核，测量时 1 分钟平均负载 {load:.2f}（负载高时墙钟时间偏长，CPU 时间不受影响）"
    )
    print(f"{'项目':<28}{'目标':<12}{'实测':<12}结论")
    for name, target, measured, ok in rows:
        verdict = "" if ok is None else ("达标" if ok else "未达标")
        print(f"{name:<28}{target:<12}{measured:<12}{verdict}")
    failed = [r for r in rows if r[3] is False]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
