"""Django settings, read from the environment (see docs/settings.md).

Defaults give a working local app on SQLite under ``EKKYO_DATA_DIR`` (``./var``).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from ekkyo.server.env import env_bool, env_int, env_list, env_str, secret_key_for

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("EKKYO_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("EKKYO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
