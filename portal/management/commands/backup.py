"""manage.py backup: the database and every stored file in one archive (see README, 备份与恢复)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库与全部上传、出具的文件到一个归档文件（含 SHA-256 清单）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="归档文件路径（.tar.gz），默认 var/backups/backup-时间.tar.gz；已存在的文件不会被覆盖。",
        )

    def handle(self, *args, output=None, **options):
        if output is None:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.BASE_DIR) / "var" / "backups" / f"backup-{stamp}.tar.gz"
        try:
            manifest = create_backup(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"备份完成：{output}（{rows} 条记录，{len(manifest['files'])} 个文件）")
