"""The panel draw as a pure function of (candidates, seed, parameters) (docs/domain.md §抽取).

Nothing here touches the database or the clock, so anyone holding a draw record can run it again
and get the same order and panel. Version 1:

- the candidates are put in canonical order (by id) and hashed (SHA-256 of their canonical JSON);
- the seed is SHA-256 over the system's random value and the witness's value (RFC 3797's idea:
  the system commits to its value by showing its hash first, so neither side alone decides);
- each candidate's key is HMAC-SHA256(seed, "v1:<id>"); sorting by key gives the random order
  (a uniform random permutation as long as HMAC-SHA256 behaves as a pseudo-random function);
- the panel is taken from the front of the order, skipping only a candidate who would make the
  subject mix impossible to meet with the seats left; everyone else stands as a ranked alternate.
"""

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

ALGORITHM_VERSION = "hmac-sha256-sort/1"
LEGAL = "legal"  # the requirement "one legal expert", beside the subject codes


class DrawImpossible(Exception):
    """The panel cannot be filled; the message says why, in words for the clerk, and ``code``
    which rule of docs/draw-spec.md §6 refused it (panel_size, no_legal, too_few,
    too_many_requirements, mix)."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


class Candidate(NamedTuple):
    """One candidate as the draw sees it: id, the required areas covered, legal or not."""

    id: int
    subjects: frozenset[str]
    legal: bool = False

    def covers(self, requirement: str) -> bool:
        return self.legal if requirement == LEGAL else requirement in self.subjects

    def as_json(self) -> list:
        return [self.id, sorted(self.subjects), self.legal]

    @classmethod
    def from_json(cls, row) -> "Candidate":
        return cls(id=int(row[0]), subjects=frozenset(row[1]), legal=bool(row[2]))


@dataclass(frozen=True)
class Parameters:
    panel_size: int
    subjects: tuple[str, ...] = ()  # at least one panel member per subject area, where possible
    legal_seat: bool = False  # at least one legal expert

    def as_json(self) -> dict:
        return {
            "panel_size": self.panel_size,
            "subjects": sorted(self.subjects),
            "legal_seat": self.legal_seat,
        }

    @classmethod
    def from_json(cls, data) -> "Parameters":
        return cls(
            panel_size=int(data["panel_size"]),
            subjects=tuple(sorted(data.get("subjects", []))),
            legal_seat=bool(data.get("legal_seat", False)),
        )


@dataclass
class DrawResult:
    candidates_hash: str
    order: list[int]
    panel: list[int]
    alternates: list[int]
    requirements: list[str]
    waived: list[str] = field(default_factory=list)  # required areas no candidate covers
    candidates_json: list[list] = field(default_factory=list, repr=False)


def canonical(candidates: Iterable[Candidate]) -> list[Candidate]:
    result = sorted(candidates, key=itemgetter(0))  # by id
    ids = [c.id for c in result]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate candidate")
    return result


def candidates_json(candidates: Iterable[Candidate]) -> list[list]:
    """The canonical candidate list, as stored with the draw and hashed."""
    return _as_json(canonical(candidates))


def _as_json(candidates: list[Candidate]) -> list[list]:
    """``Candidate.as_json`` of each, sorting each distinct set of areas once (there are few)."""
    areas: dict[frozenset, list[str]] = {}
    rows = []
    for c in candidates:
        listed = areas.get(c.subjects)
        if listed is None:
            listed = areas[c.subjects] = sorted(c.subjects)
        rows.append([c.id, listed, c.legal])
    return rows


class EncodedRows(list):
    """Rows with their canonical JSON text kept beside them (``text``), so that storing them
    need not encode thousands of rows a second time."""

    text: str = ""


class RowsEncoder(json.JSONEncoder):
    """Encodes ``EncodedRows`` as the text they carry, anything else as ``json`` does."""

    def encode(self, o):
        if isinstance(o, EncodedRows) and o.text:
            return o.text
        return super().encode(o)


def encoded(rows: list[list]) -> EncodedRows:
    result = EncodedRows(rows)
    result.text = json.dumps(rows, separators=(",", ":"), ensure_ascii=True)
    return result


def hash_json(rows: list[list]) -> str:
    payload = rows.text if isinstance(rows, EncodedRows) else encoded(rows).text
    return hashlib.sha256(payload.encode()).hexdigest()


def candidates_hash(candidates: Iterable[Candidate]) -> str:
    return hash_json(candidates_json(candidates))


WITNESS_VALUE_MAX = 100


def witness_value_problem(value: str) -> str | None:
    """What is wrong with a witness's value, in words for the witness; None if it may be used.

    The value is hashed exactly as typed (docs/draw-spec.md §3), so it must be something one
    can read off the record and type again: 1 to 100 characters, none of them a space or other
    whitespace (invisible, easily lost or doubled) nor a control or formatting character (pasted
    in unseen)."""
    if not value:
        return "请监督人输入自己选定的随机数或字符串。"
    if len(value) > WITNESS_VALUE_MAX:
        return f"监督人随机数不能超过 {WITNESS_VALUE_MAX} 个字符。"
    if any(ch.isspace() for ch in value):
        return "监督人随机数不能包含空格、制表符或换行：请输入连续的数字、字母或汉字。"
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        return "监督人随机数含有不可见的控制字符（可能是粘贴带入的）：请清空后直接输入。"
    return None


def commitment(system_value: str) -> str:
    """What the system shows before the draw: the hash of its random value."""
    return hashlib.sha256(f"commit:{system_value}".encode()).hexdigest()


def derive_seed(system_value: str, witness_value: str = "") -> str:
    """The seed, from the system's value and the witness's (empty without a witness)."""
    witness_value = (witness_value or "").strip()
    return hashlib.sha256(f"seed:v1:{system_value}:{witness_value}".encode()).hexdigest()


def hmac_sha256(key: bytes):
    """HMAC-SHA256 with ``key`` (RFC 2104), as a function of the message: the padded key's two
    hash states are computed once and copied per message, which gives the same digest as
    ``hmac.digest(key, msg, "sha256")`` in a fraction of its time over thousands of candidates."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def mac(message: bytes) -> bytes:
        h = inner.copy()
        h.update(message)
        o = outer.copy()
        o.update(h.digest())
        return o.digest()

    return mac


def ranked_order(candidates: Iterable[Candidate], seed: str) -> list[int]:
    """The candidates' ids sorted by HMAC-SHA256(seed, "v1:<id>") (ties, never seen, by id)."""
    mac = hmac_sha256(bytes.fromhex(seed))
    ids = sorted(c.id for c in candidates)
    return sorted(ids, key=lambda i: mac(b"v1:%d" % i))  # stable: equal keys stay in id order


def requirements_for(params: Parameters) -> list[str]:
    reqs = sorted(set(params.subjects))
    if params.legal_seat:
        reqs.append(LEGAL)
    return reqs


def _covered(members: Iterable[Candidate], requirements: Sequence[str]) -> set[str]:
    return {r for r in requirements for m in members if m.covers(r)}


def pick(
    order: Sequence[int],
    by_id: dict[int, Candidate],
    seats: int,
    requirements: Sequence[str],
    already: Sequence[Candidate] = (),
) -> list[int]:
    """Take ``seats`` candidates from ``order`` (front first) so that, with ``already`` on the
    panel, every requirement is covered: a candidate is passed over only when the seats left are
    all needed for requirements it does not cover."""
    unmet = set(requirements) - _covered(already, requirements)
    chosen = []
    for cid in order:
        if len(chosen) == seats:
            break
        c = by_id[cid]
        helps = {r for r in unmet if c.covers(r)}
        if seats - len(chosen) > len(unmet) or helps:
            chosen.append(cid)
            unmet -= helps
    return chosen


def run(candidates: Iterable[Candidate], seed: str, params: Parameters) -> DrawResult:
    """The draw: the random order of the candidates, the panel and the ranked alternates."""
    candidates = canonical(candidates)
    if not 1 <= params.panel_size <= 9:
        raise DrawImpossible("专家组人数不在允许范围内。", "panel_size")
    by_id = {c.id: c for c in candidates}
    wanted = requirements_for(params)
    waived = [r for r in wanted if not any(c.covers(r) for c in candidates)]
    requirements = [r for r in wanted if r not in waived]
    if LEGAL in waived:
        raise DrawImpossible(
            "可抽取的专家中没有符合条件的法律专业人士，无法满足组成要求。", "no_legal"
        )
    if len(candidates) < params.panel_size:
        raise DrawImpossible(
            f"符合条件的候选专家只有 {len(candidates)} 人，少于专家组人数 {params.panel_size} 人。",
            "too_few",
        )
    if len(requirements) > params.panel_size:
        raise DrawImpossible(
            f"专家组人数（{params.panel_size} 人）少于需覆盖的学科领域及法律专家数"
            f"（{len(requirements)} 项），请增加人数或调整组成要求。",
            "too_many_requirements",
        )
    order = ranked_order(candidates, seed)
    panel = pick(order, by_id, params.panel_size, requirements)
    if len(panel) < params.panel_size or _covered([by_id[i] for i in panel], requirements) != set(
        requirements
    ):
        raise DrawImpossible("候选专家无法满足专家组的学科组成要求。", "mix")
    taken = set(panel)
    rows = encoded(_as_json(candidates))
    return DrawResult(
        candidates_hash=hash_json(rows),
        candidates_json=rows,
        order=order,
        panel=panel,
        alternates=[i for i in order if i not in taken],
        requirements=requirements,
        waived=waived,
    )


def next_alternate(
    alternates: Sequence[int],
    by_id: dict[int, Candidate],
    staying: Sequence[Candidate],
    requirements: Sequence[str],
    skip: set[int],
) -> int | None:
    """The next alternate in rank who keeps the mix met with the members ``staying``; ``skip``
    holds those already called or no longer suitable. None when the alternates are exhausted."""
    unmet = set(requirements) - _covered(staying, requirements)
    for cid in alternates:
        if cid in skip or cid not in by_id:
            continue
        if all(by_id[cid].covers(r) for r in unmet):
            return cid
    return None
