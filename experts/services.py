"""Keeping the pools: experts, their ties and credit records, the Excel import.

Each function checks who acts (``appraisal.access``: one place answers who may see what) and
writes in one transaction; records of ties and credit are only ever added, never deleted.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

import audit
from appraisal import access
from appraisal.models import Seat
from appraisal.workflow.states import REVIEW
from audit.models import Action
from common.errors import ServiceError
from common.limits import SHORT_MAX, within
from portal.notify import bureau_staff, notify_from

from . import sheets
from .models import Expert, ExpertCreditRecord, ExpertTie

PROFILE_FIELDS = [
    "name",
    "employer",
    "title",
    "title_level",
    "category",
    "status",
    "phone",
    "email",
    "declares_no_training_work",
    "knows_administrative_law",
    "note",
]


def _new_account(username, name, email):
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"登录账号“{username}”已被使用。")
    user = User(username=username, full_name=name, email=email or "", role="expert")
    # The system administrator sets the first password (系统管理 → 用户).
    user.set_unusable_password()
    user.save()
    return user


def _profile(expert) -> dict:
    """The profile in words, field label → value, as the audit trail keeps its changes."""
    shown = {}
    for name in PROFILE_FIELDS:
        field = Expert._meta.get_field(name)
        value = getattr(expert, name)
        if field.choices:
            value = getattr(expert, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = "是" if value else "否"
        shown[str(field.verbose_name)] = value
    shown["擅长学科或领域"] = "、".join(sorted(s.name for s in expert.subjects.all()))
    return shown


def _check_profile(data):
    if Expert.objects.filter(phone=data["phone"]).exclude(pk=data.get("pk")).exists():
        raise ServiceError("该手机号码的专家已在库中，不能重复入库。")
    if data["title_level"] not in Expert.TitleLevel.values:
        raise ServiceError("职称等级须为中级、副高级或正高级。")


def create_expert(user, *, username, subjects, **data) -> Expert:
    """A new expert in the acting clerk's own pool, with a login account."""
    pools = access.pools_managed_by(user)
    if not pools.exists():
        raise ServiceError("只有县（市）、州教育局工作人员可以维护专家库。")
    _check_profile(data)
    with transaction.atomic():
        account = _new_account(username.strip(), data["name"], data.get("email"))
        expert = Expert.objects.create(user=account, pool=pools.get(), **data)
        expert.subjects.set(subjects)
        audit.record(user, Action.EXPERT_CREATED, expert, bureau=expert.pool, pool=str(expert.pool))
    return expert


def update_expert(user, expert_id, *, subjects, **data) -> Expert:
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert_id)
        if not access.can_manage_expert(user, expert):
            raise ServiceError("只能维护本局专家库中的专家。")
        _check_profile({**data, "pk": expert.pk})
        before = _profile(expert)
        for name in PROFILE_FIELDS:
            if name in data:
                setattr(expert, name, data[name])
        expert.save()
        expert.subjects.set(subjects)
        # Who may be drawn hangs on these (status, title level, the declaration): every change
        # is on the audit trail, old and new.
        after = _profile(expert)
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if changes:
            audit.record(user, Action.EXPERT_CHANGED, expert, bureau=expert.pool, changes=changes)
        account = expert.user
        account.full_name, account.email = expert.name, expert.email
        account.is_active = expert.status != Expert.Status.RETIRED
        account.save(update_fields=["full_name", "email", "is_active"])
    return expert


def add_tie(
    user, expert_id, *, institution, kind, started_on=None, ended_on=None, note=""
) -> ExpertTie:
    """A declared tie: by the expert itself, or recorded by a clerk who sees the expert."""
    expert = Expert.objects.get(pk=expert_id)
    own = expert.user_id == user.pk
    if not (own or access.experts_visible_to(user).filter(pk=expert.pk).exists()):
        raise ServiceError("您无权为该专家登记关联关系。")
    if kind not in ExpertTie.Kind.values:
        raise ServiceError("请选择关联类型。")
    if started_on and ended_on and ended_on < started_on:
        raise ServiceError("结束日期不能早于开始日期。")
    with transaction.atomic():
        tie = ExpertTie.objects.create(
            expert=expert,
            institution=institution,
            kind=kind,
            started_on=started_on,
            ended_on=ended_on,
            note=within(note, SHORT_MAX, "说明"),
            declared_by=user,
        )
        audit.record(
            user,
            Action.EXPERT_TIE,
            expert,
            bureau=expert.pool,
            institution=institution.name,
            kind=tie.get_kind_display(),
        )
    return tie


def add_credit_record(
    user, expert_id, *, kind, reason, evidence, case_number=""
) -> ExpertCreditRecord:
    """专家信用管理记录 (guide 九(三)): the expert is never drawn again."""
    with transaction.atomic():
        expert = Expert.objects.select_for_update().get(pk=expert_id)
        if not access.experts_visible_to(user).filter(pk=expert.pk).exists():
            raise ServiceError("您无权为该专家记录信用情况。")
        record = record_credit(
            user,
            ExpertCreditRecord,
            Action.EXPERT_CREDIT,
            expert,
            expert.pool,
            {"kind": kind, "reason": reason, "evidence": evidence, "case_number": case_number},
            expert=expert,
        )
        tell_rounds_at_work(expert)
        return record


def seats_at_work(expert):
    """The expert's seats (invited or accepted) on panels still at work."""
    return (
        Seat.objects.filter(expert=expert, status__in=Seat.OPEN, round__case__state__in=REVIEW)
        .select_related("round__case", "round__bureau")
        .order_by("round__case__number")
    )


def tell_rounds_at_work(expert):
    """Guide 九(三): an expert with a credit record is no longer engaged, the panels he sits on now
    included; the bureaus running them are told which seats to deal with."""
    for seat in seats_at_work(expert):
        round, case = seat.round, seat.round.case
        notify_from(
            "expert_credit_seat",
            bureau_staff(round.bureau, round.staff_role),
            {"expert": expert, "round": round, "seat": seat},
            url=reverse("appraisal:case_detail", args=[case.pk]),
            case=case,
        )


def record_credit(user, model, action, subject, bureau, entry: dict, **owner):
    """A credit entry (guide 九: an expert's record, an institution's mark), checked, stored with
    who recorded it, and audited; never changed or deleted afterwards. ``entry``: kind, reason,
    evidence, case_number as typed; ``owner``: the expert or institution it is about."""
    reason, evidence = (entry["reason"] or "").strip(), (entry["evidence"] or "").strip()
    if entry["kind"] not in model.Kind.values:
        raise ServiceError("请选择情形。")
    if not reason or not evidence:
        raise ServiceError("请写明事实与理由，并列明证据。")
    with transaction.atomic():
        record = model.objects.create(
            kind=entry["kind"],
            reason=reason,
            evidence=evidence,
            case_number=checked_case_number(user, entry.get("case_number")),
            bureau=user.bureau,
            recorded_by=user,
            **owner,
        )
        audit.record(
            user,
            action,
            subject,
            bureau=bureau,
            kind=record.get_kind_display(),
            case_number=record.case_number,
        )
    return record


def checked_case_number(user, number) -> str:
    """The case a credit record names: empty, or a case the recording clerk can see."""
    number = (number or "").strip()
    if number and not access.cases_visible_to(user).filter(number=number).exists():
        raise ServiceError(f"案件编号“{number[:40]}”不存在或不在您的辖区内，请核对（可留空）。")
    return number


def import_sheet(user, data: bytes) -> list[Expert]:
    """Every row or none: a sheet with a single bad row saves nothing."""
    pools = access.pools_managed_by(user)
    if not pools.exists():
        raise ServiceError("只有县（市）、州教育局工作人员可以导入专家。")
    pool = pools.get()
    parsed = sheets.parse(data)
    if not parsed.ok:
        bad = len(parsed.bad_rows)
        raise ServiceError(
            "".join(parsed.problems) or f"有 {bad} 行存在问题，全部未导入，请修改后重新上传。"
        )
    created = []
    with transaction.atomic():
        for row in parsed.rows:
            v = row.values
            account = _new_account(v["username"], v["name"], v["email"])
            expert = Expert.objects.create(
                user=account,
                pool=pool,
                name=v["name"],
                phone=v["phone"],
                email=v["email"],
                employer=v["employer"],
                title=v["title"],
                title_level=v["title_level"],
                category=v["category"],
                declares_no_training_work=v["declares"],
                knows_administrative_law=v["knows_law"],
                note=v["note"][:200],
            )
            expert.subjects.set(row.subjects)
            created.append(expert)
        audit.record(
            user, Action.EXPERTS_IMPORTED, None, bureau=pool, count=len(created), pool=str(pool)
        )
    return created
