"""Where each bureau's signing key and certificate are kept: ``<行政区划代码>.key.pem`` and
``<行政区划代码>.cert.pem`` in ``settings.APPRAISAL_SIGNING_DIR`` (never in the database)."""

from pathlib import Path

from django.conf import settings


def signing_dir() -> Path:
    return Path(settings.APPRAISAL_SIGNING_DIR)


def key_paths(code: str, directory: Path | None = None) -> tuple[Path, Path]:
    directory = directory or signing_dir()
    return directory / f"{code}.key.pem", directory / f"{code}.cert.pem"
