"""Revisit settings: one module, configured by environment variables.

Environment:
  DATABASE_URL   default: SQLite file var/revisit.sqlite3 (WAL mode)
  SECRET_KEY     default: generated once and kept in var/secret_key (local use only)
  DEBUG          "1" to enable Django's debug pages (default off: only when asked)
  ALLOWED_HOSTS  comma separated (default: localhost names)
  REDIS_URL      when set, huey keeps its queue in Redis instead of SQLite
  REVISIT_VAR    folder for local state (default: ./var)
"""

import os
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("REVISIT_VAR", Path.cwd() / "var")).resolve()
# What Revisit writes (the database, uploads, reports, backups, the secret key) holds
# personal data: readable by its own user only.
os.umask(0o077)
VAR_DIR.mkdir(parents=True, exist_ok=True)
VAR_DIR.chmod(0o700)

PRODUCTION = os.environ.get("REVISIT_PRODUCTION") == "1"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0), got {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw.replace("_", ""))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when REVISIT_PRODUCTION=1")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Error handling: DEBUG is off unless DEBUG=1 is set explicitly, so that a user never sees
# a traceback or a list of every URL; errors answer with the product's own 400/403/404/500
# pages (web/templates). Background jobs that stop sending heartbeats for this long are
# marked failed (see revisit.core.jobs).
DEBUG = _env_bool("DEBUG", False)
# Static files also come straight from the apps' folders, so a server started without
# collectstatic (runserver with DEBUG off, tests) still has its styles and scripts.
WHITENOISE_USE_FINDERS = True
JOB_HEARTBEAT_TIMEOUT = int(os.environ.get("JOB_HEARTBEAT_TIMEOUT", "300"))
# SQLite has one writer at a time: a request that writes (a login, a reveal, an API call)
# waits up to this long for another write to finish instead of failing with "database is
# locked". An import holds the write lock only for its final apply (the rows are checked
# and staged before); the timeout stays below gunicorn's 120 s.
SQLITE_BUSY_TIMEOUT = int(os.environ.get("SQLITE_BUSY_TIMEOUT", "60"))
# SQLite's page cache per connection (its default is 2 MB): an import's apply or an
# inventory updates indexes larger than that, and evicted pages are written and read again,
# which lengthens the time the write lock is held. Only a connection that touches that
# many pages uses it; a web request gives the cache back when it ends (revisit.core.apps).
SQLITE_CACHE_MB = int(os.environ.get("SQLITE_CACHE_MB", "64"))
# Requests keep their thread's SQLite connection this many seconds, as on PostgreSQL:
# opening one reads and parses the whole schema, ~1 ms of CPU on every request otherwise.
SQLITE_CONN_MAX_AGE = _env_int("SQLITE_CONN_MAX_AGE", 60)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "django_htmx",
    "ninja",
    "axes",
    "csp",
    "revisit.core",
    "revisit.customers",
    "revisit.sales",
    "revisit.grading",
    "revisit.outreach",
    "revisit.appointments",
    "revisit.wallet",
    "revisit.referrals",
    "revisit.imports",
    "revisit.privacy",
    "revisit.messaging",
    "revisit.reports",
    "revisit.journeys",
    "revisit.web",
    "revisit.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "revisit.web.middleware.LoginRequiredExceptApi",
    "revisit.web.middleware.PasswordChangeRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view (and CSRF's check) reads the body.
    "revisit.web.middleware.RequestBodyLimit",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as its documentation asks: counts failed logins and locks the account out.
    "axes.middleware.AxesMiddleware",
]

# Forms draw their common widgets in Python, with Django's own markup (revisit/web/widgets.py).
FORM_RENDERER = "revisit.web.widgets.WidgetRenderer"
ROOT_URLCONF = "revisit.urls"
WSGI_APPLICATION = "revisit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "revisit.web.navigation.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'revisit.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = SQLITE_CONN_MAX_AGE
        config["OPTIONS"] = {
            # WAL lets the web server and the worker read while one of them writes;
            # IMMEDIATE avoids "database is locked" upgrades from read to write locks.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}; "
                f"PRAGMA cache_size=-{SQLITE_CACHE_MB * 1024};"
            ),
            "transaction_mode": "IMMEDIATE",
        }
        config["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.Staff"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes' lockout check first (it signs nobody in), then passwords.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "revisit.core.backends.StaffBackend",
]
# Login throttling: after this many failures the username is locked out for the cool-off
# time.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
# Failures count per username and address, and per username across all addresses (a
# password guessed from many machines is locked out too).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
# Behind a reverse proxy: how many proxies in front of Revisit add X-Forwarded-For.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "revisit.core.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The API: token auth (see revisit.api.auth), pages of 50 by default, never more than 200.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200
# An API token stops working this many days after it was issued (`revisit token create
# --days N` chooses another lifetime).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"

# Content-Security-Policy on every response: scripts only from our own static files (the
# vendored htmx and ECharts), no inline script or eval; inline styles are allowed (htmx
# and ECharts set them); nothing may frame the pages or receive their forms.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# A session ends after 8 hours, and when the browser closes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background work: one huey worker for queued tasks and periodic ticks.
_REDIS_URL = os.environ.get("REDIS_URL")
HUEY = {
    "name": "revisit",
    "immediate": _env_bool("HUEY_IMMEDIATE", False),
    "consumer": {"workers": 1, "worker_type": "thread"},
}
if _REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": _REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# Mail (password resets by email): SMTP when EMAIL_HOST is set; otherwise nothing is
# sent and the login page offers no reset by email (an admin resets passwords instead).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = _env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "revisit@localhost")
PASSWORD_RESET_TIMEOUT = 2 * 3600  # a reset link works for two hours

# Messaging (revisit/messaging/backends.py): how each channel is sent. The default file
# backends write every message to var/messages/ so `make run` needs nothing; Aliyun SMS
# takes its keys from the environment. Email goes through Django's mail backends above.
MESSAGING_SMS_BACKEND = os.environ.get(
    "MESSAGING_SMS_BACKEND", "revisit.messaging.backends.FileBackend"
)
MESSAGING_WECHAT_BACKEND = os.environ.get(
    "MESSAGING_WECHAT_BACKEND", "revisit.messaging.backends.FileBackend"
)
MESSAGING_EMAIL_BACKEND = os.environ.get(
    "MESSAGING_EMAIL_BACKEND", "revisit.messaging.backends.DjangoMailBackend"
)
MESSAGING_LETTER_BACKEND = os.environ.get(
    "MESSAGING_LETTER_BACKEND", "revisit.messaging.backends.FileBackend"
)
MESSAGING_FILE_DIR = Path(os.environ.get("MESSAGING_FILE_DIR", VAR_DIR / "messages"))
MESSAGING_DAILY_CAP = _env_int("MESSAGING_DAILY_CAP", 5000)  # an organization's default
# A message left 'sending' this long belongs to a worker that died: it is checked with
# the provider by its idempotency key and then marked sent or queued again.
MESSAGING_CLAIM_TIMEOUT_MINUTES = _env_int("MESSAGING_CLAIM_TIMEOUT_MINUTES", 10)
MESSAGING_MAX_ATTEMPTS = _env_int("MESSAGING_MAX_ATTEMPTS", 6)
MESSAGING_RETRY_BASE_SECONDS = _env_int("MESSAGING_RETRY_BASE_SECONDS", 60)
MESSAGING_BATCH = _env_int("MESSAGING_BATCH", 200)
# A message campaign to more recipients than this needs a second person's approval.
MESSAGING_CAMPAIGN_APPROVAL_THRESHOLD = _env_int("MESSAGING_CAMPAIGN_APPROVAL_THRESHOLD", 200)
# The monthly revisit report is due by the month's last day, the region's summary by the
# next month's first: the home page reminds this many days before.
REPORTS_MONTHLY_REMIND_DAYS = _env_int("REPORTS_MONTHLY_REMIND_DAYS", 3)
# Sent messages are recorded this many at a time: a worker killed in between leaves at most
# this many for recovery to ask the provider about.
MESSAGING_SENT_GROUP = _env_int("MESSAGING_SENT_GROUP", 50)
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
ALIYUN_ACCESS_KEY_ID = os.environ.get("ALIYUN_ACCESS_KEY_ID", "")
ALIYUN_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
# A template registered with Aliyun whose one variable ${content} carries the whole text.
ALIYUN_SMS_TEMPLATE_CODE = os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", "")
# WeChat service account (公众号) template messages (revisit.messaging.wechat): set
# MESSAGING_WECHAT_BACKEND=revisit.messaging.wechat.WeChatTemplateBackend and the keys.
WECHAT_API_BASE = os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com")
WECHAT_APP_ID = os.environ.get("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = os.environ.get("WECHAT_APP_SECRET", "")
WECHAT_TEMPLATE_ID = os.environ.get("WECHAT_TEMPLATE_ID", "")
# The template's field that carries the text, and the one for the subject (may be empty).
WECHAT_TEMPLATE_FIELD = os.environ.get("WECHAT_TEMPLATE_FIELD", "content")
WECHAT_TEMPLATE_TITLE_FIELD = os.environ.get("WECHAT_TEMPLATE_TITLE_FIELD", "first")

# Where import reports and rejected-row files are written.
IMPORT_REPORT_DIR = VAR_DIR / "imports"

# Retention (a nightly sweep; `revisit retention` runs it by hand): uploaded files,
# rejected-row files and reports are deleted after this many days, audit events after
# this many years.
FILE_RETENTION_DAYS = int(os.environ.get("FILE_RETENTION_DAYS", "30"))
AUDIT_RETENTION_YEARS = int(os.environ.get("AUDIT_RETENTION_YEARS", "5"))
# Import limits: a file beyond one is refused before it is read in full (see
# revisit/imports/limits.py). The defaults take a 1,000,000-line order export.
IMPORT_MAX_FILE_BYTES = _env_int("IMPORT_MAX_FILE_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_XLSX_XML_BYTES = _env_int("IMPORT_MAX_XLSX_XML_BYTES", 512 * 1024 * 1024)
IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 1_000_000)
IMPORT_MAX_COLUMNS = _env_int("IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_CELLS = _env_int("IMPORT_MAX_CELLS", 20_000_000)
IMPORT_MAX_CELL_CHARS = _env_int("IMPORT_MAX_CELL_CHARS", 32_767)  # Excel's own cell limit
# What one point is worth in yuan on the liability report (每 100 分抵 1 元 = 0.01), until
# the organization's points rules say it.
try:
    WALLET_YUAN_PER_POINT = Decimal(os.environ.get("WALLET_YUAN_PER_POINT", "0.01"))
except ArithmeticError:
    raise ImproperlyConfigured("WALLET_YUAN_PER_POINT must be a number of yuan") from None
# Request bodies: form fields held in memory, uploads spooled to disk past 2.5 MB; a body
# larger than these is refused before it is read (revisit/web/middleware.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ANONYMOUS_MAX_BODY_BYTES = _env_int("ANONYMOUS_MAX_BODY_BYTES", 64 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Phone numbers typed into a search stay out of the logs (access lines carry URLs).
    "filters": {"mask_phones": {"()": "revisit.core.log_filters.MaskPhones"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_phones"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The worker's own lines, once (run_huey adds no handler of its own when this one
        # is configured) and through the same phone mask.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
