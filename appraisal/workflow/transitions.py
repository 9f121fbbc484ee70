"""Running one django-fsm transition of a case: the only way a case's state changes."""

from django.db import transaction
from django_fsm import can_proceed

import audit
from appraisal import access
from appraisal.models import Case, CaseLog
from appraisal.workflow import policy
from audit.models import Action
from common.errors import ServiceError


def lock_case(case_id) -> Case:
    """The case row, locked until the transaction ends, so nobody else is faster."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("bureau", "institution")
        .get(pk=case_id)
    )


def log_step(case, name, actor, *, note="", data=None, ip=None, audited=True) -> CaseLog:
    """A step inside the case's state (an invitation answered, a sheet submitted, a project
    amended): on the case's timeline like a transition, its state unchanged, and on the audit
    trail (``audited=False`` where the step records its own, more telling event)."""
    log = CaseLog.objects.create(
        case=case,
        transition=name,
        source=case.state,
        target=case.state,
        actor=actor,
        note=note,
        data=data or {},
        ip=ip,
    )
    if audited:
        audit.record(actor, Action.TRANSITION, case, ip=ip, transition=name, target=case.state)
    return log


def run_transition(
    case_id,
    user,
    name: str,
    *,
    note: str = "",
    data=None,
    ip=None,
    before=None,
    after=None,
    audit_data=None,
):
    """Lock the case, check who and when, transition, save, log; ``before``/``after`` run inside.

    ``before(case)`` may raise ServiceError to veto; ``after(case, log)`` does the side effects
    (documents, rounds) that must commit with the transition or not at all. ``audit_data`` adds
    details to the audit event (keys named in ``AuditEvent.DETAIL_LABELS``). ``user`` is None for
    the daily timer, whose transitions say so in their ``permission`` (``rules.is_system``).
    """
    with transaction.atomic():
        case = lock_case(case_id)
        fields = Case._meta.concrete_fields
        was = [getattr(case, f.attname) for f in fields]  # to write back only what changes
        if user is not None and not access.can_view_case(user, case):
            raise ServiceError("案件不存在或您无权操作。")
        method = getattr(case, name)
        policy.check(user, case, name, conditions=False)  # the state, then who
        if before is not None:
            before(case)
        policy.check(user, case, name)  # and the moment
        if not can_proceed(method):  # django-fsm asks the same policy; it must agree
            raise ServiceError(policy.refusal(user, case, name) or "暂不能执行该操作。")
        source = case.state
        method()
        # Only what changed is written (and the auto_now time of the change).
        case.save(
            update_fields=[
                f.name
                for f, old in zip(fields, was, strict=True)
                if getattr(f, "auto_now", False) or getattr(case, f.attname) != old
            ]
        )
        log = CaseLog.objects.create(
            case=case,
            transition=name,
            source=source,
            target=case.state,
            actor=user,
            note=note,
            data=data or {},
            ip=ip,
        )
        audit.record(
            user,
            Action.TRANSITION,
            case,
            ip=ip,
            transition=name,
            source=source,
            target=case.state,
            **(audit_data or {}),
        )
        if after is not None:
            after(case, log)  # a document it cannot sign refuses the whole step (SigningKeyMissing)
        return case
