"""Re-run a stored draw from its record and say whether it matches (docs/domain.md §抽取); the same check
outside the portal is the stand-alone verifier of docs/draw-spec.md §11."""

import sys

from django.core.management.base import BaseCommand, CommandError

from appraisal.models import Draw
from appraisal.panel import record as draw_record


class Command(BaseCommand):
    help = "按抽取记录中保存的候选名单、随机种子和参数重新运行抽取，核对结果是否一致。"

    def add_arguments(self, parser):
        parser.add_argument("draw_id", type=int, help="抽取记录编号")

    def handle(self, *args, draw_id, **options):
        try:
            draw = Draw.objects.select_related("round__case", "commitment").get(pk=draw_id)
        except Draw.DoesNotExist:
            raise CommandError(f"抽取记录 {draw_id} 不存在。") from None
        out = self.stdout
        out.write(f"抽取记录 {draw.pk}：案件 {draw.round.case.number}，{draw.round}")
        out.write(f"算法版本：{draw.algorithm_version}")
        out.write(f"随机值摘要（抽取前公布）：{draw.commitment.commitment}")
        out.write(f"系统随机值：{draw.system_value}")
        out.write(f"监督人输入值：{draw.witness_value or '（无监督人）'}")
        out.write(f"随机种子：{draw.seed}")
        out.write(f"候选专家 {len(draw.candidates)} 人，名单摘要：{draw.candidates_hash}")
        entry = getattr(draw, "log_entry", None)
        out.write(
            f"记录文件 SHA-256：{draw_record.sha256(draw_record.of(draw))}"
            + (f"（透明日志第 {entry.seq} 条）" if entry else "（未登记在透明日志）")
        )
        problems = draw.verify()
        if problems:
            for problem in problems:
                self.stderr.write(f"不一致：{problem}")
            sys.exit(1)
        result = draw.rerun()
        out.write(f"重新运行的入选专家：{result.panel}")
        out.write(self.style.SUCCESS("核对结果：与记录完全一致。"))
