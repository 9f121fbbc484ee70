"""Uploads: type by content, size limits, safe stored names, attachments; refusals leave no trace."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appraisal.models import Material
from tests import factories

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def files_under(root) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def draft(applicant, project_a):
    return factories.draft_case(applicant, [project_a], with_materials=False)


@pytest.fixture
def upload_dirs(settings, tmp_path):
    """A temp folder of our own, and a small in-memory limit, so large uploads go through disk."""
    temp = tmp_path / "upload-temp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    return temp


def post_file(client, case, name, content, kind="course_scheme"):
    return client.post(
        reverse("appraisal:material_upload", args=[case.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("课程方案.pdf", EXE, "实际内容不是允许的类型"),
        ("课程方案.pdf", HTML + b" " * 4000, "实际内容不是允许的类型"),
        ("课程方案.pdf", b"", "文件为空"),
    ],
    ids=["executable-named-pdf", "html-named-pdf", "empty"],
)
@pytest.mark.django_db
def test_refused_files_leave_no_trace(
    client, applicant, draft, upload_dirs, name, content, message
):
    factories.login(client, applicant)
    response = post_file(client, draft, name, content)
    assert message in response.content.decode()
    assert not Material.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []
    assert files_under(upload_dirs) == []


@pytest.mark.django_db
def test_too_large_files_are_refused_with_the_limit(
    client, applicant, draft, upload_dirs, settings
):
    settings.APPRAISAL_MAX_UPLOAD_BYTES = 4096
    factories.login(client, applicant)
    response = post_file(client, draft, "大文件.pdf", factories.PDF_BYTES + b"0" * 5000)
    page = response.content.decode()
    assert "过大" in page and "不得超过 4.0\xa0KB" in page
    assert not Material.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []
    assert files_under(upload_dirs) == []


@pytest.mark.django_db
def test_upload_to_a_case_no_longer_a_draft_is_refused_without_trace(
    client, applicant, project_a, upload_dirs
):
    case = factories.submitted_case(applicant, projects=[project_a])
    before = files_under(settings.MEDIA_ROOT)
    count = Material.objects.count()
    factories.login(client, applicant)
    response = client.post(
        reverse("appraisal:material_upload", args=[case.pk]),
        {"kind": "other", "file": factories.pdf_upload()},
    )
    assert response.status_code == 403
    assert Material.objects.count() == count
    assert files_under(settings.MEDIA_ROOT) == before
    assert files_under(upload_dirs) == []


@pytest.mark.django_db
def test_stored_name_is_chosen_by_us_not_the_uploader(client, applicant, draft):
    factories.login(client, applicant)
    post_file(client, draft, "../../etc/passwd.pdf", factories.PDF_BYTES)
    material = Material.objects.get()
    assert material.original_name.endswith("passwd.pdf")
    stored = Path(material.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or stored.is_relative_to(
        Path(settings.MEDIA_ROOT)
    )
    assert "passwd" not in material.file.name and ".." not in material.file.name
    assert oct(os.stat(stored).st_mode & 0o777) == oct(settings.FILE_UPLOAD_PERMISSIONS)


@pytest.mark.django_db
def test_download_is_an_attachment_with_nosniff(client, applicant, draft):
    factories.login(client, applicant)
    post_file(client, draft, "课程方案.pdf", factories.PDF_BYTES)
    material = Material.objects.get()
    response = client.get(reverse("appraisal:material_download", args=[material.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == factories.PDF_BYTES


@pytest.mark.django_db
def test_stored_files_have_no_public_url(client, applicant, draft):
    factories.login(client, applicant)
    post_file(client, draft, "课程方案.pdf", factories.PDF_BYTES)
    material = Material.objects.get()
    for prefix in ("/", "/media/", "/files/", "/static/"):
        assert client.get(prefix + material.file.name).status_code == 404


@pytest.mark.django_db
def test_an_oversized_upload_is_cut_off_while_it_streams(
    client, applicant, draft, upload_dirs, settings
):
    """Past the limit the rest of the file is not even stored in the temporary folder."""
    settings.APPRAISAL_MAX_UPLOAD_BYTES = 100 * 1024
    factories.login(client, applicant)
    big = factories.PDF_BYTES + b"0" * (400 * 1024)
    response = post_file(client, draft, "录像.pdf", big)
    page = response.content.decode()
    assert "文件过大：“录像.pdf”" in page and "不得超过 100.0\xa0KB" in page
    assert not Material.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []
    assert files_under(upload_dirs) == []


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "课程方案.docx",
            factories.PDF_BYTES,
            "文件“课程方案.docx”的内容为 PDF，但扩展名为 .docx，请改正扩展名（应为 .pdf）后重新上传。",
        ),
        ("照片.jpg", factories.PNG_BYTES, "的内容为 PNG，但扩展名为 .jpg"),
        ("课程方案", factories.PDF_BYTES, "的内容为 PDF，但文件名没有扩展名"),
    ],
    ids=["pdf-named-docx", "png-named-jpg", "no-extension"],
)
@pytest.mark.django_db
def test_a_name_that_belies_the_content_is_refused_with_the_real_type(
    client, applicant, draft, name, content, message
):
    factories.login(client, applicant)
    response = post_file(client, draft, name, content)
    assert message in response.content.decode()
    assert not Material.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_an_extension_in_capitals_or_a_usual_variant_is_accepted(client, applicant, draft):
    factories.login(client, applicant)
    post_file(client, draft, "课程方案.PDF", factories.PDF_BYTES)
    assert Material.objects.get().original_name == "课程方案.PDF"


def post_files(client, case, files, kind="course_scheme"):
    return client.post(
        reverse("appraisal:material_upload", args=[case.pk]),
        {"kind": kind, "file": [SimpleUploadedFile(n, c) for n, c in files]},
        follow=True,
    )


@pytest.mark.django_db
def test_several_files_of_one_kind_in_one_upload(client, applicant, draft):
    factories.login(client, applicant)
    page = client.get(reverse("appraisal:case_detail", args=[draft.pk])).content.decode()
    form = page.split('id="upload-form"')[1].split("</form>")[0]
    assert 'type="file"' in form and "multiple" in form
    response = post_files(
        client,
        draft,
        [("课程方案一.pdf", factories.PDF_BYTES), ("课程方案二.pdf", factories.PDF_BYTES)],
    )
    assert "课程方案一.pdf" in response.content.decode()
    stored = Material.objects.filter(case=draft).order_by("id")
    assert [m.original_name for m in stored] == ["课程方案一.pdf", "课程方案二.pdf"]
    assert {m.kind for m in stored} == {"course_scheme"}


@pytest.mark.django_db
def test_one_bad_file_among_several_stores_none(client, applicant, draft, upload_dirs):
    factories.login(client, applicant)
    response = post_files(
        client,
        draft,
        [("课程方案一.pdf", factories.PDF_BYTES), ("课程方案二.docx", factories.PDF_BYTES)],
    )
    assert "课程方案二.docx" in response.content.decode()
    assert not Material.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []
    assert files_under(upload_dirs) == []


@pytest.mark.django_db
def test_a_new_version_takes_one_file(client, applicant, draft):
    factories.login(client, applicant)
    post_file(client, draft, "课程方案.pdf", factories.PDF_BYTES)
    old = Material.objects.get()
    response = client.post(
        reverse("appraisal:material_upload", args=[draft.pk]),
        {
            "kind": "course_scheme",
            "replaces": old.pk,
            "file": [
                SimpleUploadedFile("新一.pdf", factories.PDF_BYTES),
                SimpleUploadedFile("新二.pdf", factories.PDF_BYTES),
            ],
        },
        follow=True,
    )
    assert "上传新版本时只能选择一个文件" in response.content.decode()
    assert Material.objects.count() == 1
