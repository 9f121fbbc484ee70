"""A draw's published record: one JSON file with everything needed to recompute the draw.

The format is ``jianding-draw-record/1`` of docs/draw-spec.md §8: the commitment and when it
was shown, the system's value, the witness's value, the seed, the algorithm version, the
canonical candidate rows (expert ids and subject codes, no names), the filters with the ids they
removed, the parameters and the result. The file is canonical JSON (keys sorted, no spaces,
non-ASCII escaped), so the same draw always gives the same bytes; their SHA-256 is the draw's
entry in the transparency log, written when the draw is made. The stand-alone verifier
(``appraisal/static/appraisal/verify_draw.py``) reads this file and nothing else.
"""

import hashlib
import json
from datetime import UTC

from appraisal.panel import algorithm as algorithm

RECORD_FORMAT = "jianding-draw-record/1"
# Stands for the candidate rows while the rest is encoded, then replaced by their encoded text
# (thousands of rows, already encoded once for their hash). A NUL never occurs in a stored value
# (PostgreSQL's text refuses it, the forms reject it), and "candidates" is the first key after
# "algorithm", whose value is fixed: the first match is the placeholder itself.
_ROWS = "\0candidates"


def utc_text(moment) -> str:
    """A moment as the record states it: UTC, to the second, e.g. 2026-12-15T03:04:05Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def build(
    draw, *, case_number, round_number, pool_code, commitment, witness_role, seat_position
) -> bytes:
    """The record's bytes. Each argument besides ``draw`` is something the draw row refers to,
    given by the caller who has it at hand (at the draw, nothing is read again)."""
    waived = draw.parameters.get("waived", [])
    taken = set(draw.panel)
    record = {
        "format": RECORD_FORMAT,
        "algorithm": draw.algorithm_version,
        "draw": {
            "id": draw.pk,
            "kind": draw.kind,
            "case": case_number,
            "round": round_number,
            "pool": pool_code,
            "for_seat": seat_position,
            "drawn_at": utc_text(draw.created_at),
        },
        "commitment": {
            "id": commitment.pk,
            "sha256": commitment.commitment,
            "shown_at": utc_text(commitment.created_at),
        },
        "system_value": draw.system_value,
        "witness": {
            "present": draw.witness_id is not None,
            "role": witness_role,
            "value": draw.witness_value,
        },
        "seed": draw.seed,
        "parameters": {
            "panel_size": draw.params.panel_size,
            "subjects": list(draw.params.subjects),
            "legal_seat": draw.params.legal_seat,
        },
        "candidates": _ROWS,
        "candidates_sha256": draw.candidates_hash,
        "filters": [
            {
                "code": f["code"],
                "label": f["label"],
                "count": f["count"],
                "removed": [row[0] for row in f["experts"]],
            }
            for f in draw.filters
        ],
        "result": {
            "order": draw.order,
            "panel": draw.panel,
            "alternates": [i for i in draw.order if i not in taken],
            "waived": waived,
        },
    }
    rows = draw.candidates
    rows_text = rows.text if isinstance(rows, algorithm.EncodedRows) and rows.text else None
    if rows_text is None:
        rows_text = algorithm.encoded(rows).text
    text = canonical_json(record).replace(canonical_json(_ROWS), rows_text, 1)
    return text.encode("ascii")


def of(draw) -> bytes:
    """The record of a stored draw (reads the case, pool, commitment, witness and seat)."""
    return build(
        draw,
        case_number=draw.round.case.number,
        round_number=draw.round.number,
        pool_code=draw.pool.code,
        commitment=draw.commitment,
        witness_role=draw.witness.role if draw.witness_id else None,
        seat_position=draw.for_seat.position if draw.for_seat_id else None,
    )


def sha256(record: bytes) -> str:
    return hashlib.sha256(record).hexdigest()


def filename(draw) -> str:
    return f"draw-{draw.pk}.json"
