"""Backup and restore: a dump restored into an empty database holds every row and file intact."""

import json
import tarfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management import CommandError, call_command

from appraisal.models import Case, IssuedDocument, Material
from audit.models import AuditEvent
from portal.backup import dumped_models, sha256_of
from tests import factories


def snapshot() -> dict[str, list]:
    """Every row of every backed-up model, as Django serializes it, in primary-key order."""
    return {
        model._meta.label_lower: serializers.serialize(
            "python", model._default_manager.order_by("pk")
        )
        for model in dumped_models()
    }


def use_storage(settings, folder: Path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    settings.MEDIA_ROOT = str(folder)


@pytest.fixture
def content(transactional_db, jurisdictions):
    """Cases in several states with materials and issued documents, users with TOTP devices."""
    a = factories.institution("652301")
    applicant = factories.user("institution", institution=a, username="applicant")
    clerk = factories.user("county", bureau=factories.bureau("652301"), username="clerk")
    factories.otp_device(clerk)
    clerk.groups.add(Group.objects.create(name="受理员"))
    factories.draft_case(applicant)
    factories.accepted_case(applicant, clerk)
    return applicant, clerk


def test_round_trip_into_an_empty_database(content, settings, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    before = snapshot()
    hashes = {
        m.file.name: m.sha256 for m in [*Material.objects.all(), *IssuedDocument.objects.all()]
    }
    assert Case.objects.count() == 2 and IssuedDocument.objects.count() == 1
    call_command("backup", output=str(archive), verbosity=0)

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == hashes
    assert manifest["counts"]["appraisal.case"] == 2

    # An empty database (migrated, nothing in it) and an empty storage folder.
    call_command("flush", interactive=False, verbosity=0)
    assert not Case.objects.exists()
    use_storage(settings, tmp_path / "restored-files")
    call_command("restore", str(archive), verbosity=0)

    assert snapshot() == before
    for row in [*Material.objects.all(), *IssuedDocument.objects.all()]:
        assert sha256_of(Path(settings.MEDIA_ROOT) / row.file.name) == row.sha256
    document = IssuedDocument.objects.get()
    assert document.verification_code and document.serial
    # Restoring is not a new event: no audit row was added by it.
    assert AuditEvent.objects.count() == len(before["audit.auditevent"])


def test_restore_refuses_a_database_that_is_not_empty(content, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), verbosity=0)
    count = Case.objects.count()
    with pytest.raises(CommandError, match="目标数据库不是空的"):
        call_command("restore", str(archive), verbosity=0)
    assert Case.objects.count() == count


def test_a_damaged_archive_is_refused_before_anything_is_written(content, settings, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), verbosity=0)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("files/materials/"):
                data = data + b"tampered"
                member.size = len(data)
            import io

            target.addfile(member, io.BytesIO(data))
    call_command("flush", interactive=False, verbosity=0)
    use_storage(settings, tmp_path / "restored-files")
    with pytest.raises(CommandError, match="校验失败"):
        call_command("restore", str(damaged), verbosity=0)
    assert not Case.objects.exists()
    assert not (tmp_path / "restored-files").exists() or not any(
        (tmp_path / "restored-files").rglob("*.*")
    )


def test_backup_never_overwrites_an_existing_file(content, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    archive.write_bytes(b"keep me")
    with pytest.raises(CommandError, match="不会覆盖"):
        call_command("backup", output=str(archive), verbosity=0)
    assert archive.read_bytes() == b"keep me"
