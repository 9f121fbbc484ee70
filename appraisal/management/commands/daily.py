"""The daily timer job (e.g. a systemd timer or cron at 01:00): reply deadlines not yet final are
counted again on the calendar as it stands; invitations past their deadline lapse and alternates
are called; decided cases whose re-review window has passed are closed; reminders go out for
lapsing invitations and for time limits near or past; draw commitments shown and left unused for
a day are closed as abandoned (and audited), and the transparency log's head is signed for every
finished day (docs/draw-spec.md §7.3, §9.2).

Idempotent: each step finds only what is still to do, and every reminder carries a key, so a
second run the same day sends nothing twice.
"""

from django.core.management.base import BaseCommand

from appraisal.documents import transparency
from appraisal.panel.attempts import abandon_stale
from appraisal.panel.invitations import lapse_overdue
from appraisal.panel.schedules import recount_reply_deadlines
from appraisal.rereview.services import close_lapsed_windows
from appraisal.workflow.reminders import remind_deadlines, remind_invitations


class Command(BaseCommand):
    help = (
        "每日定时任务：邀请逾期递补、复审申请期限届满的案件办结、发送期限提醒、"
        "作废长时间未使用的抽取随机值、签署透明日志每日签名头（可重复运行）。"
    )

    def handle(self, *args, **options):
        recount_reply_deadlines(provisional_only=True)
        lapsed = lapse_overdue()
        closed = close_lapsed_windows()
        invitations = remind_invitations()
        reminders = remind_deadlines()
        self.stdout.write(f"逾期未答复的邀请：{lapsed} 个，已依次递补。")
        self.stdout.write(
            f"复审申请期限届满而办结的案件：{len(closed)} 件"
            + (f"（{'、'.join(c.number for c in closed)}）" if closed else "")
            + "。"
        )
        self.stdout.write(f"邀请答复提醒：{invitations} 条；办理期限提醒：{reminders} 条。")
        abandoned = abandon_stale()
        self.stdout.write(f"打开抽取页面后未使用而作废的随机值：{abandoned} 个（已记入审计记录）。")
        try:
            heads = transparency.sign_heads()
        except transparency.LogSignerMissing as exc:
            self.stderr.write(f"透明日志签名头未签署：{exc.message}")
        else:
            self.stdout.write(f"透明日志签名头：新签署 {len(heads)} 个。")
