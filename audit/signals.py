"""Logins, logouts, failed logins and every change of who may do what, recorded as they happen."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from institutions.models import Institution
from portal.models import Bureau, SealCustody

from . import record
from .context import restoring
from .models import Action

User = get_user_model()

# The fields of an account that decide what it may see and do, and their names in the trail.
WATCHED_FIELDS = ("role", "bureau_id", "institution_id", "is_active", "is_staff", "is_superuser")
FIELD_WORDS = {
    "role": "角色",
    "bureau_id": "所属教育局",
    "institution_id": "所属机构",
    "is_active": "启用",
    "is_staff": "可进入系统管理",
    "is_superuser": "超级管理员",
}


def _in_words(field, value) -> str:
    """A watched value as the audit page shows it: a role's name, a bureau's or institution's
    name, 是/否 (the ids of a bureau and an institution are looked up once per change)."""
    if value is None or value == "":
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field == "role":
        return str(dict(User.Role.choices).get(value, value))
    if field == "bureau_id":
        return str(Bureau.objects.filter(pk=value).first() or value)
    if field == "institution_id":
        return str(Institution.objects.filter(pk=value).first() or value)
    return str(value)


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(request, Action.LOGIN, user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, Action.LOGOUT, user, ip=request.META.get("REMOTE_ADDR") if request else None)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    known = User.objects.filter(username=username).first() if username else None
    record(None, Action.LOGIN_FAILED, known, username=username, ip=_ip(request))


def _ip(request):
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(pre_save, sender=User)
def remember_old_values(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    old = sender.objects.filter(pk=instance.pk).values(*WATCHED_FIELDS).first()
    instance._audit_before = old


@receiver(post_save, sender=User)
def record_account_change(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    now = {f: getattr(instance, f) for f in WATCHED_FIELDS}
    if created:
        after = {FIELD_WORDS[f]: _in_words(f, v) for f, v in now.items() if v not in (None, False)}
        record(None, Action.USER_CREATED, instance, after=after)
        return
    before = getattr(instance, "_audit_before", None) or {}
    changed = {
        FIELD_WORDS[f]: [_in_words(f, before.get(f)), _in_words(f, now[f])]
        for f in WATCHED_FIELDS
        if before.get(f) != now[f]
    }
    if before and changed:
        record(None, Action.ROLE_CHANGE, instance, changes=changed)


def _m2m_recorder(action):
    def receiver_(sender, instance, action: str, reverse, model, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear") or restoring.get():
            return
        if reverse:
            # e.g. group.user_set.add(user): the event belongs to each account
            for obj in model.objects.filter(pk__in=pk_set or []):
                record(None, audit_action, obj, change=action[5:], of=str(instance))
            return
        names = sorted(str(o) for o in model.objects.filter(pk__in=pk_set or []))
        record(None, audit_action, instance, change=action[5:], items=names)

    audit_action = action
    return receiver_


m2m_changed.connect(
    _m2m_recorder(Action.GROUP_CHANGE), sender=User.groups.through, weak=False, dispatch_uid="a1"
)
m2m_changed.connect(
    _m2m_recorder(Action.PERMISSION_CHANGE),
    sender=User.user_permissions.through,
    weak=False,
    dispatch_uid="a2",
)
m2m_changed.connect(
    _m2m_recorder(Action.PERMISSION_CHANGE),
    sender=Group.permissions.through,
    weak=False,
    dispatch_uid="a3",
)


@receiver(post_save, sender=SealCustody, dispatch_uid="seal-custody-granted")
def record_custody_granted(sender, instance, created, raw=False, **kwargs):
    """印章保管 granted: on the account's trail, with the bureau whose seal it holds."""
    if created and not raw and not restoring.get():
        record(None, Action.PERMISSION_CHANGE, instance.user, change="add", items=[str(instance)])


@receiver(post_delete, sender=SealCustody, dispatch_uid="seal-custody-revoked")
def record_custody_revoked(sender, instance, **kwargs):
    if not restoring.get():
        record(
            None, Action.PERMISSION_CHANGE, instance.user, change="remove", items=[str(instance)]
        )
