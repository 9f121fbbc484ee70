from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "appraisal"
    verbose_name = "类别鉴定"

    def ready(self):
        from . import checks  # noqa: F401, PLC0415 (registered once the app registry is ready: registers the system checks)
