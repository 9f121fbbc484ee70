"""The public page of the bureaus' signing certificates, and the PEM downloads."""

import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from appraisal.documents.signing import key_paths
from portal.models import Bureau

from . import outside_signer


def colon_hex(cert):
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def test_every_bureaus_certificate_is_listed_with_its_fingerprint(
    client, jurisdictions, signing_dir
):
    page = client.get("/verify/certificates/")
    assert page.status_code == 200
    html = page.content.decode()
    for bureau in Bureau.objects.all():
        cert = x509.load_pem_x509_certificate(key_paths(bureau.code, signing_dir)[1].read_bytes())
        assert bureau.bureau_name in html
        assert colon_hex(cert) in html
        assert cert.subject.rfc4514_string() in html  # as pdfsig prints the signer's name
        assert f'href="/verify/certificates/{bureau.code}.pem"' in html
    assert "自签名" in html  # the demo's certificates say what they are


def test_the_page_and_the_downloads_reveal_no_key_material(client, jurisdictions, signing_dir):
    html = client.get("/verify/certificates/").content.decode()
    assert "PRIVATE KEY" not in html
    for bureau in Bureau.objects.all():
        key_path, cert_path = key_paths(bureau.code, signing_dir)
        key_body = "".join(key_path.read_text().splitlines()[1:-1])
        response = client.get(f"/verify/certificates/{bureau.code}.pem")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/x-pem-file"
        body = response.content.decode()
        assert "PRIVATE KEY" not in body and key_body[:40] not in body
        assert key_body[:40] not in html
        served = x509.load_pem_x509_certificate(response.content)
        assert served == x509.load_pem_x509_certificate(cert_path.read_bytes())


def test_a_key_pasted_into_a_certificate_file_is_not_served(client, fukang, settings, tmp_path):
    """The download is the certificate armoured again, not the file as it lies on disk."""
    settings.APPRAISAL_SIGNING_DIR = tmp_path
    key, cert = outside_signer.look_alike("阜康市教育局")
    from cryptography.hazmat.primitives import serialization

    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / f"{fukang.code}.cert.pem").write_bytes(outside_signer.pem(cert) + key_pem)
    body = client.get(f"/verify/certificates/{fukang.code}.pem").content
    assert b"PRIVATE KEY" not in body
    assert x509.load_pem_x509_certificate(body) == cert
    assert b"PRIVATE KEY" not in client.get("/verify/certificates/").content


def test_configured_trust_roots_are_listed(client, jurisdictions, settings, tmp_path):
    _, ca_cert = outside_signer.authority()
    root = tmp_path / "ca.pem"
    root.write_bytes(outside_signer.pem(ca_cert))
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = [str(root)]
    html = client.get("/verify/certificates/").content.decode()
    assert "受信任的根证书" in html and colon_hex(ca_cert) in html
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = []
    assert "受信任的根证书" not in client.get("/verify/certificates/").content.decode()


def test_an_unknown_bureau_code_is_a_chinese_404(client, jurisdictions):
    for code in ("000000", "652301.key", "..%2F652301"):
        page = client.get(f"/verify/certificates/{code}.pem")
        assert page.status_code == 404
        assert "PRIVATE KEY" not in page.content.decode()
    assert (
        "没有该教育局的文书签名证书"
        in client.get("/verify/certificates/000000.pem").content.decode()
    )


def test_the_verification_page_links_to_the_certificates(client, db):
    html = client.get("/verify/").content.decode()
    assert re.search(r'href="/verify/certificates/"', html)
