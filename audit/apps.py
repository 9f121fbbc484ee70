from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "安全审计"

    def ready(self):
        from . import signals  # noqa: F401, PLC0415 (registered once the app registry is ready: logins and permission changes)
