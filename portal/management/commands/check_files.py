"""manage.py check_files: every stored file against the records (see README, 备份与恢复)."""

from django.core.management.base import BaseCommand, CommandError

from portal.backup import stored_file_problems, unregistered_files


class Command(BaseCommand):
    help = (
        "核对存放的文件：数据库登记的每个文件是否存在、SHA-256 是否与登记一致；"
        "并列出没有任何记录引用的文件（只报告，不删除）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-hash", action="store_true", help="只核对文件是否存在，不计算 SHA-256（较快）。"
        )

    def handle(self, *args, no_hash=False, **options):
        problems = stored_file_problems(hashes=not no_hash)
        extra = unregistered_files()
        for name in extra:
            self.stdout.write(f"未被任何记录引用的文件：{name}")
        if extra:
            self.stdout.write(
                f"共 {len(extra)} 个未被引用的文件（多为办理操作未完成、已撤销时留下的文书），"
                "不影响任何记录，保留备查。"
            )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} 个登记的文件缺失或已被改动，请从备份中核对恢复。")
        what = "存在" if no_hash else "存在且与登记的 SHA-256 一致"
        self.stdout.write(f"登记的文件全部{what}。")
