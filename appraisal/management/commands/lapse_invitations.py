"""Daily timer job: invitations past their reply deadline lapse and the next alternate is called.

Idempotent: an invitation lapses once; running it again finds nothing more to do.
"""

from django.core.management.base import BaseCommand

from appraisal.panel.invitations import lapse_overdue


class Command(BaseCommand):
    help = "将超过答复期限的专家邀请标记为逾期，并依次递补候补专家（建议每日定时运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, default=None, help="只处理这一案件（案件 ID）")

    def handle(self, *args, case=None, **options):
        count = lapse_overdue(case_id=case)
        self.stdout.write(f"逾期未答复的邀请：{count} 个，已依次递补。")
