"""The stand-alone draw verifier (docs/draw-spec.md §11), run as an auditor runs it: its own
process, isolated from the project (``-I``), in a folder of the test's."""

import subprocess
import sys
from pathlib import Path

VERIFIER = Path(__file__).resolve().parents[1] / "appraisal/static/appraisal/verify_draw.py"


def verify(folder: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), *map(str, args)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
