"""The PDF pipeline: HTML templates rendered by WeasyPrint in a CJK serif font, issued once and kept."""

from .issue import issue_document
from .render import render_pdf

__all__ = ["issue_document", "render_pdf"]
