"""Files go only through the storage API, so several app servers can share an S3 bucket: the
whole journey (upload, issue, download, backup) runs on a storage that has no local paths."""

import os
import tarfile

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.management import call_command

from appraisal.models import IssuedDocument, Material
from portal.backup import stored_file_problems
from portal.settings import cache_backend, file_storage
from tests import factories


class NoLocalPathStorage(InMemoryStorage):
    """Files in memory and no local path, as on S3: ``path()`` raises."""

    def _relative_path(self, name):  # the in-memory tree's own use of paths stays inside it
        return os.path.relpath(InMemoryStorage.path(self, name), self.location)

    def path(self, name):
        raise NotImplementedError("no local path on object storage")


@pytest.fixture
def memory_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.NoLocalPathStorage"},
    }
    with pytest.raises(NotImplementedError):
        default_storage.path("x")
    return default_storage


@pytest.mark.django_db
def test_upload_issue_download_and_backup_without_local_paths(
    memory_storage, applicant, clerk, project_a, client, tmp_path
):
    case = factories.accepted_case(applicant, clerk, projects=[project_a])
    notice = IssuedDocument.objects.get(case=case)
    material = Material.objects.filter(case=case).first()
    assert memory_storage.exists(material.file.name) and memory_storage.exists(notice.file.name)

    factories.login(client, applicant)
    response = client.get(f"/cases/materials/{material.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == factories.PDF_BYTES
    response = client.get(f"/cases/documents/{notice.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    assert stored_file_problems() == []
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), verbosity=0)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert f"files/{material.file.name}" in names and f"files/{notice.file.name}" in names


def test_s3_storage_when_a_bucket_is_configured():
    from storages.backends.s3 import S3Storage

    config = file_storage(
        {
            "DJANGO_S3_BUCKET": "appraisal-files",
            "DJANGO_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "DJANGO_S3_ACCESS_KEY_ID": "key",
            "DJANGO_S3_SECRET_ACCESS_KEY": "secret",
        }
    )
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    storage = S3Storage(**config["OPTIONS"])
    assert storage.bucket_name == "appraisal-files"
    assert storage.default_acl == "private" and storage.file_overwrite is False
    assert file_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_shared_cache_choices():
    assert cache_backend("locmem")["BACKEND"].endswith("LocMemCache")
    assert cache_backend("database")["BACKEND"].endswith("DatabaseCache")
    assert cache_backend("redis://127.0.0.1:6379/1")["LOCATION"] == "redis://127.0.0.1:6379/1"
