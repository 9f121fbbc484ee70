"""The notices: rendered once, stored with their hash, the institution's name as text in a CJK font."""

import hashlib
import io

import pytest
from pypdf import PdfReader

from appraisal.filing import cases as svc
from appraisal.models import IssuedDocument
from tests import factories


def fonts_of(reader):
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), (
                    "font not embedded"
                )
    return names


@pytest.fixture
def accepted(applicant, project_a, clerk):
    case = factories.submitted_case(applicant, projects=[project_a])
    return svc.accept_case(clerk, case.pk)


def test_acceptance_notice_text_and_font(accepted):
    notice = IssuedDocument.objects.get(case=accepted, kind="acceptance_notice")
    data = notice.file.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == notice.sha256 and len(data) == notice.size
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "昌吉市甲培训中心" in text
    assert "受理通知书" in text and notice.serial in text and accepted.number in text
    assert "少儿思维训练" in text
    assert any("NotoSerifCJK" in name.replace("-", "") for name in fonts_of(reader))
    assert len(reader.pages) == 1


def test_serials_are_consecutive_per_bureau_and_kind(applicant, clerk, outsider, foreign_clerk):
    serials = []
    for _ in range(2):
        case = factories.submitted_case(applicant)
        svc.accept_case(clerk, case.pk)
    other = factories.submitted_case(outsider)
    svc.accept_case(foreign_clerk, other.pk)
    serials = list(IssuedDocument.objects.order_by("id").values_list("serial", flat=True))
    year = IssuedDocument.objects.first().year
    assert serials == [
        f"昌市鉴受〔{year}〕0001号",
        f"昌市鉴受〔{year}〕0002号",
        f"阜康鉴受〔{year}〕0001号",
    ]


def test_return_notice_lists_missing_materials(applicant, project_a, clerk):
    case = factories.submitted_case(applicant, projects=[project_a])
    svc.return_case(
        clerk, case.pk, missing_kinds=["lesson_plans", "assessment_plan"], note="教案不完整"
    )
    notice = IssuedDocument.objects.get(case=case, kind="return_notice")
    text = PdfReader(notice.file.open("rb")).pages[0].extract_text().replace("\n", "")
    assert "课时教案" in text and "评价方案" in text and "教案不完整" in text


def test_issued_file_is_served_as_stored(client, accepted, applicant):
    notice = IssuedDocument.objects.get(case=accepted)
    stored = notice.file.open("rb").read()
    factories.login(client, applicant)
    response = client.get(f"/cases/documents/{notice.pk}/download/")
    assert b"".join(response.streaming_content) == stored


@pytest.mark.parametrize("note", ["请补充完整教材", "请补充完整教材。"])
def test_the_institution_is_told_in_whole_sentences(applicant, project_a, clerk, note):
    """A clerk's note ends its sentence whether or not the clerk typed the 。, never doubled."""
    from portal.models import Notification

    case = factories.submitted_case(applicant, projects=[project_a])
    svc.return_case(clerk, case.pk, missing_kinds=["textbooks"], note=note)
    body = Notification.objects.filter(recipient=applicant, case=case).latest("id").body
    assert body.endswith("。请补充完整教材。请补正后重新提交。"), body
    assert "。。" not in body


def _text(notice) -> str:
    with notice.file.open("rb") as fh:
        return "".join(p.extract_text() for p in PdfReader(fh).pages).replace("\n", "")


def test_the_acceptance_notice_gives_the_clerks_note_and_when_the_opinion_is_due(
    applicant, project_a, clerk, settings
):
    from django.utils import timezone

    from appraisal.workflow.workdays import Calendar, add_working_days_or_weekdays

    case = factories.submitted_case(applicant, projects=[project_a])
    case = svc.accept_case(clerk, case.pk, note="请保持联系电话畅通。")
    text = _text(IssuedDocument.objects.get(case=case, kind="acceptance_notice"))
    due, _ = add_working_days_or_weekdays(
        timezone.localtime(case.accepted_at).date(), settings.APPRAISAL_DAYS_TO_OPINION, Calendar()
    )
    assert (
        f"于{due.year}年{due.month}月{due.day}日前（受理之日起{settings.APPRAISAL_DAYS_TO_OPINION}个工作日内）"
        in text
    )
    assert "受理意见：请保持联系电话畅通。" in text
    # The same duty the case page shows as running to that day: the opinion and the category.
    assert "个工作日内）形成鉴定意见并确定类别。" in text


def test_the_refusal_notice_says_what_the_institution_may_do(applicant, project_a, clerk):
    case = factories.submitted_case(applicant, projects=[project_a])
    svc.refuse_case(clerk, case.pk, reason="一、所申请项目已于本年度鉴定。\n二、申请材料系复制件。")
    notice = IssuedDocument.objects.get(case=case, kind="refusal_notice")
    text = _text(notice)
    assert "重新提出鉴定申请" in text and "六十日内向昌吉市人民政府申请行政复议" in text
    assert "六个月内依法向人民法院提起行政诉讼" in text
    # Each line the clerk typed is a paragraph of its own.
    with notice.file.open("rb") as fh:
        lines = PdfReader(fh).pages[0].extract_text().splitlines()
    assert any(line.strip().startswith("二、申请材料系复制件") for line in lines)


def test_the_seal_never_stands_on_a_page_without_text(applicant, project_a, clerk):
    """GB/T 9704: when the seal does not fit under the text, the closing line goes with it."""
    case = factories.submitted_case(applicant, projects=[project_a])
    case = svc.accept_case(clerk, case.pk, note="材料齐全，予以受理。" * 3)
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    with notice.file.open("rb") as fh:
        pages = [p.extract_text().replace("\n", "") for p in PdfReader(fh).pages]
    assert len(pages) == 2 and "特此通知" in pages[1] and "昌吉市教育局" in pages[1]
