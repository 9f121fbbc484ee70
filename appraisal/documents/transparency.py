"""The transparency log: appending entries, signing each day's head, exporting (docs/draw-spec.md §9).

An entry's hash is SHA-256 over its lines (``entry_text``), the last of which is the previous
entry's hash, so no entry can be removed, changed or moved without changing every hash after it.
Each finished day's head (number of entries, last hash) is signed with the prefecture's key by
the daily job, so a log rewritten after the fact no longer matches what was signed and published.

``append`` is called inside the transaction that makes the draw or issues the document, and holds
the log's lock until that transaction ends: entries are numbered in the order they commit.
"""

import base64
import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appraisal.documents.signing import key_paths
from appraisal.models import LogEntry, LogHead
from appraisal.panel.record import utc_text
from portal.models import Bureau

ENTRY_FORMAT = "jianding-log-entry/1"
HEAD_FORMAT = "jianding-log-head/1"
EXPORT_FORMAT = "jianding-log/1"
GENESIS = "0" * 64  # the "previous hash" of the first entry
EXPORT_MAX = 5000  # entries per exported page
# One PostgreSQL advisory lock number for the log (any fixed 64-bit number, here b"jdlog").
LOCK = 0x6A646C6F67


class LogSignerMissing(Exception):
    def __init__(self, code):
        super().__init__(f"透明日志签名单位（{code or '州教育局'}）的签名密钥未配置，无法签署。")
        self.message = str(self)


def entry_text(seq: int, at: str, kind: str, ref: str, sha256: str, prev_hash: str) -> str:
    return f"{ENTRY_FORMAT}\n{seq}\n{at}\n{kind}\n{ref}\n{sha256}\n{prev_hash}\n"


def entry_hash(seq, at, kind, ref, sha256, prev_hash) -> str:
    text = entry_text(seq, at, kind, ref, sha256, prev_hash)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def head_text(day: datetime.date, size: int, root: str, signer: str) -> str:
    return f"{HEAD_FORMAT}\n{day:%Y-%m-%d}\n{size}\n{root}\n{signer}\n"


def draw_ref(case_number: str, round_number: int, kind: str, draw_id: int) -> str:
    """What a draw's entry names: its case, round, kind and number (no person)."""
    return f"{case_number}/{round_number}/{kind}/{draw_id}"


def append(kind: str, ref: str, sha256: str, *, draw=None, document=None) -> LogEntry:
    """The next entry of the log. Call inside the transaction that makes what it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("a log entry is written in the transaction of what it records")
    if "\n" in ref or "\r" in ref:
        raise ValueError("a log entry's reference is one line")
    if connection.vendor == "postgresql":  # SQLite lets one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
    last = LogEntry.objects.order_by("-seq").values_list("seq", "hash", "at").first()
    seq, prev, now = 1, GENESIS, timezone.now()
    if last is not None:
        seq, prev = last[0] + 1, last[1]
        now = max(now, last[2])  # a clock set back never puts an entry before the one above
    return LogEntry.objects.create(
        seq=seq,
        at=now,
        kind=kind,
        ref=ref,
        sha256=sha256,
        prev_hash=prev,
        hash=entry_hash(seq, utc_text(now), kind, ref, sha256, prev),
        draw=draw,
        document=document,
    )


def entry_json(entry: LogEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": utc_text(entry.at),
        "kind": entry.kind,
        "ref": entry.ref,
        "sha256": entry.sha256,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


# ---- the signed heads ------------------------------------------------------------------------
def signer_bureau():
    """The prefecture whose key signs the heads: ``APPRAISAL_LOG_SIGNER`` (a 行政区划代码), or
    the first prefecture-level bureau of the deployment."""
    code = getattr(settings, "APPRAISAL_LOG_SIGNER", "")
    bureaus = Bureau.objects.filter(is_active=True)
    if code:
        return bureaus.filter(code=code).first()
    return bureaus.filter(level=Bureau.Level.PREFECTURE).order_by("order", "code").first()


def _load_signer(code: str):
    key_path, cert_path = key_paths(code)
    if not (key_path.exists() and cert_path.exists()):
        raise LogSignerMissing(code)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return key, cert, fingerprint


def _sign(key, message: bytes) -> bytes:
    """ECDSA P-256 or RSA PKCS#1 v1.5, SHA-256, DER: what ``openssl dgst -sha256 -sign`` makes."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    raise LogSignerMissing("")


def _day_end(day: datetime.date) -> datetime.datetime:
    """The first moment of the next day, in the portal's time zone."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(start)


def sign_heads(today: datetime.date | None = None) -> list[LogHead]:
    """Sign the head of every finished day not yet signed, from the log's first day to
    yesterday (a day without entries is signed too: it says nothing was added). Idempotent."""
    today = today or timezone.localdate()
    first = LogEntry.objects.order_by("seq").values_list("at", flat=True).first()
    if first is None:
        return []
    last = LogHead.objects.order_by("-day").values_list("day", flat=True).first()
    day = last + datetime.timedelta(days=1) if last else timezone.localdate(first)
    if day >= today:
        return []
    bureau = signer_bureau()
    if bureau is None:
        raise LogSignerMissing("")
    key, _cert, fingerprint = _load_signer(bureau.code)
    made = []
    while day < today:
        found = (
            LogEntry.objects.filter(at__lt=_day_end(day))
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        size, root = found if found else (0, GENESIS)
        message = head_text(day, size, root, bureau.code).encode("utf-8")
        try:
            with transaction.atomic():
                made.append(
                    LogHead.objects.create(
                        day=day,
                        size=size,
                        root=root,
                        signer=bureau.code,
                        certificate_sha256=fingerprint,
                        signature=base64.b64encode(_sign(key, message)).decode(),
                    )
                )
        except IntegrityError:  # signed meanwhile by another run
            pass
        day += datetime.timedelta(days=1)
    return made


def head_json(head: LogHead) -> dict:
    return {
        "day": f"{head.day:%Y-%m-%d}",
        "size": head.size,
        "root": head.root,
        "signer": head.signer,
        "certificate_sha256": head.certificate_sha256,
        "signature": head.signature,
        "message": head_text(head.day, head.size, head.root, head.signer),
        "signed_at": utc_text(head.signed_at),
    }


def signer_certificate(bureau=None) -> tuple[str, str]:
    """(PEM, SHA-256 fingerprint of the DER) of the heads' signing certificate (of ``bureau``,
    by default ``signer_bureau()``); empty if none."""
    bureau = bureau or signer_bureau()
    if bureau is None:
        return "", ""
    _key, cert_path = key_paths(bureau.code)
    if not cert_path.exists():
        return "", ""
    pem = cert_path.read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return pem.decode("ascii"), hashlib.sha256(der).hexdigest()


def export(after: int = 0, count: int = EXPORT_MAX) -> dict:
    """Entries ``after``+1 … ``after``+``count`` and the heads signed over them, as the public
    ``log.json`` serves them and the verifier reads them."""
    count = max(1, min(count, EXPORT_MAX))
    entries = list(LogEntry.objects.filter(seq__gt=after).order_by("seq")[:count])
    end = entries[-1].seq if entries else after
    heads = LogHead.objects.filter(size__gt=after, size__lte=end).order_by("day")
    if after == 0:
        heads = LogHead.objects.filter(size__lte=end).order_by("day")  # with the empty days
    pem, fingerprint = signer_certificate()
    return {
        "format": EXPORT_FORMAT,
        "after": after,
        "entries": [entry_json(e) for e in entries],
        "heads": [head_json(h) for h in heads],
        "more": LogEntry.objects.filter(seq__gt=end).exists(),
        "signer_certificate": pem,
        "signer_certificate_sha256": fingerprint,
    }
