"""Send the e-mails of notifications not yet e-mailed (PORTAL_MAIL_IN_WORKER, or after a mail
server outage). Run by a timer on one worker machine, e.g. every minute:

    uv run python manage.py send_pending_mail --hours 72
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.notify import pending_mail_ids, send_notification_mail


class Command(BaseCommand):
    help = "发送尚未发出的通知邮件"

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=72, help="只发送最近若干小时内的通知")

    def handle(self, *args, hours, **options):
        ids = pending_mail_ids(timezone.now() - timedelta(hours=hours))
        send_notification_mail(ids)
        self.stdout.write(f"待发送通知邮件 {len(ids)} 封，已处理。")
