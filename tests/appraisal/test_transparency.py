"""The transparency log (docs/draw-spec.md §9): an entry per draw and per issued document, in the
same transaction, chained by hash; a signed head per day; the public pages; the verifier's chain
check refusing a removed, reordered or edited entry and showing a draw run twice."""

import base64
import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from appraisal.documents import transparency
from appraisal.models import Draw, IssuedDocument, LogEntry, LogHead
from appraisal.panel import record as draw_record
from common.errors import ServiceError
from experts.models import Expert
from tests import factories
from tests.verifier import verify


def write_log(folder: Path, data: dict, name="log.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def logged(accepted_case, clerk, pool):
    """The acceptance notice (issued on acceptance) and the panel draw, both on the log."""
    draw = factories.draw(clerk, accepted_case)
    return accepted_case, draw


def test_documents_and_draws_are_entered_in_order_and_chained(logged):
    case, draw = logged
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    entries = list(LogEntry.objects.order_by("seq"))
    assert [(e.seq, e.kind) for e in entries] == [(1, "document"), (2, "draw")]
    first, second = entries
    assert (first.ref, first.sha256, first.document) == (notice.serial, notice.sha256, notice)
    assert first.prev_hash == transparency.GENESIS and second.prev_hash == first.hash
    assert second.draw == draw
    assert second.sha256 == draw_record.sha256(draw_record.of(Draw.objects.get(pk=draw.pk)))
    for e in entries:
        at = draw_record.utc_text(e.at)
        assert e.hash == transparency.entry_hash(e.seq, at, e.kind, e.ref, e.sha256, e.prev_hash)


def test_a_refused_draw_leaves_no_entry(accepted_case, clerk, changji):
    factories.experts(changji, 2, ("mathematics",))
    with pytest.raises(ServiceError):
        factories.draw(clerk, accepted_case)
    assert list(LogEntry.objects.values_list("kind", flat=True)) == ["document"]


def test_nothing_personal_is_entered(logged, applicant, clerk):
    case, draw = logged
    names = [e.name for e in Expert.objects.all()]
    names += [case.institution.name, applicant.display_name, clerk.display_name]
    for entry in LogEntry.objects.all():
        assert not any(name in entry.ref for name in names)
    export = json.dumps(transparency.export(0), ensure_ascii=False)
    assert not any(name in export for name in names)


def test_the_verifier_checks_the_chain_and_finds_the_draw_and_the_document(logged, tmp_path):
    case, draw = logged
    log = write_log(tmp_path, transparency.export(0))
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    (tmp_path / "notice.pdf").write_bytes(notice.file.read())
    (tmp_path / "forged.pdf").write_bytes(b"%PDF-1.7 not issued by the portal")
    (tmp_path / "draw.json").write_bytes(draw_record.of(Draw.objects.get(pk=draw.pk)))
    done = verify(tmp_path, "--log", log, "--pdf", "notice.pdf", "draw.json")
    assert done.returncode == 0, done.stdout
    assert "透明日志：2 条，链哈希逐条一致" in done.stdout
    assert f"notice.pdf：已登记，透明日志第 1 条，文书编号 {notice.serial}" in done.stdout
    done = verify(tmp_path, "--log", log, "--pdf", "forged.pdf")
    assert done.returncode == 1 and "透明日志中没有这份文件" in done.stdout


def _three_entries(case, draw):
    """A third entry (a second document) so that one can be removed from the middle."""
    factories.issue_opinion(case, draw.drawn_by, experts=3)
    return transparency.export(0)


@pytest.mark.parametrize(
    "spoil,said",
    [
        (lambda d: d["entries"].pop(1), "序号不连续"),
        (
            lambda d: d["entries"].__setitem__(
                slice(1, 3),
                [
                    {**d["entries"][2], "seq": d["entries"][1]["seq"]},
                    {**d["entries"][1], "seq": d["entries"][2]["seq"]},
                ],
            ),
            "链哈希与其内容不符",
        ),
        (lambda d: d["entries"][1].update(sha256="ab" * 32), "链哈希与其内容不符"),
        (lambda d: d["entries"][1].update(ref="别的案件/1/panel/1"), "链哈希与其内容不符"),
        (lambda d: d["entries"][0].update(prev_hash="1" * 64), "第 1 条的前一条哈希应为"),
    ],
)
def test_a_removed_reordered_or_edited_entry_fails_the_chain_check(logged, tmp_path, spoil, said):
    case, draw = logged
    data = _three_entries(case, draw)
    assert len(data["entries"]) == 3
    assert verify(tmp_path, "--log", write_log(tmp_path, data, "good.json")).returncode == 0
    spoil(data)
    done = verify(tmp_path, "--log", write_log(tmp_path, data, "bad.json"))
    assert done.returncode == 1 and "透明日志：不通过" in done.stdout
    assert said in done.stdout, done.stdout


def test_an_entry_whose_hash_is_recomputed_still_breaks_the_link_after_it(logged, tmp_path):
    """Editing an entry and fixing its own hash is not enough: the next entry no longer follows."""
    case, draw = logged
    data = _three_entries(case, draw)
    entry = data["entries"][1]
    entry["sha256"] = "cd" * 32
    entry["hash"] = transparency.entry_hash(
        entry["seq"], entry["at"], entry["kind"], entry["ref"], entry["sha256"], entry["prev_hash"]
    )
    done = verify(tmp_path, "--log", write_log(tmp_path, data))
    assert done.returncode == 1 and "第 3 条没有接在第 2 条之后" in done.stdout


@pytest.mark.draw_records_edited
def test_a_draw_run_twice_shows_on_the_log(logged, tmp_path):
    """A second panel draw of the same round, entered off the books (the portal's unique
    constraint refuses it; this is someone writing to the log behind it), is reported."""
    case, draw = logged
    with transaction.atomic():
        transparency.append(
            LogEntry.Kind.DRAW,
            transparency.draw_ref(case.number, 1, "panel", draw.pk + 100),
            "ef" * 32,
        )
    done = verify(tmp_path, "--log", write_log(tmp_path, transparency.export(0)))
    assert done.returncode == 1
    assert f"异常：案件 {case.number} 第 1 轮有 2 条专家组抽取" in done.stdout


def test_an_entry_is_written_only_inside_the_transaction_of_what_it_records(transactional_db):
    with pytest.raises(RuntimeError):
        transparency.append(LogEntry.Kind.DOCUMENT, "x", "0" * 64)
    with pytest.raises(ValueError), transaction.atomic():
        transparency.append(LogEntry.Kind.DOCUMENT, "two\nlines", "0" * 64)


# ---- the signed heads ------------------------------------------------------------------------
def test_a_head_is_signed_for_each_finished_day_with_the_prefectures_key(
    logged, prefecture_bureau, tmp_path
):
    last = LogEntry.objects.order_by("-seq").first()
    day = timezone.localdate(last.at)
    assert transparency.sign_heads(today=day) == []  # the day is not over yet
    heads = transparency.sign_heads(today=day + datetime.timedelta(days=2))
    assert [h.day for h in heads] == [day, day + datetime.timedelta(days=1)]
    assert [(h.size, h.root) for h in heads] == [(2, last.hash), (2, last.hash)]
    assert transparency.sign_heads(today=day + datetime.timedelta(days=2)) == []  # idempotent
    head = heads[0]
    assert head.signer == prefecture_bureau.code
    from appraisal.documents.signing import key_paths

    cert = x509.load_pem_x509_certificate(key_paths(head.signer)[1].read_bytes())
    message = transparency.head_text(head.day, head.size, head.root, head.signer).encode()
    cert.public_key().verify(base64.b64decode(head.signature), message, ec.ECDSA(hashes.SHA256()))
    # The verifier checks the heads against the log, and one that no longer matches is refused.
    data = transparency.export(0)
    assert len(data["heads"]) == 2 and data["signer_certificate_sha256"] == head.certificate_sha256
    done = verify(tmp_path, "--log", write_log(tmp_path, data), "--head-files", "heads")
    assert done.returncode == 0, done.stdout
    assert "签名头 2 个与日志一致" in done.stdout
    assert f"签名证书 SHA-256 指纹：{head.certificate_sha256}" in done.stdout
    name = f"head-{head.day:%Y-%m-%d}"
    if shutil.which("openssl"):  # as the spec (9.4) tells an auditor to check the signature
        folder = tmp_path / "heads"
        subprocess.run(
            ["openssl", "x509", "-in", "signer.cert.pem", "-pubkey", "-noout", "-out", "pub.pem"],
            cwd=folder,
            check=True,
        )
        checked = subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", f"{name}.sig"]
            + [f"{name}.txt"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert "Verified OK" in checked.stdout
    data["heads"][0]["root"] = "0" * 64
    done = verify(tmp_path, "--log", write_log(tmp_path, data, "rewritten.json"))
    assert done.returncode == 1 and "签名后日志被改写过" in done.stdout


def test_a_log_cut_short_after_a_signed_head_is_refused(logged, prefecture_bureau, tmp_path):
    last = LogEntry.objects.order_by("-seq").first()
    transparency.sign_heads(today=timezone.localdate(last.at) + datetime.timedelta(days=1))
    data = transparency.export(0)
    data["entries"].pop()
    done = verify(tmp_path, "--log", write_log(tmp_path, data))
    assert done.returncode == 1 and "日志被删减过" in done.stdout


def test_daily_signs_the_heads_and_says_so(logged, prefecture_bureau):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("daily", stdout=out)
    assert "透明日志签名头：新签署 0 个" in out.getvalue()  # today's day is not over


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_log_rows(logged, prefecture_bureau):
    from django.db import DatabaseError

    last = LogEntry.objects.order_by("-seq").first()
    transparency.sign_heads(today=timezone.localdate(last.at) + datetime.timedelta(days=1))
    for attempt in (
        lambda: LogEntry.objects.filter(pk=last.pk).update(sha256="0" * 64),
        lambda: LogEntry.objects.filter(pk=last.pk).delete(),
        lambda: LogHead.objects.update(root="0" * 64),
        lambda: LogHead.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert LogEntry.objects.get(pk=last.pk).sha256 == last.sha256


# ---- the public pages ------------------------------------------------------------------------
def test_the_public_log_page_lists_entries_and_heads_without_login(client, logged):
    case, draw = logged
    response = client.get(reverse("transparency_log"))
    assert response.status_code == 200
    body = response.content.decode()
    for entry in LogEntry.objects.all():
        assert entry.ref in body and entry.sha256 in body and entry.hash in body
    assert reverse("transparency_file", args=["verify_draw.py"]) in body
    assert "共 2 条" in body
    assert (
        "条目序号应为非负整数"
        in client.get(reverse("transparency_log"), {"upto": "x"}).content.decode()
    )
    older = client.get(reverse("transparency_log"), {"upto": "1"}).content.decode()
    assert (
        LogEntry.objects.get(seq=1).hash in older and LogEntry.objects.get(seq=2).hash not in older
    )


def test_the_log_json_is_what_the_verifier_reads(client, logged):
    data = client.get(reverse("transparency_log_json")).json()
    assert data == json.loads(json.dumps(transparency.export(0)))
    assert [e["seq"] for e in data["entries"]] == [1, 2] and data["more"] is False
    page = client.get(reverse("transparency_log_json"), {"after": 1, "count": 1}).json()
    assert [e["seq"] for e in page["entries"]] == [2]
    for bad in ({"after": "-1"}, {"after": "x"}, {"count": "0"}):
        response = client.get(reverse("transparency_log_json"), bad)
        assert response.status_code == 400 and "after" in response.json()["error"]


def test_the_verifier_spec_and_vectors_download_from_a_stable_address(client, db):
    root = Path(__file__).resolve().parents[2]
    for name, path in [
        ("verify_draw.py", root / "appraisal/static/appraisal/verify_draw.py"),
        ("draw-spec.md", root / "docs/draw-spec.md"),
        ("draw-vectors.json", root / "docs/draw-vectors.json"),
    ]:
        response = client.get(f"/transparency/{name}")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == path.read_bytes()
        assert f'filename="{name}"' in response["Content-Disposition"]
    assert client.get("/transparency/settings.py").status_code == 404


def test_the_verification_page_says_where_a_document_is_on_the_log(client, logged):
    case, _draw = logged
    notice = IssuedDocument.objects.get(case=case, kind="acceptance_notice")
    body = client.get(reverse("verify_document", args=[notice.verification_code])).content
    assert "已登记：" in body.decode() and "第 1 条" in body.decode()
