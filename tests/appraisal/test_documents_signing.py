"""Bureau signing keys and the PAdES signature on issued PDFs."""

import io

from django.core.management import call_command

from appraisal import checks
from appraisal.documents import render_pdf
from appraisal.documents.signing import key_paths, make_key, sign_pdf, verify_pdf
from portal.models import Bureau


def test_make_signing_keys_makes_one_per_bureau_and_never_overwrites(
    jurisdictions, settings, tmp_path
):
    settings.APPRAISAL_SIGNING_DIR = tmp_path
    out = io.StringIO()
    call_command("make_signing_keys", stdout=out)
    bureaus = list(Bureau.objects.filter(is_active=True))
    for bureau in bureaus:
        key, cert = key_paths(bureau.code)
        assert key.exists() and cert.exists()
        assert key.stat().st_mode & 0o077 == 0  # the private key is readable by its owner only
    before = key_paths(bureaus[0].code)[0].read_bytes()
    call_command("make_signing_keys", stdout=io.StringIO())
    assert key_paths(bureaus[0].code)[0].read_bytes() == before
    assert not make_key(bureaus[0].code, bureaus[0].bureau_name)


def test_signature_names_the_bureau_and_survives_only_unchanged(changji):
    pdf = render_pdf("documents/sample_material.html", {"title": "样例"})
    assert verify_pdf(pdf).status == "unsigned"
    signed = sign_pdf(pdf, changji)
    assert signed.startswith(pdf)  # an incremental update: the rendered bytes are kept as they are
    check = verify_pdf(signed)
    assert check.intact and check.signer == "昌吉市教育局" and check.signed_at is not None
    for position in (100, len(pdf) // 2, len(signed) - 300):
        tampered = bytearray(signed)
        tampered[position] ^= 0x04
        assert not verify_pdf(bytes(tampered)).intact, position
    # Something appended after signing is not covered by the signature.
    assert verify_pdf(signed + b"\n% appended\n").status == "modified"


def test_another_bureaus_key_signs_as_that_bureau(fukang):
    pdf = render_pdf("documents/sample_material.html", {"title": "样例"})
    assert verify_pdf(sign_pdf(pdf, fukang)).signer == "阜康市教育局"


def test_not_a_pdf_is_unreadable():
    assert verify_pdf(b"hello").status == "unreadable"
    assert verify_pdf(b"").status == "unreadable"


def test_check_warns_when_no_signing_key_is_installed(settings, tmp_path):
    settings.APPRAISAL_SIGNING_DIR = tmp_path / "none"
    assert [w.id for w in checks.signing_keys_present()] == ["appraisal.W003"]
    settings.APPRAISAL_SIGN_DOCUMENTS = False
    assert checks.signing_keys_present() == []


def test_check_is_quiet_with_keys(settings, signing_dir):
    settings.APPRAISAL_SIGNING_DIR = signing_dir
    assert checks.signing_keys_present() == []


def test_an_independent_reader_validates_the_signature(changji, tmp_path):
    """poppler's pdfsig (poppler-utils, installed with the portal) agrees with our check."""
    import shutil
    import subprocess

    import pytest

    if not shutil.which("pdfsig"):
        pytest.skip("未安装 poppler-utils 的 pdfsig")
    signed = sign_pdf(render_pdf("documents/sample_material.html", {"title": "样例"}), changji)
    good = tmp_path / "good.pdf"
    good.write_bytes(signed)
    out = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True).stdout
    assert "Signature Field Name: 出具单位数字签名" in out
    assert "Signature is Valid." in out and "Total document signed" in out
    assert "O=昌吉市教育局" in out
    tampered = bytearray(signed)
    tampered[len(signed) // 3] ^= 0x01
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(tampered))
    out = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True).stdout
    assert "Signature is Valid." not in out
