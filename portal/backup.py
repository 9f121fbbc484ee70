"""Backup and restore: the database (as Django's portable JSON dump) and every stored file, in one
archive with a manifest of SHA-256 sums, checked again on restore (等保2.0: 数据备份恢复).

The archive (``.tar.gz``) holds:

- ``manifest.json``: when and from what it was made, the row count of every model, and the size
  and SHA-256 of ``data.xml`` and of every file;
- ``data.xml``: ``dumpdata`` of every app (content types, permissions, sessions and login
  throttling records are left out: the target database makes its own);
- ``files/…``: the contents of the file storage, a folder or an S3 bucket (uploaded materials, issued
  documents), read and written through the storage API only.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from audit.context import restoring

FORMAT = 1
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    """A local file's SHA-256 (the archive's parts while it is built or read)."""
    with open(path, "rb") as handle:
        return _sha256(handle)


def sha256_of_stored(name: str) -> str:
    """A stored file's SHA-256, read through the storage API (a folder or an S3 bucket)."""
    with default_storage.open(name, "rb") as handle:
        return _sha256(handle)


def stored_names(folder: str = ""):
    """Every file in the storage (a folder or an S3 bucket), through the storage API only."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from stored_names(f"{folder}/{sub}" if folder else sub)


def dumped_models():
    """The models whose rows go into the dump (every app less the excluded ones)."""
    skip_apps = {e for e in EXCLUDED if "." not in e}
    skip_models = {e for e in EXCLUDED if "." in e}
    for model in apps.get_models():
        if model._meta.app_label in skip_apps or model._meta.label_lower in skip_models:
            continue
        if model._meta.proxy or not model._meta.managed:
            continue
        yield model


def row_counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in dumped_models()}


def create_backup(output: Path) -> dict:
    """Write the archive to ``output`` (never over an existing file); return its manifest."""
    output = Path(output)
    if output.exists():
        raise BackupError(f"目标文件已存在，不会覆盖：{output}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        data_path = Path(work) / "data.xml"
        # One consistent snapshot: the dump and the counts read in one transaction.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            call_command(
                "dumpdata",
                # XML keeps datetimes to the microsecond (Django's JSON encoder rounds to ms).
                format="xml",
                exclude=EXCLUDED,
                natural_foreign=True,
                output=str(data_path),
                verbosity=0,
            )
            counts = row_counts()
        files = [
            {"path": name, "size": default_storage.size(name), "sha256": sha256_of_stored(name)}
            for name in stored_names()
        ]
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database_vendor": connection.vendor,
            "data": {"size": data_path.stat().st_size, "sha256": sha256_of(data_path)},
            "counts": counts,
            "files": files,
        }
        partial = output.with_name(output.name + ".part")
        try:
            with tarfile.open(partial, "x:gz") as archive:
                raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(raw)
                info.mtime = int(timezone.now().timestamp())
                archive.addfile(info, io.BytesIO(raw))
                archive.add(data_path, arcname="data.xml")
                for entry in files:
                    info = tarfile.TarInfo(f"files/{entry['path']}")
                    info.size = entry["size"]
                    info.mtime = int(timezone.now().timestamp())
                    with default_storage.open(entry["path"], "rb") as source:
                        archive.addfile(info, source)
            os.replace(partial, output)
        finally:
            if partial.exists():
                partial.unlink()
        os.chmod(output, 0o600)
    return manifest


def _safe_relative(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"备份文件中含有不安全的路径：{name}")
    return path


def read_archive(archive_path: Path, work: Path) -> dict:
    """Unpack into ``work`` and check every SHA-256 against the manifest; return the manifest."""
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from None
    with archive:
        members = {}
        for member in archive.getmembers():
            if not member.isfile():
                continue
            members[_safe_relative(member.name).as_posix()] = member
        if "manifest.json" not in members or "data.xml" not in members:
            raise BackupError("备份文件不完整：缺少 manifest.json 或 data.xml。")
        manifest = json.load(archive.extractfile(members["manifest.json"]))
        if manifest.get("format") != FORMAT:
            raise BackupError("备份文件的格式版本不受支持。")
        expected = {"data.xml": manifest["data"]} | {
            f"files/{f['path']}": f for f in manifest["files"]
        }
        for name, entry in expected.items():
            member = members.get(name)
            if member is None:
                raise BackupError(f"备份文件不完整：缺少 {name}。")
            target = work / _safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as sink:
                for chunk in iter(lambda source=source: source.read(CHUNK), b""):
                    sink.write(chunk)
            if sha256_of(target) != entry["sha256"]:
                raise BackupError(f"校验失败：{name} 的 SHA-256 与清单不符，备份文件可能已损坏。")
    return manifest


def database_is_empty() -> bool:
    return not any(m._default_manager.exists() for m in dumped_models())


def restore_backup(archive_path: Path) -> dict:
    """Restore into an empty, migrated database and an empty storage folder; return a report."""
    if not database_is_empty():
        raise BackupError(
            "目标数据库不是空的。恢复只能在新建并已执行 migrate 的空数据库上进行，以免覆盖现有数据。"
        )
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        manifest = read_archive(Path(archive_path), work)
        for entry in manifest["files"]:
            if default_storage.exists(entry["path"]):
                raise BackupError(f"文件已存在，不会覆盖：{entry['path']}")
        written = []
        token = restoring.set(True)
        try:
            with transaction.atomic():
                call_command("loaddata", str(work / "data.xml"), verbosity=0)
                for entry in manifest["files"]:
                    name = _safe_relative(entry["path"]).as_posix()
                    with open(work / "files" / name, "rb") as source:
                        saved = default_storage.save(name, File(source))
                    written.append(saved)
                    if saved != name:
                        raise BackupError(f"文件已存在，不会覆盖：{name}")
                counts = row_counts()
                if counts != manifest["counts"]:
                    raise BackupError("恢复后的记录数与备份清单不符，已撤销恢复。")
                problems = stored_file_problems()
                if problems:
                    raise BackupError("恢复后文件校验失败：" + "；".join(problems[:5]))
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
        finally:
            restoring.reset(token)
    return {"counts": counts, "files": len(manifest["files"])}


def file_fields():
    """(model, field name, has a SHA-256) for every file field of every model."""
    for model in apps.get_models():
        fields = model._meta.concrete_fields
        hashed = any(f.name == "sha256" for f in fields)
        for f in fields:
            if isinstance(f, models.FileField):
                yield model, f.name, hashed


def stored_file_problems(*, hashes: bool = True) -> list[str]:
    """Every stored file a row names (materials, issued documents, activity records, seals) that
    is missing or, with ``hashes``, no longer matches the SHA-256 registered with it."""
    problems = []
    for model, field, hashed in file_fields():
        if not hashed:
            continue
        label = model._meta.verbose_name
        rows = model._default_manager.exclude(**{field: ""}).values_list("pk", field, "sha256")
        for pk, name, sha256 in rows.iterator():
            if not default_storage.exists(name):
                problems.append(f"{label} {pk} 的文件缺失（{name}）")
            elif hashes and sha256_of_stored(name) != sha256:
                problems.append(f"{label} {pk} 的文件与登记的 SHA-256 不符（{name}）")
    return problems


STAGING = ("imports/",)  # expert sheets between their preview and their import


def unregistered_files() -> list[str]:
    """Stored files no row names, less the staged import sheets: typically a document written by
    an action that was then rolled back. Nothing refers to them; they are reported, not removed."""
    known = set()
    for model, field, _hashed in file_fields():
        known.update(model._default_manager.values_list(field, flat=True).iterator())
    return [n for n in stored_names() if n not in known and not n.startswith(STAGING)]
