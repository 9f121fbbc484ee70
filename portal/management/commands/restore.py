"""manage.py restore ARCHIVE: into an empty migrated database (see README, 备份与恢复)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从 backup 生成的归档恢复数据库与文件（仅限空数据库；恢复前后均校验 SHA-256）。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="backup 命令生成的 .tar.gz 文件")

    def handle(self, *args, archive, **options):
        if not Path(archive).is_file():
            raise CommandError(f"找不到备份文件：{archive}")
        try:
            report = restore_backup(Path(archive))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(report["counts"].values())
        self.stdout.write(
            f"恢复完成：{rows} 条记录，{report['files']} 个文件，全部通过 SHA-256 校验。"
        )
