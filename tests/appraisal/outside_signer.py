"""Certificates and signatures made outside the portal, the way anyone could make them.

Keys and certificates are made with ``cryptography`` and PDFs signed with pyHanko directly, not with
the portal's signing code: what a forger or another authority would do.
"""

import datetime
import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.UTC)


def subject(organisation, common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, ca):
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def certificate(name, key, *, issuer_name=None, issuer_key=None, ca=False):
    """A certificate for ``key``; self-signed unless an issuer is given."""
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca=ca), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


def look_alike(organisation):
    """A self-made certificate whose subject reads like the bureau's own ("…文书签名")."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key, certificate(subject(organisation, f"{organisation}文书签名"), key, ca=True)


def authority(common_name="新疆维吾尔自治区电子认证根证书（测试）"):
    key = ec.generate_private_key(ec.SECP256R1())
    return key, certificate(subject("测试证书机构", common_name), key, ca=True)


def issued_by(issuer_key, issuer_cert, organisation):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate(
        subject(organisation, f"{organisation}文书签名"),
        key,
        issuer_name=issuer_cert.subject,
        issuer_key=issuer_key,
    )
    return key, cert


def pem(*certs) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def sha256(cert) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def sign(pdf_bytes, key, cert, *, chain=()):
    """The PDF signed with ``key`` as pyHanko signs for anyone, in the field the portal uses."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    private = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        asn1(cert), private, SimpleCertificateStore.from_certs([asn1(c) for c in (cert, *chain)])
    )
    meta = signers.PdfSignatureMetadata(
        field_name="出具单位数字签名",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()
