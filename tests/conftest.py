"""Shared fixtures: the jurisdictions fixture, and an owner, a colleague and an outsider per role."""

import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from appraisal.documents.signing import make_key

from . import factories
from .verifier import VERIFIER

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


_verified: set[str] = set()  # draws and log already verified in this run (by content)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After each test that used the database, every draw it left is recomputed by the
    stand-alone verifier in a separate process, from its published record and the exported
    transparency log alone (docs/draw-spec.md §8–§9): a draw that does not verify, or is not in
    the log, fails the test. Tests that edit draws or the log on purpose say so with
    ``@pytest.mark.draw_records_edited``."""
    result = yield
    uses_db = item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        getattr(item, "fixturenames", ())
    )
    if uses_db and not item.get_closest_marker("draw_records_edited"):
        _verify_every_draw()
    return result


def _verify_every_draw():
    import hashlib
    import subprocess
    import sys
    import tempfile

    from appraisal.documents import transparency
    from appraisal.models import Draw
    from appraisal.panel import record as draw_record
    from appraisal.panel.algorithm import ALGORITHM_VERSION

    draws = Draw.objects.filter(algorithm_version=ALGORITHM_VERSION).select_related(
        "round__case", "pool", "commitment", "witness", "for_seat"
    )
    records = {draw.pk: draw_record.of(draw) for draw in draws.order_by("pk")}
    if not records:
        return
    pages, after = [], 0
    while True:
        page = transparency.export(after)
        pages.append(page)
        if not page["more"]:
            break
        after = page["entries"][-1]["seq"]
    logs = [json.dumps(page, ensure_ascii=False).encode() for page in pages]
    key = hashlib.sha256(b"".join(sorted(records.values())) + b"".join(logs)).hexdigest()
    if key in _verified:
        return
    with tempfile.TemporaryDirectory() as folder:  # outside the repository, like an auditor's
        folder = Path(folder)
        args = [sys.executable, "-I", str(VERIFIER)]
        for n, log in enumerate(logs):
            (folder / f"log-{n}.json").write_bytes(log)
            args += ["--log", f"log-{n}.json"]
        for pk, record in records.items():
            (folder / f"draw-{pk}.json").write_bytes(record)
            args.append(f"draw-{pk}.json")
        done = subprocess.run(args, cwd=folder, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"抽取核验程序不接受本测试产生的抽取记录：\n{done.stdout}{done.stderr}")
    _verified.add(key)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` (row locks, triggers) are skipped on SQLite, saying why."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://…")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing cost is not under test here; the production hasher stays in settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test stores its files in its own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path / "files")


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    """A signing key and certificate for every bureau of the fixture, made once per run."""
    directory = tmp_path_factory.mktemp("signing")
    rows = json.loads(Path("fixtures/changji.json").read_text(encoding="utf-8"))
    for row in rows:
        if row["model"] == "portal.bureau":
            make_key(row["fields"]["code"], row["fields"]["bureau_name"], directory)
    return directory


@pytest.fixture(autouse=True)
def _signing_keys(settings, signing_dir):
    settings.APPRAISAL_SIGNING_DIR = signing_dir


@pytest.fixture
def indicator_template(db):
    """The published indicator template of fixtures/indicators.json (its data migration loads it;
    a transactional test's flush empties the tables, so load it again when it is gone)."""
    from appraisal.models import IndicatorTemplate

    if IndicatorTemplate.current() is None:
        call_command("loaddata", "fixtures/indicators.json", verbosity=0)
    return IndicatorTemplate.current()


@pytest.fixture
def jurisdictions(db):
    call_command("loaddata", "fixtures/changji.json", verbosity=0)


@pytest.fixture
def changji(jurisdictions):
    return factories.bureau("652301")


@pytest.fixture
def fukang(jurisdictions):
    return factories.bureau("652302")


@pytest.fixture
def prefecture_bureau(jurisdictions):
    return factories.prefecture()


@pytest.fixture
def institution_a(changji):
    return factories.institution("652301", name="昌吉市甲培训中心")


@pytest.fixture
def institution_b(fukang):
    return factories.institution("652302", name="阜康市乙培训学校")


@pytest.fixture
def applicant(institution_a):
    return factories.user("institution", institution=institution_a, username="applicant")


@pytest.fixture
def colleague(institution_a):
    """Another member of the same institution."""
    return factories.user("institution", institution=institution_a, username="colleague")


@pytest.fixture
def outsider(institution_b):
    """A member of another institution, in another county."""
    return factories.user("institution", institution=institution_b, username="outsider")


@pytest.fixture
def clerk(changji):
    return factories.user("county", bureau=changji, username="clerk")


@pytest.fixture
def foreign_clerk(fukang):
    return factories.user("county", bureau=fukang, username="foreign_clerk")


@pytest.fixture
def prefecture_clerk(prefecture_bureau):
    return factories.user("prefecture", bureau=prefecture_bureau, username="prefecture_clerk")


@pytest.fixture
def project_a(institution_a):
    return factories.project(
        institution_a, ("mathematics", "integrated-practice"), name="少儿思维训练"
    )


@pytest.fixture
def supervisor(changji):
    return factories.user("supervisor", bureau=changji, username="supervisor")


@pytest.fixture
def accepted_case(applicant, clerk, project_a):
    """A case of 昌吉市 (mathematics, integrated practice), accepted: waiting for its panel."""
    return factories.accepted_case(applicant, clerk, projects=[project_a])


@pytest.fixture
def pool(changji):
    """Eight mathematics experts and four of integrated practice in 昌吉市's pool."""
    return factories.experts(changji, 8, ("mathematics",)) + factories.experts(
        changji, 4, ("integrated-practice",)
    )
