"""Whose signature it is: the bureau's own certificate (pinned, or chained to a configured root),
never the name a certificate gives itself."""

import pytest
from cryptography.hazmat.primitives import serialization

from appraisal import checks
from appraisal.documents import render_pdf
from appraisal.documents.signing import key_paths, sign_pdf, verify_pdf

from . import outside_signer

FOREIGN = "签名在密码学上有效，但签名证书不是本平台登记的任何教育局的证书，不能证明由教育局签发"


@pytest.fixture(scope="module")
def pdf():
    return render_pdf("documents/sample_material.html", {"title": "阜康市教育局 鉴定意见书"})


def test_the_portals_signature_is_the_bureaus_by_its_pinned_certificate(pdf, fukang, signing_dir):
    check = verify_pdf(sign_pdf(pdf, fukang))
    assert check.status == "intact" and check.trusted and check.basis == "pinned"
    assert check.signer == "阜康市教育局"
    held = key_paths(fukang.code, signing_dir)[1].read_bytes()
    from cryptography import x509

    assert check.fingerprint == outside_signer.sha256(x509.load_pem_x509_certificate(held))


def test_a_look_alike_certificate_is_valid_but_not_the_bureaus(pdf, fukang):
    key, cert = outside_signer.look_alike("阜康市教育局")
    check = verify_pdf(outside_signer.sign(pdf, key, cert))
    assert check.status == "foreign" and not check.intact and not check.trusted
    assert check.signer == "" and check.basis == ""
    assert check.label == FOREIGN
    assert check.fingerprint == outside_signer.sha256(cert)


def test_a_look_alike_with_the_portals_subject_and_serial_is_still_refused(
    pdf, changji, signing_dir
):
    """Copy everything public about the bureau's certificate but the key: still not the bureau's."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    real = x509.load_pem_x509_certificate(key_paths(changji.code, signing_dir)[1].read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(real.subject)
        .issuer_name(real.issuer)
        .public_key(key.public_key())
        .serial_number(real.serial_number)
        .not_valid_before(real.not_valid_before_utc)
        .not_valid_after(real.not_valid_after_utc)
    )
    for extension in real.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    copy = builder.sign(key, hashes.SHA256())
    check = verify_pdf(outside_signer.sign(pdf, key, copy))
    assert check.status == "foreign" and check.signer == ""


def test_a_certificate_made_with_a_bureaus_own_key_is_not_another_bureaus(
    pdf, changji, fukang, signing_dir
):
    """The demo certificates may certify others (they are self-signed CAs): a certificate that
    Changji's key issues naming Fukang chains to Changji's certificate, yet is neither pinned nor
    under a configured root, so it names no bureau."""
    from cryptography import x509

    key_path, cert_path = key_paths(changji.code, signing_dir)
    changji_key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    changji_cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key, cert = outside_signer.issued_by(changji_key, changji_cert, "阜康市教育局")
    check = verify_pdf(outside_signer.sign(pdf, key, cert, chain=[changji_cert]))
    assert check.status == "foreign" and check.signer == ""


def test_a_certificate_chained_to_a_configured_root_names_the_bureau(
    pdf, fukang, settings, tmp_path
):
    ca_key, ca_cert = outside_signer.authority()
    key, cert = outside_signer.issued_by(ca_key, ca_cert, "阜康市教育局")
    signed = outside_signer.sign(pdf, key, cert, chain=[ca_cert])
    # Not configured: the provincial CA is nobody to the portal.
    assert verify_pdf(signed).status == "foreign"
    root = tmp_path / "province-ca.pem"
    root.write_bytes(outside_signer.pem(ca_cert))
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = [str(root)]
    check = verify_pdf(signed)
    assert check.status == "intact" and check.basis == "chained" and check.trusted
    assert check.signer == "阜康市教育局"
    assert "新疆维吾尔自治区电子认证根证书（测试）" in check.anchor
    # The same file edited after signing is tampered, chained or not.
    tampered = bytearray(signed)
    tampered[len(pdf) // 2] ^= 0x01
    assert verify_pdf(bytes(tampered)).status == "modified"


def test_a_configured_root_vouches_only_for_registered_bureaus(
    pdf, jurisdictions, settings, tmp_path
):
    ca_key, ca_cert = outside_signer.authority()
    key, cert = outside_signer.issued_by(ca_key, ca_cert, "阜康市某某科技有限公司")
    root = tmp_path / "province-ca.pem"
    root.write_bytes(outside_signer.pem(ca_cert))
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = [str(root)]
    check = verify_pdf(outside_signer.sign(pdf, key, cert, chain=[ca_cert]))
    assert check.status == "foreign" and check.signer == ""


def test_a_look_alike_edited_after_signing_is_tampered(pdf, fukang):
    key, cert = outside_signer.look_alike("阜康市教育局")
    signed = bytearray(outside_signer.sign(pdf, key, cert))
    signed[len(pdf) // 3] ^= 0x04
    assert verify_pdf(bytes(signed)).status == "modified"


def test_an_unreadable_trust_root_is_named_by_a_check_and_accepts_nothing(
    pdf, fukang, settings, tmp_path
):
    ca_key, ca_cert = outside_signer.authority()
    key, cert = outside_signer.issued_by(ca_key, ca_cert, "阜康市教育局")
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate")
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = [str(broken), str(tmp_path / "missing.pem")]
    warnings = checks.signing_trust_roots_readable()
    assert [w.id for w in warnings] == ["appraisal.W004", "appraisal.W004"]
    assert "broken.pem" in warnings[0].msg and "missing.pem" in warnings[1].msg
    assert verify_pdf(outside_signer.sign(pdf, key, cert, chain=[ca_cert])).status == "foreign"
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = []
    assert checks.signing_trust_roots_readable() == []
