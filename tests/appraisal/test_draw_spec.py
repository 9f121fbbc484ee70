"""The draw's specification (docs/draw-spec.md): its test vectors hold for the portal's algorithm
and for the stand-alone verifier, run as a separate process with the standard library only."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from appraisal.documents import transparency
from appraisal.panel import algorithm as algorithm
from appraisal.panel import record as draw_record

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "docs" / "draw-vectors.json"
SPEC = ROOT / "docs" / "draw-spec.md"
VERIFIER = ROOT / "appraisal" / "static" / "appraisal" / "verify_draw.py"


def vectors() -> dict:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def verifier(*args, cwd) -> subprocess.CompletedProcess:
    """The verifier as an auditor runs it: its own process, isolated (-I: no PYTHONPATH, no
    site packages, not even its own folder on the path), in a folder outside the repository."""
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("vector", vectors()["vectors"], ids=lambda v: v["name"])
def test_each_vector_holds_for_the_portals_algorithm(vector):
    system, witness = vector["system_value"], vector["witness_value"]
    assert algorithm.commitment(system) == vector["commitment"]
    assert algorithm.derive_seed(system, witness) == vector["seed"]
    candidates = [algorithm.Candidate.from_json(row) for row in vector["candidates"]]
    assert algorithm.candidates_json(candidates) == vector["candidates"]
    assert algorithm.candidates_hash(candidates) == vector["candidates_sha256"]
    mac = algorithm.hmac_sha256(bytes.fromhex(vector["seed"]))
    for candidate_id, key in vector.get("keys", {}).items():
        assert mac(b"v1:%d" % int(candidate_id)).hex() == key
    params = algorithm.Parameters.from_json(vector["parameters"])
    if "impossible" in vector:
        with pytest.raises(algorithm.DrawImpossible) as err:
            algorithm.run(candidates, vector["seed"], params)
        assert err.value.code == vector["impossible"]
        return
    result = algorithm.run(candidates, vector["seed"], params)
    expected = vector["expected"]
    assert result.order == expected["order"]
    assert result.panel == expected["panel"]
    assert result.alternates == expected["alternates"]
    assert result.waived == expected["waived"]


@pytest.mark.parametrize("call", vectors()["calls"], ids=lambda c: c["name"])
def test_each_alternate_call_vector_holds_for_the_portals_rule(call):
    by_id = {row[0]: algorithm.Candidate.from_json(row) for row in call["candidates"]}
    chosen = algorithm.next_alternate(
        call["alternates"],
        by_id,
        [by_id[i] for i in call["staying"]],
        call["requirements"],
        set(call["skip"]),
    )
    assert chosen == call["expected"]


def test_the_vectors_cover_every_refusal_and_a_passed_over_candidate():
    data = vectors()
    refusals = {v["impossible"] for v in data["vectors"] if "impossible" in v}
    assert refusals == {"panel_size", "no_legal", "too_few", "too_many_requirements", "mix"}
    passed_over = [
        v
        for v in data["vectors"]
        if "expected" in v
        and v["expected"]["panel"] != v["expected"]["order"][: v["parameters"]["panel_size"]]
    ]
    assert passed_over, "a vector where the mix passes someone over (spec 6.3)"
    assert any(not v["witness_value"].isascii() for v in data["vectors"])  # UTF-8 of W


def test_the_stand_alone_verifier_passes_the_vectors(tmp_path):
    done = verifier("--vectors", VECTORS, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(vectors()["vectors"]) + len(vectors()["calls"])
    assert f"测试向量：{count} 个全部通过" in done.stdout


@pytest.mark.parametrize(
    "spoil",
    [
        lambda v: v["vectors"][0]["expected"]["order"].reverse(),
        lambda v: v["vectors"][1]["expected"]["panel"].pop(),
        lambda v: v["vectors"][2].update(seed="0" * 64),
        lambda v: v["vectors"][8].pop("impossible"),
        lambda v: v["calls"][0].update(expected=None),
    ],
)
def test_the_verifier_rejects_a_vector_it_computes_otherwise(tmp_path, spoil):
    """The vectors check could fail: a wrong expectation is reported, with exit code 1."""
    data = vectors()
    spoil(data)
    path = tmp_path / "spoilt.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    done = verifier("--vectors", path, cwd=tmp_path)
    assert done.returncode == 1 and "测试向量：不通过" in done.stdout


def test_the_verifier_imports_the_standard_library_only():
    tree = ast.parse(VERIFIER.read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative import"
            modules.add(node.module.split(".")[0])
    assert modules and modules <= sys.stdlib_module_names, modules
    # Written for the Python an auditor may have (3.8): it parses with that grammar.
    ast.parse(VERIFIER.read_text(encoding="utf-8"), feature_version=(3, 8))


def test_the_spec_names_the_versions_the_code_uses():
    spec = SPEC.read_text(encoding="utf-8")
    for version in (
        algorithm.ALGORITHM_VERSION,
        draw_record.RECORD_FORMAT,
        transparency.ENTRY_FORMAT,
        transparency.HEAD_FORMAT,
        transparency.EXPORT_FORMAT,
    ):
        assert f"`{version}`" in spec
    assert "# 鉴定专家抽取算法规范 v1" in spec
    assert vectors()["algorithm"] == algorithm.ALGORITHM_VERSION
