"""Issuing a document: a serial number, rendered once, signed, stored with its SHA-256, entered
in the transparency log."""

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

import audit
from appraisal.documents import transparency
from audit.models import Action

from ..models import IssuedDocument, LogEntry, SerialCounter
from .context import document_extras
from .render import render_pdf
from .signing import sign_pdf


def format_serial(bureau, word: str, year: int, sequence: int) -> str:
    """E.g. 昌市鉴〔2026〕0001号 (GB/T 9704: the year in hexagonal brackets)."""
    return f"{bureau.short_name}{word}〔{year}〕{sequence:04d}号"


def public_summary(case, kind, *, projects=None) -> dict:
    """What the public verification page shows: nothing private (no people, no case details).

    ``projects`` is a list of {name, result} (result "academic"/"non_academic" or None); by default
    the case's projects without a result.
    """
    if projects is None:
        projects = [{"name": p.name, "result": None} for p in case.projects.order_by("name")]
    return {
        "title": IssuedDocument.Kind(kind).label,
        "institution": case.institution.name,
        "projects": [{"name": p["name"], "result": p.get("result")} for p in projects],
    }


def issue_document(
    *, case, kind, bureau, template, context, user, round=None, public=None
) -> IssuedDocument:
    """Number, render, sign and store a document. Call inside the transaction that issues it.

    The serial comes from the bureau's counter row, locked until that transaction commits, so two
    clerks issuing at once get consecutive numbers and a rolled-back issue leaves no gap.
    ``public`` is the summary shown on the verification page (see ``public_summary``).
    Raises ``SigningKeyMissing`` when documents are signed and the bureau has no key.
    """
    now = timezone.localtime()
    year = now.year
    sequence = SerialCounter.next_value(bureau, year, kind)
    serial = format_serial(bureau, IssuedDocument.SERIAL_WORDS[kind], year, sequence)
    document = IssuedDocument(
        case=case,
        round=round,
        kind=kind,
        bureau=bureau,
        year=year,
        sequence=sequence,
        serial=serial,
        issued_by=user,
        issued_at=now,
    )
    document.public_summary = {
        **(public or public_summary(case, kind)),
        "bureau": bureau.bureau_name,
    }
    pdf = render_pdf(
        template,
        {
            **context,
            **document_extras(document, bureau),
            "case": case,
            "document": document,
            "bureau": bureau,
            "issued_at": now,
        },
    )
    if settings.APPRAISAL_SIGN_DOCUMENTS:
        pdf = sign_pdf(pdf, bureau)
        document.is_signed = True
        document.signer = bureau.bureau_name
    document.size = len(pdf)
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.file.save(document.filename, ContentFile(pdf), save=False)
    try:
        document.save()
        # On the public transparency log, in this same transaction (docs/draw-spec.md §9).
        transparency.append(LogEntry.Kind.DOCUMENT, serial, document.sha256, document=document)
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    audit.record(user, Action.DOCUMENT_ISSUED, document, serial=serial, sha256=document.sha256)
    return document
