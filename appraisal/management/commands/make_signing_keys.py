"""Demo keys: a P-256 key and a self-signed certificate per bureau, in APPRAISAL_SIGNING_DIR.

Existing files are never overwritten. Production installs each bureau's own key and certificate
there instead (named <行政区划代码>.key.pem and <行政区划代码>.cert.pem).
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from appraisal.documents.signing import make_key
from portal.models import Bureau


class Command(BaseCommand):
    help = "为每个教育局生成文书签名密钥和自签名证书（演示用；已有的不覆盖）。"

    def handle(self, *args, **options):
        made = 0
        for bureau in Bureau.objects.filter(is_active=True).order_by("order", "code"):
            if make_key(bureau.code, bureau.bureau_name):
                made += 1
                self.stdout.write(f"已生成：{bureau.bureau_name}（{bureau.code}）")
        self.stdout.write(
            self.style.SUCCESS(f"签名密钥目录 {settings.APPRAISAL_SIGNING_DIR}：新生成 {made} 份。")
        )
