"""The system's random value for a draw, sealed at rest until the draw (docs/draw-spec.md §7).

Before a draw the database holds only the value's commitment (its hash, shown to the clerk and
the witness) and the value encrypted with Fernet (AES-128-CBC with HMAC-SHA256, from
``cryptography``). The key lives outside the database and its backups: the setting
``APPRAISAL_DRAW_VALUE_KEY`` (a Fernet key), or else the file ``draw-values.key`` in the signing
folder (``APPRAISAL_SIGNING_DIR``), made once (mode 600) when first needed and never overwritten.
Someone who reads the database or a backup before the draw learns nothing about the value.
"""

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

KEY_FILE = "draw-values.key"


class SealBroken(Exception):
    """The sealed value cannot be opened with the key configured now (key replaced or lost)."""


def key_path() -> Path:
    return Path(settings.APPRAISAL_SIGNING_DIR) / KEY_FILE


def _key() -> bytes:
    configured = getattr(settings, "APPRAISAL_DRAW_VALUE_KEY", "")
    if configured:
        return configured.encode()
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "xb") as fh:  # exclusively: a key file is never overwritten
                fh.write(Fernet.generate_key())
            path.chmod(0o600)
        except FileExistsError:  # made meanwhile by another process
            pass
    return path.read_bytes().strip()


def seal(value: str) -> str:
    return Fernet(_key()).encrypt(value.encode()).decode()


def unseal(token: str) -> str:
    try:
        return Fernet(_key()).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SealBroken from exc
