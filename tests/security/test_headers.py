"""Response headers, HTTPS settings, `check --deploy` in production settings, and W001."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from ekkyo.security.keys import EncryptionKeys

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "ekkyo"


@pytest.mark.django_db
def test_it_sends_a_script_policy_of_self_and_the_other_protective_headers(client):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_it_sends_hsts_on_https_requests_only(client):
    assert "Strict-Transport-Security" not in client.get("/login/")
    secure = client.get("/login/", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_it_redirects_to_https_but_lets_health_probes_through(client):
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_it_has_no_inline_script_or_event_handler_in_any_template():
    # What `script-src 'self'` would block (and so break) in a browser.
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>")
    handler = re.compile(r"\s(?:on[a-z]+|hx-on(?::|-)[\w:-]*)\s*=", re.IGNORECASE)
    offenders = []
    for path in sorted(SRC.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, re.compile(r"javascript:", re.IGNORECASE)):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert not offenders, "\n".join(offenders)


# --------------------------------------------------------------------------- system checks


def check_ids(**kwargs) -> set[str]:
    return {message.id for message in run_checks(**kwargs)}


def generated_key() -> EncryptionKeys:
    return EncryptionKeys((Fernet.generate_key().decode(),), generated=True)


def test_it_warns_under_deploy_when_the_encryption_key_was_generated():
    with override_settings(EKKYO_ENCRYPTION_KEYS=generated_key(), SESSION_COOKIE_SECURE=False):
        assert "ekkyo.W001" in check_ids(include_deployment_checks=True)
        assert "ekkyo.W001" not in check_ids()


def test_it_warns_without_deploy_when_https_makes_it_production_like():
    with override_settings(EKKYO_ENCRYPTION_KEYS=generated_key(), SESSION_COOKIE_SECURE=True):
        assert "ekkyo.W001" in check_ids()
        messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "ekkyo.W001"]
    assert len(messages) == 1
    assert "EKKYO_ENCRYPTION_KEY" in messages[0].hint and "rotate-key" in messages[0].hint


def test_it_does_not_warn_when_the_key_comes_from_the_environment():
    keys = EncryptionKeys((Fernet.generate_key().decode(),))
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys, SESSION_COOKIE_SECURE=True):
        assert "ekkyo.W001" not in check_ids(include_deployment_checks=True)


def run_check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EKKYO_", "DJANGO_"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="ekkyo.server.settings",
        EKKYO_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), clean.get("PYTHONPATH", "")]),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "EKKYO_HTTPS": "true",
    "EKKYO_SECRET_KEY": secrets.token_urlsafe(50),
    "EKKYO_ALLOWED_HOSTS": "slo.example.com",
    "EKKYO_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}


@pytest.mark.slow
def test_it_passes_check_deploy_in_production_settings(tmp_path):
    result = run_check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_it_names_what_check_deploy_misses_without_https_or_a_key(tmp_path):
    result = run_check_deploy(tmp_path, EKKYO_ALLOWED_HOSTS="slo.example.com")
    assert result.returncode != 0
    found = set(re.findall(r"\((security\.W\d+|ekkyo\.W\d+)\)", result.stdout + result.stderr))
    # HSTS, redirect, secure session and CSRF cookies, and the generated encryption key.
    assert {"security.W004", "security.W008", "security.W012", "security.W016"} <= found
    assert "ekkyo.W001" in found


def test_it_forces_no_https_on_a_plain_http_run():
    # The test run itself is not on HTTPS: nothing here may force HTTPS on it.
    assert settings.SECURE_SSL_REDIRECT is False and settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_PROXY_SSL_HEADER is None
