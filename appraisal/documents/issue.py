"""Issuing a document: a serial number, rendered once, stored with its SHA-256."""

import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

import audit
from audit.models import Action

from ..models import IssuedDocument, SerialCounter
from .render import render_pdf


def format_serial(bureau, word: str, year: int, sequence: int) -> str:
    """E.g. 昌市鉴受〔2026〕0001号 (GB/T 9704: the year in hexagonal brackets)."""
    return f"{bureau.short_name}{word}〔{year}〕{sequence:04d}号"


def issue_document(*, case, kind, bureau, template, context, user, round=None) -> IssuedDocument:
    """Number, render and store a document. Call inside the transaction of the action that issues it."""
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
    pdf = render_pdf(
        template,
        {**context, "case": case, "document": document, "bureau": bureau, "issued_at": now},
    )
    document.size = len(pdf)
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.file.save(document.filename, ContentFile(pdf), save=False)
    document.save()
    audit.record(user, Action.DOCUMENT_ISSUED, document, serial=serial, sha256=document.sha256)
    return document
