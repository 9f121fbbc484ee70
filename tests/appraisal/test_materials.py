"""Upload rules: type by content, size, empty files, versions kept, never overwritten."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisal.filing.materials import upload_material
from appraisal.models import Material
from common.errors import ServiceError
from tests import factories


@pytest.fixture
def draft(applicant, project_a):
    return factories.draft_case(applicant, [project_a], with_materials=False)


def upload(client, case, kind, name, content, **extra):
    return client.post(
        reverse("appraisal:material_upload", args=[case.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content), **extra},
        follow=True,
    )


def test_pdf_accepted_with_hash_and_size(client, draft, applicant):
    factories.login(client, applicant)
    response = upload(client, draft, "syllabus", "大纲.pdf", factories.PDF_BYTES)
    assert "已上传" in response.content.decode()
    material = Material.objects.get(case=draft)
    assert material.sha256 == hashlib.sha256(factories.PDF_BYTES).hexdigest()
    assert (material.size, material.content_type, material.version) == (
        len(factories.PDF_BYTES),
        "application/pdf",
        1,
    )
    assert material.original_name == "大纲.pdf"
    assert "大纲" not in material.file.name  # stored under a name the uploader cannot choose


def test_image_accepted(client, draft, applicant):
    factories.login(client, applicant)
    upload(client, draft, "other", "photo.png", factories.PNG_BYTES)
    assert Material.objects.get(case=draft).content_type == "image/png"


@pytest.mark.parametrize(
    "name,content,message",
    [
        (
            "setup.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100,
            "实际内容不是允许的类型",
        ),
        ("notes.pdf", "这是一段纯文本，不是PDF".encode(), "实际内容不是允许的类型"),
        ("empty.pdf", b"", "文件为空"),
    ],
)
def test_wrong_or_empty_file_refused(client, draft, applicant, name, content, message):
    factories.login(client, applicant)
    response = upload(client, draft, "syllabus", name, content)
    assert message in response.content.decode()
    assert not Material.objects.filter(case=draft).exists()


def test_too_large_file_refused(client, draft, applicant, settings):
    settings.APPRAISAL_MAX_UPLOAD_BYTES = 40
    factories.login(client, applicant)
    response = upload(client, draft, "syllabus", "big.pdf", factories.PDF_BYTES)
    assert "文件过大" in response.content.decode()
    assert not Material.objects.filter(case=draft).exists()


def test_missing_kind_refused(client, draft, applicant):
    factories.login(client, applicant)
    response = upload(client, draft, "", "a.pdf", factories.PDF_BYTES)
    assert "请选择材料类别" in response.content.decode()
    assert not Material.objects.exists()


def test_new_version_keeps_the_old_one(draft, applicant):
    first = upload_material(
        applicant, draft.pk, kind="syllabus", uploaded=factories.pdf_upload("v1.pdf")
    )
    second_bytes = factories.PDF_BYTES + b"% second\n"
    second = upload_material(
        applicant,
        draft.pk,
        kind="syllabus",
        uploaded=factories.pdf_upload("v2.pdf", second_bytes),
        replaces_id=first.pk,
    )
    first.refresh_from_db()
    assert second.version == 2 and second.replaces == first
    assert not first.is_current and second.is_current
    assert first.file.open("rb").read() == factories.PDF_BYTES
    assert second.file.open("rb").read() == second_bytes
    assert first.file.name != second.file.name
    with pytest.raises(ServiceError):  # a version may be replaced only once
        upload_material(
            applicant,
            draft.pk,
            kind="syllabus",
            uploaded=factories.pdf_upload(),
            replaces_id=first.pk,
        )


def test_no_upload_after_submission(applicant, project_a):
    case = factories.submitted_case(applicant, projects=[project_a])
    with pytest.raises(ServiceError):
        upload_material(applicant, case.pk, kind="other", uploaded=factories.pdf_upload())
    assert not Material.objects.filter(case=case, kind="other").exists()


def test_the_note_and_the_same_file_under_two_kinds_are_shown(client, draft, applicant):
    factories.login(client, applicant)
    upload(client, draft, "syllabus", "大纲.pdf", factories.PDF_BYTES, note="第一版，供参考")
    page = upload(client, draft, "teaching_plan", "计划.pdf", factories.PDF_BYTES).content.decode()
    assert "说明：第一版，供参考" in page
    assert "与“教学大纲”中的文件内容完全相同" in page
    assert "与“教学计划”中的文件内容完全相同" in page


def test_a_refused_upload_keeps_the_kind_and_note_chosen(client, draft, applicant):
    """Only the file is to be picked again: the kind and the note stay as chosen."""
    factories.login(client, applicant)
    response = upload(client, draft, "syllabus", "a.pdf", b"plain text", note="第二学期修订版")
    html = response.content.decode()
    assert response.status_code == 200 and "实际内容不是允许的类型" in html
    form = html.split('id="upload-form"', 1)[1].split("</form>", 1)[0]
    assert '<option value="syllabus" selected>' in form and 'value="第二学期修订版"' in form
    assert not Material.objects.filter(case=draft).exists()
