"""Settings for the test run: the real settings with a throwaway data directory."""

import os
import tempfile

os.environ.setdefault("EKKYO_DATA_DIR", tempfile.mkdtemp(prefix="ekkyo-test-"))
# Fake receivers and fake Prometheus/New Relic servers listen on loopback: the tests allow
# it explicitly (the SSRF guard refuses it by default; tests/security proves that).
os.environ.setdefault("EKKYO_ALLOWED_PRIVATE_NETWORKS", "127.0.0.0/8,::1/128")

from ekkyo.server.settings import *  # noqa: F403

# A cheap hasher keeps sign-in tests fast; production uses Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when absent)
