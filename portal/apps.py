from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig


class PortalConfig(AppConfig):
    default = True  # the module holds another AppConfig (below)
    name = "portal"
    verbose_name = "平台与账户"


class LoginProtectionConfig(AxesConfig):
    """django-axes (login throttling), named in Chinese where the admin lists it."""

    default = False
    verbose_name = "登录保护"
