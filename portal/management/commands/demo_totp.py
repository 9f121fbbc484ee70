"""Prints the current code of the demo's published TOTP secret (see README, 演示账户)."""

from base64 import b32decode

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from .load_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "显示演示账户当前的动态口令（仅适用于演示数据公开的共用密钥）。"
    requires_system_checks = []

    def handle(self, *args, **options):
        code = totp(b32decode(DEMO_TOTP_SECRET))
        self.stdout.write(f"{code:06d}")
