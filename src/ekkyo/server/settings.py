"""Django settings, read from the environment (see docs/settings.md).

Defaults give a working local app on SQLite under ``EKKYO_DATA_DIR`` (``./var``).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from ekkyo.security.keys import encryption_keys_for
from ekkyo.security.ssrf import parse_networks
from ekkyo.server.env import SettingError, env_bool, env_int, env_list, env_str, secret_key_for

DATA_DIR = Path(env_str("EKKYO_DATA_DIR", "var")).resolve()
SECRET_KEY = secret_key_for(DATA_DIR)
DEBUG = env_bool("EKKYO_DEBUG", False)
ALLOWED_HOSTS = env_list("EKKYO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("EKKYO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Only for the API docs' own Swagger UI files: /api/v1/docs must not need a CDN.
    "ninja",
    "ekkyo.accounts",
    "ekkyo.teams",
    "ekkyo.catalog",
    "ekkyo.series",
    "ekkyo.worker",
    "ekkyo.alerting",
    "ekkyo.api",
    "ekkyo.web",
    "ekkyo.workshops",
    "ekkyo.reviews",
    "ekkyo.policies",
    "ekkyo.reports",
    "ekkyo.security",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ekkyo.security.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # PostgreSQL cannot store U+0000: refuse it with a 400 before any query fails with a 500.
    "ekkyo.web.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ekkyo.server.urls"
WSGI_APPLICATION = "ekkyo.server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'ekkyo.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web app read while the worker writes; IMMEDIATE transactions take
        # the write lock up front, so concurrent writers wait (busy timeout) instead of
        # failing with "database is locked" half-way through a transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("EKKYO_SQLITE_TIMEOUT", 20),
        }
        config["CONN_MAX_AGE"] = 0
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
TIME_ZONE = env_str("EKKYO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js from the installed `plotly` package, never copied into the repository.
    "ekkyo.web.staticfinder.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "ekkyo.server.staticfiles.GzipManifestStorage"},
}

AUTHENTICATION_BACKENDS = ["ekkyo.security.signin.RateLimitedModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("EKKYO_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# Security (docs/security.md): HTTPS, response headers, secrets at rest, outbound calls,
# sign-in limits.  `manage.py check --deploy` is clean with EKKYO_HTTPS=true, a secret
# key and allowed hosts.
_https = SESSION_COOKIE_SECURE
# Behind a TLS-terminating proxy, trust its X-Forwarded-Proto (and X-Forwarded-For for the
# sign-in limit); without it a redirect to HTTPS would loop.  Never set it without a proxy
# that overwrites those headers: clients could then claim anything.
EKKYO_TRUST_PROXY_HEADERS = env_bool("EKKYO_TRUST_PROXY_HEADERS", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if EKKYO_TRUST_PROXY_HEADERS else None
SECURE_SSL_REDIRECT = env_bool("EKKYO_SSL_REDIRECT", _https)
# Load balancers and kubelets probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("EKKYO_HSTS_SECONDS", 31_536_000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
# Page paths (SLO and team names) stay inside ekkyo when people follow dashboard links.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

EKKYO_ENCRYPTION_KEYS = encryption_keys_for(DATA_DIR)
try:
    EKKYO_ALLOWED_PRIVATE_NETWORKS = parse_networks(env_list("EKKYO_ALLOWED_PRIVATE_NETWORKS", []))
except ValueError as exc:
    raise SettingError(str(exc)) from None

EKKYO_SIGNIN_MAX_FAILURES = env_int("EKKYO_SIGNIN_MAX_FAILURES", 5)
EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS = env_int("EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS", 50)
EKKYO_SIGNIN_WINDOW = env_int("EKKYO_SIGNIN_WINDOW", 900)
for _name in ("MAX_FAILURES", "MAX_FAILURES_PER_ADDRESS", "WINDOW"):
    if globals()[f"EKKYO_SIGNIN_{_name}"] < 1:
        raise SettingError(f"EKKYO_SIGNIN_{_name} must be at least 1")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("EKKYO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
