"""Digital signatures on issued PDFs with each bureau's key (docs/domain.md §文书: any change to
the file shows).

PAdES baseline signatures made with pyHanko, offline: no timestamp server, no revocation fetching.
Each bureau's key and certificate are two PEM files in settings.APPRAISAL_SIGNING_DIR, named after
the bureau's 行政区划代码 (``652301.key.pem``, ``652301.cert.pem``). Production puts the bureau's own
key there (or, per GB/T 38540, swaps a certified seal service in behind ``sign_pdf``); the demo makes
self-signed ones with ``manage.py make_signing_keys``.
"""

import asyncio
import concurrent.futures
import datetime
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common.errors import ServiceError

from .keys import key_paths
from .trust import Trust, colon_hex, sha256_fingerprint

SIGNATURE_FIELD = "出具单位数字签名"


class SigningKeyMissing(ServiceError):
    """The bureau has no key or certificate in the signing folder: the action that would issue the
    document is refused with these words."""

    def __init__(self, bureau):
        super().__init__(f"{bureau.bureau_name}的文书签名证书未配置，无法出具带数字签名的文书。")


def make_key(code: str, bureau_name: str, directory: Path | None = None, *, years: int = 10):
    """A P-256 key and a self-signed certificate for the bureau; existing files are kept.

    Returns True when files were written, False when the bureau already had them.
    """
    key_path, cert_path = key_paths(code, directory)
    if key_path.exists() or cert_path.exists():
        return False
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, bureau_name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{bureau_name}文书签名"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    # Written exclusively ("x"): a key file is never overwritten.
    with open(key_path, "xb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    key_path.chmod(0o600)
    with open(cert_path, "xb") as fh:
        fh.write(cert.public_bytes(serialization.Encoding.PEM))
    return True


def has_key(bureau) -> bool:
    key_path, cert_path = key_paths(bureau.code)
    return key_path.exists() and cert_path.exists()


@lru_cache(maxsize=32)
def _signer(key_path: str, cert_path: str, mtime: float):
    from pyhanko.sign import signers  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

    signer = signers.SimpleSigner.load(key_path, cert_path)
    if signer is None:
        raise ValueError(f"无法读取签名密钥：{key_path}")
    return signer


def _bureau_signer(bureau):
    key_path, cert_path = key_paths(bureau.code)
    if not (key_path.exists() and cert_path.exists()):
        raise SigningKeyMissing(bureau)
    mtime = max(key_path.stat().st_mtime, cert_path.stat().st_mtime)
    return _signer(str(key_path), str(cert_path), mtime)


def _outside_event_loop(fn, *args):
    """pyHanko's synchronous API calls asyncio.run(), which refuses to run inside a thread that
    already runs an event loop (an async caller, a browser driver); such callers get a worker."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def sign_pdf(pdf_bytes: bytes, bureau) -> bytes:
    """The PDF with an invisible PAdES signature of the bureau added as an incremental update."""
    return _outside_event_loop(_sign_pdf, pdf_bytes, bureau)


def _sign_pdf(pdf_bytes: bytes, bureau) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)
    from pyhanko.sign import fields, signers  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

    signer = _bureau_signer(bureau)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason="出具文书，证明文件自出具后未经改动",
        location=bureau.bureau_name,
        name=bureau.bureau_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of ``verify_pdf``: status is intact, foreign, modified, unsigned or unreadable.

    "intact" is a signature over the whole, unchanged file whose certificate is a bureau's (see
    ``trust``: pinned or chained); only then is ``signer`` the bureau's name. "foreign" is a
    signature that is cryptographically valid over the whole file but whose certificate is no
    bureau's, whatever its subject reads; ``fingerprint`` names that certificate.
    """

    status: str
    signer: str = ""
    signed_at: datetime.datetime | None = None
    trusted: bool = False
    basis: str = ""  # "pinned" or "chained" when the certificate is the bureau's
    anchor: str = ""  # the configured trust root a chained certificate leads to
    fingerprint: str = ""  # SHA-256 of the signing certificate

    LABELS = {
        "intact": "数字签名有效，文件自签名后未被改动",
        "foreign": "签名在密码学上有效，但签名证书不是本平台登记的任何教育局的证书，不能证明由教育局签发",
        "modified": "数字签名无效：文件在签名后被改动过或已损坏",
        "unsigned": "文件没有数字签名",
        "unreadable": "文件不是可读取的 PDF",
    }

    @property
    def intact(self) -> bool:
        return self.status == "intact"

    @property
    def label(self) -> str:
        return self.LABELS[self.status]

    @property
    def fingerprint_display(self) -> str:
        return colon_hex(self.fingerprint)


def verify_pdf(pdf_bytes: bytes, bureaus=None) -> SignatureCheck:
    """Whether the PDF carries a signature that covers the whole file, unchanged since signing, made
    with a bureau's certificate (``trust``; ``bureaus``: whose certificates count, by default every
    registered bureau's)."""
    return _outside_event_loop(_verify_pdf, pdf_bytes, bureaus)


def _verify_pdf(pdf_bytes: bytes, bureaus=None) -> SignatureCheck:
    from pyhanko.pdf_utils.misc import PdfError  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)
    from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

    if not pdf_bytes.startswith(b"%PDF-"):
        return SignatureCheck("unreadable")
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, OSError):
        # A PDF header but a structure that no longer parses: damaged, or changed by hand.
        return SignatureCheck("modified")
    if not signatures:
        return SignatureCheck("unsigned")
    sig = signatures[-1]
    trust = Trust(bureaus)
    try:
        status = validate_pdf_signature(sig, trust.validation_context(), skip_diff=False)
        signer_cert = sig.signer_cert
    except Exception:  # noqa: BLE001  (any parsing failure of a damaged signature is "modified")
        return SignatureCheck("modified")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not (status.intact and status.valid and whole):
        return SignatureCheck("modified")
    fingerprint = sha256_fingerprint(signer_cert)
    attribution = trust.attribute(signer_cert, status)
    if attribution is None:
        return SignatureCheck(
            "foreign", signed_at=status.signer_reported_dt, fingerprint=fingerprint
        )
    return SignatureCheck(
        "intact",
        signer=attribution.bureau_name,
        signed_at=status.signer_reported_dt,
        trusted=True,
        basis=attribution.basis,
        anchor=attribution.anchor,
        fingerprint=fingerprint,
    )
