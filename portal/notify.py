"""Telling people what happened and what they must do: in the portal, and by e-mail after commit.

``notify`` is called inside the transaction of the action it reports; the rows commit with it, and the
e-mails go out only once the change is committed (a rolled-back action sends nothing).
``notify_from`` takes the words from a template in templates/notifications/.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from .models import Notification, User

logger = logging.getLogger(__name__)


def notify(
    recipients, subject: str, body: str = "", *, url: str = "", case=None, key: str = ""
) -> list[Notification]:
    """Create one notification per active recipient; e-mail those with an address after commit.

    With ``key``, a recipient who already has a notification with that key gets nothing new, so a
    reminder run twice sends nothing twice.
    """
    users = {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    if not key:  # nothing to deduplicate: one insert for everyone
        created = Notification.objects.bulk_create(
            [
                Notification(recipient=u, subject=subject, body=body, url=url, case=case)
                for u in users
            ]
        )
        users = []
    else:
        created = []
    for user in users:
        if key and Notification.objects.filter(recipient=user, key=key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=user, subject=subject, body=body, url=url, case=case, key=key
                    )
                )
        except IntegrityError:  # the same key, created at the same moment by another run
            continue
    ids = [n.pk for n in created if n.recipient.email]
    if ids and not settings.PORTAL_MAIL_IN_WORKER:
        transaction.on_commit(lambda: send_notification_mail(ids))
    return created


def notify_from(
    template_name: str, recipients, context: dict, *, url: str = "", case=None, key: str = ""
) -> list[Notification]:
    """``notify`` with the words of templates/notifications/<template_name>.txt: its first line
    that is not blank is the subject, the rest the body (blank lines around it dropped). Plain
    text in the Django template language, not HTML-escaped; ``case`` is in the context too."""
    text = render_notification(template_name, {"case": case, **context})
    subject, _, body = text.strip().partition("\n")
    return notify(recipients, subject.strip(), body.strip(), url=url, case=case, key=key)


def render_notification(template_name: str, context: dict) -> str:
    template = get_template(f"notifications/{template_name}.txt").template
    return template.render(Context(context, autoescape=False))


def pending_mail_ids(since):
    """Notifications created since ``since`` whose e-mail has not gone yet (a worker sends them)."""
    return list(
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__gte=since, recipient__is_active=True
        )
        .exclude(recipient__email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def send_notification_mail(ids):
    for n in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "recipient"
    ):
        link = f"{settings.APPRAISAL_PUBLIC_BASE_URL}{n.url}" if n.url else ""
        try:
            send_mail(
                f"【鉴定工作平台】{n.subject}",
                f"{n.recipient.display_name}：\n\n{n.body}\n\n{link}\n\n（本邮件由系统自动发送，请登录平台办理。）",
                settings.DEFAULT_FROM_EMAIL,
                [n.recipient.email],
            )
        except Exception:  # a mail server outage must not undo or hide the change itself
            logger.exception("notification mail %s failed", n.pk)
            continue
        Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())


def bureau_staff(bureau, role: str = "county"):
    return list(User.objects.filter(bureau=bureau, role=role, is_active=True))


def institution_members(institution):
    return list(User.objects.filter(institution=institution, role="institution", is_active=True))
