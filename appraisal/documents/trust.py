"""Whose signature is it: the bureaus' own certificates and the trust roots the deployment configures.

The name in a certificate's subject proves nothing by itself: anyone can make a certificate that
reads "阜康市教育局文书签名". A signature on a PDF is attributed to a bureau only when

- its certificate is one the portal itself holds for that bureau (``<code>.cert.pem`` in
  ``APPRAISAL_SIGNING_DIR``, the certificate of the key the portal signs with), compared by the
  SHA-256 fingerprint of the certificate's DER encoding ("pinned"); or
- pyHanko's certificate validation chains it to one of the trust roots listed in
  ``APPRAISAL_SIGNING_TRUST_ROOTS`` (e.g. a provincial CA's certificate) and the organisation the
  issuer vouches for is a bureau registered on the portal ("chained").

Anything else that is cryptographically valid is valid but not the bureau's. The bureaus'
certificates and their fingerprints are public (the certificates page under /verify/), so a
recipient can make the same comparison offline (README, 文书、印章与数字签名).
"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from cryptography import x509
from django.conf import settings

from portal.models import Bureau

from .keys import key_paths

logger = logging.getLogger(__name__)


def sha256_fingerprint(certificate) -> str:
    """Lower-case hex SHA-256 of the certificate's DER encoding (what `openssl x509 -fingerprint
    -sha256` prints, without the colons)."""
    return hashlib.sha256(certificate.dump()).hexdigest()


def distinguished_name(certificate, which: str = "subject") -> str:
    """The certificate's subject (or issuer) as RFC 4514 writes it, ``CN=…,O=…,C=CN``: the form
    pdfsig prints as "Signer full Distinguished Name", so the two can be compared."""
    return getattr(x509.load_der_x509_certificate(certificate.dump()), which).rfc4514_string()


def colon_hex(digest: str) -> str:
    """``AB:CD:…``, the grouping openssl and most certificate viewers print."""
    digest = digest.upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class BureauCertificate:
    """The certificate the portal signs a bureau's documents with (public; the key stays put)."""

    code: str
    bureau_name: str
    certificate: object  # asn1crypto.x509.Certificate
    active: bool = True

    @property
    def sha256(self) -> str:
        return sha256_fingerprint(self.certificate)

    @property
    def fingerprint(self) -> str:
        return colon_hex(self.sha256)

    @property
    def subject(self) -> str:
        return distinguished_name(self.certificate)

    @property
    def issuer(self) -> str:
        return distinguished_name(self.certificate, "issuer")

    @property
    def self_signed(self) -> bool:
        return self.certificate.self_signed != "no"

    @property
    def not_before(self):
        return self.certificate.not_valid_before

    @property
    def not_after(self):
        return self.certificate.not_valid_after

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "X")

    def pem(self) -> bytes:
        """The certificate alone, armoured again from its DER bytes: whatever else the file on disk
        holds (a key pasted in by mistake, comments) is never served."""
        return pem.armor("CERTIFICATE", self.certificate.dump())


def _load_one(path: Path):
    from pyhanko.keys import load_cert_from_pemder  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

    try:
        return load_cert_from_pemder(str(path))
    except (OSError, ValueError, TypeError) as exc:
        logger.warning("cannot read the signing certificate %s: %s", path, exc)
        return None


def bureau_certificates(bureaus=None) -> list[BureauCertificate]:
    """Each registered bureau's signing certificate the portal holds, in the bureaus' order
    (``bureaus``: those to consider, by default every registered one)."""
    if bureaus is None:
        bureaus = Bureau.objects.order_by("order", "code")
    held = []
    for bureau in bureaus:
        path = key_paths(bureau.code)[1]
        if not path.is_file():
            continue
        certificate = _load_one(path)
        if certificate is not None:
            held.append(
                BureauCertificate(bureau.code, bureau.bureau_name, certificate, bureau.is_active)
            )
    return held


def configured_trust_roots() -> list:
    """The certificates of ``APPRAISAL_SIGNING_TRUST_ROOTS`` (files of PEM or DER certificates;
    a PEM file may hold several). An unreadable file is skipped here and named by the system
    check ``appraisal.W004``."""
    from pyhanko.keys import load_certs_from_pemder_data  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

    roots = []
    for name in settings.APPRAISAL_SIGNING_TRUST_ROOTS:
        try:
            roots.extend(load_certs_from_pemder_data(Path(name).read_bytes()))
        except (OSError, ValueError, TypeError) as exc:
            logger.warning("cannot read the signing trust root %s: %s", name, exc)
    return roots


def unreadable_trust_roots() -> list[str]:
    """The configured trust-root files that hold no readable certificate."""
    from pyhanko.keys import load_certs_from_pemder_data  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

    bad = []
    for name in settings.APPRAISAL_SIGNING_TRUST_ROOTS:
        try:
            if not list(load_certs_from_pemder_data(Path(name).read_bytes())):
                bad.append(name)
        except (OSError, ValueError, TypeError):
            bad.append(name)
    return bad


@dataclass(frozen=True)
class Attribution:
    """A signature found to be a bureau's, and on which basis ("pinned" or "chained")."""

    basis: str
    bureau_code: str
    bureau_name: str
    anchor: str = ""  # the trust root's subject, when chained


class Trust:
    """What one verification compares a signature against (read once per verification)."""

    def __init__(self, bureaus=None):
        self.held = bureau_certificates(bureaus)
        self.roots = configured_trust_roots()
        self._root_digests = {sha256_fingerprint(c) for c in self.roots}

    def validation_context(self):
        """pyHanko's context: the configured roots, and the bureaus' own certificates so that a
        pinned signature's certificate is checked (validity, key usage) like any other. Offline:
        nothing is fetched, revocation is not consulted. Attribution never rests on ``trusted``
        alone: a certificate made with a bureau's key (its demo certificate may sign others)
        chains to that bureau's certificate but is neither pinned nor under a configured root."""
        from pyhanko_certvalidator import ValidationContext  # noqa: PLC0415 (pyHanko is slow to import: only where a PDF is signed or checked)

        return ValidationContext(
            trust_roots=[*self.roots, *(h.certificate for h in self.held)],
            allow_fetching=False,
        )

    def attribute(self, signer_cert, status) -> Attribution | None:
        """The bureau whose signature this is, or None when the certificate is no bureau's."""
        digest = sha256_fingerprint(signer_cert)
        for held in self.held:
            if held.sha256 == digest:
                return Attribution("pinned", held.code, held.bureau_name)
        if not (status.trusted and status.validation_path is not None):
            return None
        anchor = getattr(status.validation_path.trust_anchor.authority, "certificate", None)
        if anchor is None or sha256_fingerprint(anchor) not in self._root_digests:
            return None
        organisation = signer_cert.subject.native.get("organization_name")
        if not isinstance(organisation, str) or not organisation:
            return None

        bureau = Bureau.objects.filter(bureau_name=organisation).first()
        if bureau is None:
            return None
        return Attribution("chained", bureau.code, bureau.bureau_name, distinguished_name(anchor))
