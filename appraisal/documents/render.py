"""Rendering an HTML template to PDF bytes with WeasyPrint."""

from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


@lru_cache(maxsize=1)
def _font_config():
    from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415 (WeasyPrint loads Pango and fonts: only where a PDF is made)

    return FontConfiguration()


def render_html(template_name: str, context: dict) -> str:
    context = {
        "pdf_font": settings.APPRAISAL_PDF_FONT,
        "portal_name": "中小学生校外培训服务类别鉴定工作平台",
        **context,
    }
    return render_to_string(template_name, context)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a document template (which extends documents/base.html) to PDF bytes."""
    from weasyprint import HTML  # noqa: PLC0415 (WeasyPrint loads Pango and fonts: only where a PDF is made)

    html = render_html(template_name, context)
    base_url = finders.find("portal/css/portal.css") or str(settings.BASE_DIR)
    return HTML(string=html, base_url=base_url).write_pdf(font_config=_font_config())
