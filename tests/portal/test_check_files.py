"""manage.py check_files: every registered file is there and unchanged; stray files are listed."""

from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from appraisal.models import Material
from tests import factories


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("check_files", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def material(applicant):
    case = factories.submitted_case(applicant)
    return case.materials.first()


def test_all_registered_files_present_and_unchanged(material):
    assert "登记的文件全部存在且与登记的 SHA-256 一致" in run()


def test_a_changed_file_is_reported(material):
    with open(default_storage.path(material.file.name), "ab") as handle:
        handle.write(b"%% appended")
    err = StringIO()
    with pytest.raises(CommandError, match="1 个登记的文件缺失或已被改动"):
        call_command("check_files", stdout=StringIO(), stderr=err)
    assert (
        f"{Material._meta.verbose_name} {material.pk} 的文件与登记的 SHA-256 不符" in err.getvalue()
    )
    assert "登记的文件全部存在" in run("--no-hash")  # present, the content is not read


def test_a_missing_file_is_reported(material):
    default_storage.delete(material.file.name)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_files", "--no-hash", stdout=StringIO(), stderr=err)
    assert f"{material.pk} 的文件缺失" in err.getvalue()


def test_files_no_record_names_are_listed_but_not_an_error(material):
    stray = default_storage.save("documents/2026/stray.pdf", ContentFile(b"%PDF-1.7 stray"))
    staged = default_storage.save("imports/0123abcd.xlsx", ContentFile(b"PK sheet"))
    out = run()
    assert f"未被任何记录引用的文件：{stray}" in out
    assert staged not in out
    assert material.file.name not in out
    assert default_storage.exists(stray)  # reported, never removed
