"""System checks for what the documents need from the machine."""

import ctypes.util
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core import checks

from .documents.trust import unreadable_trust_roots


@checks.register(checks.Tags.compatibility)
def harfbuzz_subset_available(app_configs=None, **kwargs):
    """Without HarfBuzz's subset library WeasyPrint subsets CJK fonts in Python: ~6 s a page."""
    if ctypes.util.find_library("harfbuzz-subset"):
        return []
    return [
        checks.Warning(
            "未找到 HarfBuzz 字体子集库（libharfbuzz-subset0）：生成一页中文 PDF 将由约 0.15 秒变为约 6 秒。",
            hint="在 Debian 上执行：apt-get install libharfbuzz-subset0",
            id="appraisal.W001",
        )
    ]


@checks.register(checks.Tags.compatibility)
def cjk_font_available(app_configs=None, **kwargs):
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    if settings.APPRAISAL_PDF_FONT in out:
        return []
    return [
        checks.Warning(
            f"未找到文书所用字体“{settings.APPRAISAL_PDF_FONT}”，PDF 中的中文将无法正确显示。",
            hint="在 Debian 上执行：apt-get install fonts-noto-cjk",
            id="appraisal.W002",
        )
    ]


@checks.register(checks.Tags.security)
def signing_keys_present(app_configs=None, **kwargs):
    """Issued documents carry the bureau's digital signature; without keys nothing can be issued."""
    if not settings.APPRAISAL_SIGN_DOCUMENTS:
        return []
    directory = Path(settings.APPRAISAL_SIGNING_DIR)
    if directory.is_dir() and any(directory.glob("*.key.pem")):
        return []
    return [
        checks.Warning(
            f"文书签名密钥目录 {directory} 中没有任何教育局的签名密钥：受理、鉴定意见书等文书将无法出具。",
            hint="演示环境执行 manage.py make_signing_keys；生产环境将各教育局的 <行政区划代码>.key.pem"
            " 和 <行政区划代码>.cert.pem 放入 APPRAISAL_SIGNING_DIR 所指目录。",
            id="appraisal.W003",
        )
    ]


@checks.register(checks.Tags.security)
def signing_trust_roots_readable(app_configs=None, **kwargs):
    """A configured trust root that cannot be read accepts nothing: say so before a recipient finds
    the bureau's signature reported as not the bureau's."""
    return [
        checks.Warning(
            f"APPRAISAL_SIGNING_TRUST_ROOTS 中的 {name} 无法读取或不含证书：由该根证书签发的签名证书不会被认作教育局的证书。",
            hint="填写 PEM 或 DER 格式证书文件的路径，多个以逗号分隔。",
            id="appraisal.W004",
        )
        for name in unreadable_trust_roots()
    ]
