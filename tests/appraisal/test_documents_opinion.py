"""附件2 and 附件1 as issued: serial, text, fonts, seal, QR code and the bureau's digital signature."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from pypdf import PdfReader

from appraisal.documents import issue_document
from appraisal.documents.context import (
    sample_opinion_context,
    sample_sheet_context,
    seal_for,
    verification_url,
)
from appraisal.documents.render import render_html
from appraisal.documents.seal import seal_data_uri, seal_png
from appraisal.documents.signing import verify_pdf
from appraisal.models import BureauSeal, IssuedDocument
from tests import factories


@pytest.fixture
def case(applicant, clerk, project_a):
    return factories.accepted_case(applicant, clerk, projects=[project_a])


@pytest.fixture
def opinion(case, clerk):
    return factories.issue_opinion(case, clerk)


def stored_bytes(document):
    with document.file.open("rb") as fh:
        return fh.read()


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
    return names


def test_opinion_serial_is_per_bureau_and_year_with_the_word_jian(opinion, case, clerk):
    year = opinion.issued_at.year
    assert opinion.serial == f"昌市鉴〔{year}〕0001号"
    second = factories.issue_opinion(case, clerk)
    assert second.serial == f"昌市鉴〔{year}〕0002号"
    assert second.verification_code != opinion.verification_code


def test_stored_opinion_is_digitally_signed_and_one_changed_byte_breaks_it(opinion):
    data = stored_bytes(opinion)
    assert opinion.is_signed and opinion.signer == "昌吉市教育局"
    check = verify_pdf(data)
    assert check.status == "intact" and check.signer == "昌吉市教育局" and check.trusted
    # One byte changed inside the rendered content (the signed range) ...
    tampered = bytearray(data)
    position = data.index(b"stream", len(data) // 4) + 20
    tampered[position] ^= 0x01
    assert verify_pdf(bytes(tampered)).status == "modified"
    # ... or in the middle of the file.
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 0x20
    assert verify_pdf(bytes(tampered)).status == "modified"


def test_stored_bytes_match_the_recorded_hash_and_size(opinion):
    import hashlib

    data = stored_bytes(opinion)
    assert hashlib.sha256(data).hexdigest() == opinion.sha256
    assert len(data) == opinion.size


def test_opinion_carries_institution_result_and_every_expert_as_text(opinion, case):
    data = stored_bytes(opinion)
    text = re.sub(r"\s+", "", pdf_text(data))
    assert case.institution.name in text
    assert case.institution.credit_code in text
    assert "☑学科类" in text and "☐非学科类" in text
    for name in ["马建华", "赵丽娟", "孙卫东", "古丽娜尔·艾力", "王志刚"]:
        assert name in text
    assert opinion.serial in text
    assert opinion.verification_code in text
    assert "昌吉州中小学生校外培训服务类别鉴定意见书" in text


def test_opinion_embeds_the_simplified_chinese_font_only(opinion):
    fonts = font_names(stored_bytes(opinion))
    assert any("Noto-Serif-CJK-SC" in f for f in fonts), fonts
    assert not any("CJK-JP" in f or "CJKjp" in f for f in fonts)
    html = render_html(
        "documents/opinion.html", {**sample_opinion_context(), "issued_at": opinion.issued_at}
    )
    assert 'lang="zh-CN"' in html and "Noto Serif CJK SC" in html


def test_opinion_shows_non_academic_when_that_is_the_result(case, clerk):
    document = factories.issue_opinion(case, clerk, result="non_academic", experts=3)
    text = re.sub(r"\s+", "", pdf_text(stored_bytes(document)))
    assert "☐学科类" in text and "☑非学科类" in text
    assert document.public_summary["projects"][0]["result"] == "non_academic"


def test_qr_and_verification_link_point_to_the_public_page(opinion, settings):
    url = verification_url(opinion.verification_code)
    assert url == f"{settings.APPRAISAL_PUBLIC_BASE_URL}/verify/{opinion.verification_code}/"
    assert url in pdf_text(stored_bytes(opinion)).replace("\n", "")


def test_sheet_is_issued_with_its_own_serial_and_the_template_signs(
    case, clerk, indicator_template
):
    template = indicator_template
    context = sample_sheet_context(template)
    with transaction.atomic():
        sheet = issue_document(
            case=case,
            kind=IssuedDocument.Kind.SHEET,
            bureau=case.bureau,
            template="documents/sheet.html",
            context=context,
            user=clerk,
        )
    assert sheet.serial.startswith("昌市鉴评〔") and sheet.serial.endswith("0001号")
    data = stored_bytes(sheet)
    assert verify_pdf(data).intact
    text = re.sub(r"\s+", "", pdf_text(data))
    assert "鉴定指标评分表" in text and "马建华" in text
    first_sign = template.dimensions_with_signs()[0].academic_signs[0].text
    assert re.sub(r"\s+", "", first_sign)[:12] in text


def test_documents_use_the_active_seal_and_fall_back_to_the_generated_one(changji, clerk):
    assert seal_for(changji) == seal_data_uri(changji.bureau_name)
    png = seal_png("测试印章")
    first = BureauSeal(bureau=changji, uploaded_by=clerk)
    first.image.save("a.png", ContentFile(png), save=False)
    first.save()
    assert seal_for(changji) != seal_data_uri(changji.bureau_name)
    second = BureauSeal(bureau=changji, uploaded_by=clerk)
    second.image.save("b.png", ContentFile(png), save=False)
    second.save()
    first.refresh_from_db()
    assert not first.is_active and second.is_active  # the old one is kept, inactive
    assert BureauSeal.objects.filter(bureau=changji).count() == 2
    second.is_active = False
    second.save()
    assert seal_for(changji) == seal_data_uri(changji.bureau_name)


def test_missing_key_refuses_to_issue_and_changes_nothing(case, clerk, settings, tmp_path):
    from appraisal.documents.signing import SigningKeyMissing

    settings.APPRAISAL_SIGNING_DIR = tmp_path / "empty"
    with pytest.raises(SigningKeyMissing):
        factories.issue_opinion(case, clerk)
    assert not IssuedDocument.objects.filter(kind="opinion").exists()


def _issue_sheet(case, clerk):
    with transaction.atomic():
        return issue_document(
            case=case,
            kind=IssuedDocument.Kind.SHEET,
            bureau=case.bureau,
            template="documents/sheet.html",
            context=sample_sheet_context(),
            user=clerk,
            round=case.rounds.get(number=1),
        )


def test_applicant_sees_the_experts_sheets_only_with_the_opinion_of_their_round(
    client, case, clerk, applicant, outsider
):
    from appraisal import access

    sheet = _issue_sheet(case, clerk)
    url = f"/cases/documents/{sheet.pk}/download/"
    factories.login(client, applicant)
    assert client.get(url).status_code == 404
    assert sheet not in access.documents_visible_to(applicant, case)
    factories.login(client, clerk)
    assert client.get(url).status_code == 200
    factories.issue_opinion(case, clerk, round=case.rounds.get(number=1))
    factories.login(client, applicant)
    assert client.get(url).status_code == 200
    assert sheet in access.documents_visible_to(applicant, case)
    factories.login(client, outsider)
    assert client.get(url).status_code == 404
    assert access.documents_visible_to(outsider, case) == []
