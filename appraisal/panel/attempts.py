"""Draw attempts that made no draw, on the audit trail (docs/draw-spec.md §7).

A refused attempt (a wrong field, a witness not verified, a panel that cannot be filled), a
commitment that is stale (used, abandoned) or foreign (another round's), and a commitment shown
and then left unused (abandoned, closed by the daily job) are each recorded with the case and the
commitment (and the draw it went to, if any), so that nobody can try a draw quietly until it
suits them. A witness's failed re-authentication is recorded by ``portal.reauth`` as the
witness's own failure, with the same ``about`` details.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import audit
from appraisal.models import Case, Draw, DrawCommitment
from audit.models import Action

# A commitment shown and not used within this time is closed as abandoned by the daily job.
ABANDON_AFTER = timedelta(hours=24)

COMMITMENT_REASONS = {
    "unknown": "页面提交的随机值不存在",
    "foreign": "页面提交的随机值属于其他案件或轮次",
    "used": "页面提交的随机值已用于一次抽取",
    "abandoned": "页面提交的随机值已因长时间未使用而作废",
    "sealed": "页面提交的随机值无法解密（密钥已更换）",
}


def about(case, commitment) -> dict:
    """The details that tie an attempt to its case and prospective draw."""
    return {
        "case_number": case.number,
        "commitment": commitment.pk,
        "shown_at": timezone.localtime(commitment.created_at).strftime("%Y-%m-%d %H:%M:%S"),
    }


def _positive_id(value) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def refused(actor, case_id, *, commitment_id, message, reason=None, ip=None, seat=None):
    """Record a draw attempt that was refused (``reason`` set: because of its commitment)."""
    pk = _positive_id(case_id)
    case = Case.objects.select_related("bureau").filter(pk=pk).first() if pk else None
    data = {"message": message[:300]}
    if case is not None:
        data["case_number"] = case.number
    commitment = _positive_id(commitment_id)
    if commitment is not None:
        data["commitment"] = commitment
        used_by = Draw.objects.filter(commitment_id=commitment).values_list("pk", flat=True)
        if used_by:
            data["draw"] = used_by[0]
    elif commitment_id not in (None, ""):
        data["commitment"] = str(commitment_id)[:40]
    if seat is not None:
        data["seat"] = str(seat)[:40]
    if reason is not None:
        data["reason"] = COMMITMENT_REASONS.get(reason, reason)
        action = Action.DRAW_COMMITMENT_REFUSED
    else:
        action = Action.DRAW_REFUSED
    audit.record(actor, action, case, ip=ip, **data)


def abandon_stale(now=None) -> int:
    """Close every commitment shown more than ``ABANDON_AFTER`` ago and never used: it is never
    used afterwards (the next visit to the draw page makes a new one), and each is audited with
    its case. Idempotent; returns how many were closed."""
    now = now or timezone.now()
    stale = DrawCommitment.objects.filter(
        used_at__isnull=True, abandoned_at__isnull=True, created_at__lt=now - ABANDON_AFTER
    )
    count = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            closed = DrawCommitment.objects.filter(
                pk=pk, used_at__isnull=True, abandoned_at__isnull=True
            ).update(abandoned_at=now)
            if not closed:
                continue
            commitment = DrawCommitment.objects.select_related("round__case__bureau").get(pk=pk)
            case = commitment.round.case
            audit.record(
                None,
                Action.DRAW_ABANDONED,
                case,
                round=commitment.round.number,
                **about(case, commitment),
            )
            count += 1
    return count
