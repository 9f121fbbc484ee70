"""Settings for the appraisal portal.

SQLite by default so the demo needs nothing; PostgreSQL when DATABASE_URL is set. Every production
value comes from the environment (see README, "部署").
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("DJANGO_PRODUCTION", False):
        raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
    SECRET_KEY = "insecure-development-key-not-for-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "django_fsm",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal.apps.LoginProtectionConfig",  # django-axes
    "pgtrigger",
    "csp",
    "portal",
    "audit",
    "institutions",
    "experts",
    "appraisal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SecondFactorMiddleware",
    "portal.middleware.MethodNotAllowedPage",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "portal.auth.PortalBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# 等保2.0 level 3: long passwords of several character classes, not like the account, not common.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "portal.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
]

# Login throttling (django-axes): a username is locked from one address after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.views.lockout"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed login kept (read-only in the admin)
# The same client address as the audit trail: REMOTE_ADDR, set by the proxy in front (README).
AXES_CLIENT_IP_CALLABLE = "common.http.client_ip"

# Second factor (django-otp): TOTP with backup codes, required for these roles (see middleware).
OTP_REQUIRED_ROLES = ("county", "prefecture", "expert", "supervisor", "admin")
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "校外培训鉴定平台")
OTP_BACKUP_CODE_COUNT = 10
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # were its pages shown (portal/admin.py replaces them)
# Pages a user who still owes the second factor may open (URL names; static files always).
OTP_EXEMPT_URL_NAMES = (
    "login",
    "logout",
    "otp_setup",
    "otp_verify",
    "verify_lookup",  # the public verification pages (no login at all)
    "verify_document",
    "healthz",
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# Our catalogs (portal/locale): found for the templates through the app, for the admin's scripts
# only through LOCALE_PATHS.
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "files"))


def file_storage(environ) -> dict:
    """Uploaded materials and issued documents: never under a public URL (served by checked views).

    A folder by default; an S3-compatible bucket when DJANGO_S3_BUCKET is set, so that several
    app servers share one store (the code reaches files only through the storage API).
    """
    bucket = environ.get("DJANGO_S3_BUCKET")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT},
        }
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("DJANGO_S3_REGION") or None,
            "access_key": environ.get("DJANGO_S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("DJANGO_S3_SECRET_ACCESS_KEY") or None,
            "location": environ.get("DJANGO_S3_PREFIX", ""),
            "addressing_style": environ.get("DJANGO_S3_ADDRESSING_STYLE") or None,
            "default_acl": "private",
            "querystring_auth": True,  # never a public URL; downloads go through our views
            "file_overwrite": False,  # a stored name is never reused
        },
    }


def cache_backend(value: str) -> dict:
    """The cache (the verification page's rate limit): per process by default; ``database`` (a
    table made by ``manage.py createcachetable``) or a ``redis://`` URL when several app servers
    must share it."""
    if value == "database":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    if value.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": value}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


CACHES = {"default": cache_backend(os.environ.get("DJANGO_CACHE", "locmem"))}

STORAGES = {
    "default": file_storage(os.environ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("DJANGO_PRODUCTION", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Sessions: expire when idle, and at browser close.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
# Database sessions that skip the write when the expiry was pushed forward within the last minute.
SESSION_ENGINE = "portal.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Production hardening, on when DJANGO_PRODUCTION is set.
if env_bool("DJANGO_PRODUCTION", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_HTTPONLY = True
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts and styles from our own static files only, no
# inline script or style; images may be data: URIs (the TOTP enrolment QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@jianding.example.cn")
# On: the request only records the notification; ``manage.py send_pending_mail``, run by a timer on
# a worker machine, sends the e-mails (the app servers never wait for the mail server).
PORTAL_MAIL_IN_WORKER = env_bool("PORTAL_MAIL_IN_WORKER", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# ---- The portal's own settings -------------------------------------------------------------
# Uploads: size limit per file, in bytes (video of a class may be large).
APPRAISAL_MAX_UPLOAD_BYTES = int(
    os.environ.get("APPRAISAL_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_HANDLERS = [
    "appraisal.filing.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Material kinds an application must carry before it can be submitted (guide 七(二)).
APPRAISAL_REQUIRED_MATERIALS = env_list(
    "APPRAISAL_REQUIRED_MATERIALS",
    "course_scheme,textbook,syllabus,teaching_plan,schedule,lesson_plans,assessment_plan",
)

# Time limits in Chinese working days (docs/domain.md §办理期限; the guide sets none).
APPRAISAL_DAYS_TO_ACCEPT = int(os.environ.get("APPRAISAL_DAYS_TO_ACCEPT", "5"))
APPRAISAL_DAYS_TO_REPLY = int(os.environ.get("APPRAISAL_DAYS_TO_REPLY", "2"))
APPRAISAL_DAYS_TO_OPINION = int(os.environ.get("APPRAISAL_DAYS_TO_OPINION", "20"))
APPRAISAL_DAYS_TO_REQUEST_REREVIEW = int(os.environ.get("APPRAISAL_DAYS_TO_REQUEST_REREVIEW", "15"))
APPRAISAL_DAYS_FOR_PREFECTURE = int(os.environ.get("APPRAISAL_DAYS_FOR_PREFECTURE", "30"))

# The font the documents are set in (Debian's fonts-noto-cjk).
APPRAISAL_PDF_FONT = os.environ.get("APPRAISAL_PDF_FONT", "Noto Serif CJK SC")
# The address printed on documents for their verification page.
APPRAISAL_PUBLIC_BASE_URL = os.environ.get("APPRAISAL_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Each bureau's signing key and certificate: <code>.key.pem and <code>.cert.pem (the demo makes
# self-signed ones with `manage.py make_signing_keys`; production puts the bureau's own there).
APPRAISAL_SIGNING_DIR = Path(
    os.environ.get("APPRAISAL_SIGNING_DIR", str(BASE_DIR / "var" / "signing"))
)
# Certificates (PEM or DER files, comma-separated paths) of the authorities whose certificates the
# verification page accepts as a bureau's, e.g. a provincial CA: a signature whose certificate chains
# to one of them and is issued to a registered bureau names that bureau. The bureaus' own
# certificates in APPRAISAL_SIGNING_DIR are always accepted, by fingerprint (appraisal/documents/trust.py).
APPRAISAL_SIGNING_TRUST_ROOTS = env_list("APPRAISAL_SIGNING_TRUST_ROOTS", "")
# Every issued document carries the bureau's digital signature (about 20 ms a document).
APPRAISAL_SIGN_DOCUMENTS = env_bool("APPRAISAL_SIGN_DOCUMENTS", True)
# The public verification page: the largest PDF it checks, and uploads per address per hour.
APPRAISAL_VERIFY_MAX_UPLOAD_BYTES = int(
    os.environ.get("APPRAISAL_VERIFY_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))
)
APPRAISAL_VERIFY_UPLOADS_PER_HOUR = int(os.environ.get("APPRAISAL_VERIFY_UPLOADS_PER_HOUR", "30"))

PAGINATE_BY = 20
# Long lists count their rows up to this many (portal/pagination.py).
PAGINATE_COUNT_CAP = int(os.environ.get("PORTAL_PAGINATE_COUNT_CAP", "10000"))
# Static files are served by WhiteNoise; outside production straight from the app folders.
WHITENOISE_USE_FINDERS = not env_bool("DJANGO_PRODUCTION", False)
WHITENOISE_AUTOREFRESH = DEBUG

# The body that runs the portal, shown in its header (from the jurisdictions fixture in a deployment).
PORTAL_OWNER = os.environ.get("PORTAL_OWNER", "昌吉回族自治州教育局")

# The draw (docs/domain.md §抽取): no more than this many open seats per expert on cases still at
# work.
APPRAISAL_EXPERT_LOAD_CAP = int(os.environ.get("APPRAISAL_EXPERT_LOAD_CAP", "3"))
# Whether every draw needs a witness (监督人) present (docs/draw-spec.md §7: on unless turned off).
APPRAISAL_DRAW_REQUIRE_WITNESS = env_bool("APPRAISAL_DRAW_REQUIRE_WITNESS", True)
# The key (Fernet) that seals the system's random value until the draw; empty: the file
# draw-values.key in APPRAISAL_SIGNING_DIR, made when first needed (appraisal/sealing.py).
APPRAISAL_DRAW_VALUE_KEY = os.environ.get("APPRAISAL_DRAW_VALUE_KEY", "")
# The bureau (行政区划代码) whose key signs the transparency log's daily heads; empty: the
# deployment's first prefecture-level bureau (appraisal/transparency.py).
APPRAISAL_LOG_SIGNER = os.environ.get("APPRAISAL_LOG_SIGNER", "")
