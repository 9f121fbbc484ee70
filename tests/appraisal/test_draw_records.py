"""A draw's published record (docs/draw-spec.md §8): what it holds, who may download it when, and
the stand-alone verifier recomputing it (or refusing a record edited by hand)."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from appraisal.documents import transparency
from appraisal.models import Draw, LogEntry, Round
from appraisal.panel import record as draw_record
from experts.models import Expert
from tests import factories
from tests.verifier import verify


def exported_log(folder: Path) -> Path:
    path = folder / "log.json"
    path.write_text(json.dumps(transparency.export(0), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def witnessed(accepted_case, clerk, supervisor, pool):
    """A draw witnessed by the county's supervisor with a value in Chinese characters."""
    return factories.draw(
        clerk, accepted_case, witness=supervisor, witness_value="监督人二〇二六", panel_size=4
    )


def test_the_record_holds_what_the_verifier_needs_and_no_names(witnessed, clerk, supervisor):
    draw = Draw.objects.get(pk=witnessed.pk)
    raw = draw_record.of(draw)
    record = json.loads(raw)
    assert raw.isascii() and raw == json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")
    assert record["format"] == "jianding-draw-record/1"
    assert record["algorithm"] == "hmac-sha256-sort/1"
    assert record["commitment"]["sha256"] == draw.commitment.commitment
    assert record["system_value"] == draw.system_value
    assert record["witness"] == {"present": True, "role": "supervisor", "value": "监督人二〇二六"}
    assert record["seed"] == draw.seed
    assert record["candidates"] == draw.candidates
    assert record["result"]["panel"] == draw.panel and record["result"]["order"] == draw.order
    assert record["draw"]["case"] == draw.round.case.number and record["draw"]["pool"] == "652301"
    assert {f["code"] for f in record["filters"]} >= {"status", "credit", "tie", "load"}
    for name in [e.name for e in Expert.objects.all()] + [
        clerk.display_name,
        supervisor.display_name,
        draw.round.case.institution.name,
    ]:
        assert name.encode("unicode_escape") not in raw and name.encode() not in raw


def test_the_logged_hash_is_the_hash_of_the_record_as_downloaded_later(witnessed):
    entry = LogEntry.objects.get(draw=witnessed)
    assert entry.kind == "draw"
    assert entry.ref == f"{witnessed.round.case.number}/1/panel/{witnessed.pk}"
    assert entry.sha256 == draw_record.sha256(draw_record.of(Draw.objects.get(pk=witnessed.pk)))


def test_the_verifier_recomputes_a_stored_draw_from_its_file_alone(witnessed, tmp_path):
    draw = Draw.objects.get(pk=witnessed.pk)
    (tmp_path / "draw.json").write_bytes(draw_record.of(draw))
    done = verify(tmp_path, "--log", exported_log(tmp_path), "draw.json")
    assert done.returncode == 0, done.stdout
    assert "draw.json：核验通过" in done.stdout
    assert "入选专家（编号，按位次）：" + ", ".join(map(str, draw.panel)) in done.stdout


def _edited(raw: bytes, change) -> bytes:
    record = json.loads(raw)
    change(record)
    return json.dumps(record, ensure_ascii=False, indent=2).encode()


@pytest.mark.parametrize(
    "change,said",
    [
        # one candidate's id changed (the list stays in order)
        (lambda r: r["candidates"][-1].__setitem__(0, r["candidates"][-1][0] + 1), "候选名单"),
        (lambda r: r["result"]["panel"].reverse(), "入选专家与重新计算的不一致"),
        (lambda r: r["result"]["order"].insert(0, r["result"]["order"].pop()), "随机排序"),
        (lambda r: r["witness"].update(value="监督人二〇二七"), "随机种子"),
        (lambda r: r.update(system_value="0" * 64), "承诺"),
        (lambda r: r["parameters"].update(legal_seat=True), "不能完成"),
        (lambda r: r["filters"][1]["removed"].append(r["candidates"][0][0]), "又出现在候选名单中"),
        (lambda r: r["draw"].update(drawn_at="2026-01-01T00:00:00Z"), "文件被改动过"),
        (lambda r: r.pop("seed"), "缺少字段 seed"),
    ],
)
def test_an_edited_record_is_refused(witnessed, tmp_path, change, said):
    raw = draw_record.of(Draw.objects.get(pk=witnessed.pk))
    (tmp_path / "edited.json").write_bytes(_edited(raw, change))
    done = verify(tmp_path, "--log", exported_log(tmp_path), "edited.json")
    assert done.returncode == 1, done.stdout
    assert "edited.json：核验不通过" in done.stdout and said in done.stdout


def test_a_file_that_is_not_a_record_says_so(tmp_path):
    (tmp_path / "x.json").write_text("{不是 JSON", encoding="utf-8")
    done = verify(tmp_path, "x.json")
    assert done.returncode == 2 and "不是有效的 JSON" in done.stdout
    done = verify(tmp_path, "missing.json")
    assert done.returncode == 2 and "无法读取文件" in done.stdout


def test_an_unwitnessed_draw_when_the_setting_is_off_verifies_too(
    accepted_case, clerk, pool, settings, tmp_path
):
    settings.APPRAISAL_DRAW_REQUIRE_WITNESS = False
    draw = factories.draw(clerk, accepted_case, witness=None)
    record = json.loads(draw_record.of(Draw.objects.get(pk=draw.pk)))
    assert record["witness"] == {"present": False, "role": None, "value": ""}
    (tmp_path / "d.json").write_bytes(draw_record.of(Draw.objects.get(pk=draw.pk)))
    assert verify(tmp_path, "d.json").returncode == 0


# ---- who may download it, and when -----------------------------------------------------------
def test_staff_and_supervisors_download_the_record_at_once(
    client, witnessed, clerk, prefecture_clerk, supervisor
):
    url = reverse("appraisal:draw_record_json", args=[witnessed.pk])
    expected = draw_record.of(Draw.objects.get(pk=witnessed.pk))
    for user in (clerk, prefecture_clerk, supervisor):
        factories.login(client, user)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert response.content == expected
        assert f'filename="draw-{witnessed.pk}.json"' in response["Content-Disposition"]
    body = client.get(reverse("appraisal:draw_record", args=[witnessed.pk])).content.decode()
    assert url in body and reverse("transparency_file", args=["verify_draw.py"]) in body


@pytest.mark.parametrize("who", ["applicant", "colleague", "outsider", "foreign_clerk"])
def test_others_cannot_download_the_record_before_the_result(client, request, who, witnessed):
    factories.login(client, request.getfixturevalue(who))
    url = reverse("appraisal:draw_record_json", args=[witnessed.pk])
    assert client.get(url).status_code == 404


def test_the_public_gets_the_record_by_the_verification_code_once_the_result_is_issued(
    client, witnessed, accepted_case, clerk
):
    notice = accepted_case.documents.get(kind="acceptance_notice")
    code = notice.verification_code
    listing = reverse("verify_draws", args=[code])
    record_url = reverse("verify_draw_record", args=[code, witnessed.pk])
    body = client.get(listing).content.decode()
    assert "本案尚无可公开的抽取记录" in body and record_url not in body
    assert client.get(record_url).status_code == 404
    # The round's result is issued: its panel is no secret any more, nor its draw.
    factories.issue_opinion(
        accepted_case, clerk, round=Round.objects.get(case=accepted_case), experts=3
    )
    body = client.get(listing).content.decode()
    assert record_url in body
    entry = LogEntry.objects.get(draw=witnessed)
    assert f"第 {entry.seq} 条" in body and entry.sha256 in body
    response = client.get(record_url)
    assert response.status_code == 200
    assert response.content == draw_record.of(Draw.objects.get(pk=witnessed.pk))
    # Another case's draw is not reached through this case's code, nor a made-up code.
    assert (
        client.get(reverse("verify_draw_record", args=[code, witnessed.pk + 1])).status_code == 404
    )
    assert client.get(reverse("verify_draws", args=["0" * 16])).status_code == 404
    page = client.get(reverse("verify_document", args=[code])).content.decode()
    assert listing in page
