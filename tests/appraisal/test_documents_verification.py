"""The public verification page: by code, and by uploaded PDF (genuine, other, tampered)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from appraisal.models import IssuedDocument
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def case(applicant, clerk, project_a):
    return factories.accepted_case(applicant, clerk, projects=[project_a])


@pytest.fixture
def opinion(case, clerk):
    return factories.issue_opinion(case, clerk)


def read(document):
    with document.file.open("rb") as fh:
        return fh.read()


def upload(client, document, data, name="意见书.pdf"):
    return client.post(
        f"/verify/{document.verification_code}/",
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_code_page_confirms_the_document_without_login(client, opinion, case):
    page = client.get(f"/verify/{opinion.verification_code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert opinion.serial in html
    assert case.institution.name in html
    assert case.projects.first().name in html and "学科类" in html
    assert opinion.sha256 in html
    assert "昌吉市教育局" in html
    # Nothing private: no expert, no case number, no clerk, no applicant's statement.
    for private in ["马建华", "王志刚", case.number, "clerk", case.statement]:
        assert private not in html


def test_code_is_case_insensitive(client, opinion):
    page = client.get(f"/verify/{opinion.verification_code.lower()}/")
    assert page.status_code == 200 and opinion.serial in page.content.decode()


def test_notices_are_verifiable_too(client, case):
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    assert notice.is_signed
    page = client.get(f"/verify/{notice.verification_code}/")
    assert page.status_code == 200 and "受理通知书" in page.content.decode()
    genuine = upload(client, notice, read(notice)).content.decode()
    assert "与出具的文书完全一致" in genuine and "数字签名有效" in genuine


@pytest.mark.parametrize("code", ["0000000000000000", "ZZZ", "abc-x", "1" * 40])
def test_unknown_code_gets_a_chinese_404_in_the_portal_layout(client, db, code):
    page = client.get(f"/verify/{code}/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "未找到该核验码对应的文书" in html and "中小学生校外培训服务类别鉴定工作平台" in html


def test_tampered_code_is_unknown(client, opinion):
    code = opinion.verification_code
    tampered = ("0" if code[0] != "0" else "1") + code[1:]
    assert client.get(f"/verify/{tampered}/").status_code == 404


def test_lookup_form_redirects_to_the_document(client, opinion):
    response = client.get("/verify/", {"code": f" {opinion.verification_code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{opinion.verification_code}/"
    bad = client.get("/verify/", {"code": "不是核验码"})
    assert bad.status_code == 200 and "核验码格式不正确" in bad.content.decode()


def test_upload_of_the_issued_pdf_is_confirmed(client, opinion):
    html = upload(client, opinion, read(opinion)).content.decode()
    assert "与出具的文书完全一致" in html
    assert "数字签名有效" in html and "昌吉市教育局" in html


def test_upload_of_another_genuine_pdf_is_not_this_document(client, opinion, case, clerk):
    other = factories.issue_opinion(case, clerk)
    html = upload(client, opinion, read(other)).content.decode()
    assert "不是该核验码对应的出具文书" in html
    assert "与出具的文书完全一致" not in html
    assert "数字签名有效" in html  # genuine, but another document


def test_upload_of_a_tampered_pdf_fails_both_checks(client, opinion):
    data = bytearray(read(opinion))
    data[len(data) // 2] ^= 0x01
    html = upload(client, opinion, bytes(data)).content.decode()
    assert "不是该核验码对应的出具文书" in html
    assert "数字签名无效" in html


def test_upload_of_an_unsigned_pdf(client, opinion):
    from appraisal.documents import render_pdf

    unsigned = render_pdf("documents/sample_material.html", {"title": "样例"})
    html = upload(client, opinion, unsigned).content.decode()
    assert "不是该核验码对应的出具文书" in html and "文件没有数字签名" in html


def test_upload_of_something_else_is_refused_with_a_message(client, opinion):
    page = upload(client, opinion, b"PK\x03\x04 not a pdf", name="x.pdf")
    assert page.status_code == 200
    assert "不是 PDF 文件" in page.content.decode()
    empty = client.post(f"/verify/{opinion.verification_code}/", {})
    assert "请选择要核验的 PDF 文件" in empty.content.decode()


def test_upload_size_is_limited(client, opinion, settings):
    settings.APPRAISAL_VERIFY_MAX_UPLOAD_BYTES = 1024 * 1024
    html = upload(client, opinion, b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1)).content.decode()
    assert "文件过大" in html and "完全一致" not in html


def test_uploads_are_rate_limited_per_address(client, opinion, settings):
    settings.APPRAISAL_VERIFY_UPLOADS_PER_HOUR = 2
    data = read(opinion)
    for _ in range(2):
        assert "完全一致" in upload(client, opinion, data).content.decode()
    html = upload(client, opinion, data).content.decode()
    assert "核验次数过多" in html and "完全一致" not in html


@pytest.mark.parametrize("code", ["99999999999999999999", "ABCDEF12", "abc"])
def test_a_code_not_of_sixteen_characters_is_named_as_such(client, db, code):
    page = client.get("/verify/", {"code": code})
    assert page.status_code == 200
    assert "核验码格式不正确：应为文书上印制的十六位字母数字组合。" in page.content.decode()


def test_upload_signed_with_a_look_alike_certificate_is_refused_the_bureaus_name(client, opinion):
    """A self-made certificate reading "阜康市教育局文书签名" (or the issuer's own name) is named
    as what it is: valid, but no bureau's."""
    from appraisal.documents import render_pdf

    from . import outside_signer

    pdf = render_pdf("documents/sample_material.html", {"title": "鉴定意见书"})
    for organisation in ("阜康市教育局", "昌吉市教育局"):
        key, cert = outside_signer.look_alike(organisation)
        html = upload(client, opinion, outside_signer.sign(pdf, key, cert)).content.decode()
        assert (
            "签名在密码学上有效，但签名证书不是本平台登记的任何教育局的证书，不能证明由教育局签发"
            in html
        )
        assert "数字签名有效" not in html and "签名单位" not in html
        assert "阜康市教育局" not in html  # the look-alike's subject is never repeated
        digest = outside_signer.sha256(cert).upper()
        shown = ":".join(digest[i : i + 2] for i in range(0, 64, 2))
        assert shown in html  # its fingerprint, to compare with the published ones
        assert 'href="/verify/certificates/"' in html


def test_upload_of_the_issued_pdf_says_its_certificate_is_the_published_one(client, opinion):
    html = upload(client, opinion, read(opinion)).content.decode()
    assert "签名单位：昌吉市教育局" in html
    assert "签名证书与本平台公布的昌吉市教育局文书签名证书一致" in html


def test_upload_signed_under_a_configured_root_names_the_bureau(
    client, opinion, fukang, settings, tmp_path
):
    from appraisal.documents import render_pdf

    from . import outside_signer

    ca_key, ca_cert = outside_signer.authority()
    key, cert = outside_signer.issued_by(ca_key, ca_cert, "阜康市教育局")
    pdf = render_pdf("documents/sample_material.html", {"title": "鉴定意见书"})
    signed = outside_signer.sign(pdf, key, cert, chain=[ca_cert])
    root = tmp_path / "ca.pem"
    root.write_bytes(outside_signer.pem(ca_cert))
    settings.APPRAISAL_SIGNING_TRUST_ROOTS = [str(root)]
    html = upload(client, opinion, signed).content.decode()
    assert "数字签名有效，文件自签名后未被改动（签名单位：阜康市教育局）" in html
    assert f"签名证书由受信任的根证书“{ca_cert.subject.rfc4514_string()}”签发给阜康市教育局" in html
