"""Forms, cookies and logs: CSRF on every form, Secure cookies over HTTPS, no secret logged."""

from __future__ import annotations

import importlib.util
import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from ekkyo.accounts.models import ApiToken
from tests.web.conftest import add_slo, sign_in

SETTINGS = Path(__file__).resolve().parents[2] / "src" / "ekkyo" / "server" / "settings.py"
TOKEN = re.compile(r'data-testid="token-value">(ekk_[A-Za-z0-9_-]+)<')


class _Forms(HTMLParser):
    """(action, has a CSRF field) of every POST form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[object]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self.forms.append([a.get("action") or "", False])
            self._open = True
        elif tag == "input" and self._open and a.get("name") == "csrfmiddlewaretoken":
            self.forms[-1][1] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def post_forms(html: str) -> list[tuple[str, bool]]:
    parser = _Forms()
    parser.feed(html)
    return [(str(action), bool(csrf)) for action, csrf in parser.forms]


@pytest.fixture
def every_form(org):
    """Each POST form of the web pages, found by reading the pages an admin and a guest see."""
    add_slo("pay", org["checkout"], lifecycle="trial")
    ApiToken.issue(org["admin"], label="old")
    client = Client()
    forms = set(post_forms(client.get("/login/").content.decode()))
    sign_in(client, org["admin"])
    for url in ["/", "/slos/pay", "/teams/checkout", "/account/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        forms |= set(post_forms(response.content.decode()))
    return forms


def test_it_finds_every_kind_of_form_on_the_pages(every_form):
    actions = {re.sub(r"/\d+/", "/N/", action) for action, _csrf in every_form}
    assert {
        "/login/",
        "/logout/",
        "/i18n/setlang/",
        "/slos/pay/lifecycle",
        "/account/profile",
        "/account/tokens",
        "/account/tokens/N/revoke",
    } <= actions


def test_it_puts_a_csrf_token_in_every_form(every_form):
    assert [action for action, csrf in every_form if not csrf] == []


def test_it_refuses_every_form_posted_without_its_csrf_token(every_form, org):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, org["admin"])
    guest = Client(enforce_csrf_checks=True)
    refused = {}
    for action, _csrf in sorted(every_form):
        who = guest if action == "/login/" else client
        response = who.post(action, {"label": "x", "reason": "x"})
        # The CSRF failure page, not some other refusal.
        expired = "That form has expired" in response.content.decode()
        refused[action] = (response.status_code, expired)
    assert set(refused.values()) == {(403, True)}, refused
    assert ApiToken.objects.filter(user=org["admin"], revoked_at__isnull=True).count() == 1


# --- cookies ---------------------------------------------------------------------------------


def load_settings(monkeypatch, tmp_path, https: str | None):
    """The production settings module, read afresh under the given environment."""
    monkeypatch.setenv("EKKYO_DATA_DIR", str(tmp_path))
    if https is None:
        monkeypatch.delenv("EKKYO_HTTPS", raising=False)
    else:
        monkeypatch.setenv("EKKYO_HTTPS", https)
    spec = importlib.util.spec_from_file_location("ekkyo_settings_probe", SETTINGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_makes_every_cookie_secure_when_served_over_https(monkeypatch, tmp_path):
    probe = load_settings(monkeypatch, tmp_path, "true")
    assert probe.SESSION_COOKIE_SECURE is True
    assert probe.CSRF_COOKIE_SECURE is True
    assert probe.LANGUAGE_COOKIE_SECURE is True
    assert probe.SESSION_COOKIE_HTTPONLY is True


def test_it_keeps_cookies_usable_over_plain_http_by_default(monkeypatch, tmp_path):
    probe = load_settings(monkeypatch, tmp_path, None)
    assert probe.SESSION_COOKIE_SECURE is False and probe.CSRF_COOKIE_SECURE is False


def test_it_sends_the_session_and_csrf_cookies_with_secure_over_https(
    monkeypatch, tmp_path, settings, org
):
    probe = load_settings(monkeypatch, tmp_path, "1")
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE"):
        setattr(settings, name, getattr(probe, name))
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    assert page.cookies["csrftoken"]["secure"] is True
    csrf = page.cookies["csrftoken"].value
    signed_in = client.post(
        "/login/",
        {"username": "bea", "password": "pw-bea", "csrfmiddlewaretoken": csrf},
    )
    assert signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["secure"] is True
    assert signed_in.cookies["sessionid"]["httponly"] is True
    client.get("/account/")
    saved = client.post(
        "/account/profile",
        {
            "time_zone": "",
            "language": "ja",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert saved.cookies["django_language"]["secure"] is True


# --- no secret in the logs -------------------------------------------------------------------


def logged_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(record.exc_text or "")
    return "\n".join(parts)


def test_it_logs_no_password_on_sign_in(client, org, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/login/", {"username": "bea", "password": "pw-bea"})
    client.post("/login/", {"username": "bea", "password": "wrong-Secret-9"})
    Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "bea", "password": "csrf-Secret-7"}
    )
    text = logged_text(caplog)
    assert "Forbidden (CSRF" in text  # the log really was captured
    for secret in ("pw-bea", "wrong-Secret-9", "csrf-Secret-7"):
        assert secret not in text


def test_it_logs_no_token_on_creation_use_and_revocation(client, org, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(client, org["member"])
    created = client.post("/account/tokens", {"label": "ci"})
    clear = TOKEN.search(created.content.decode()).group(1)
    row = ApiToken.objects.get(user=org["member"])
    client.get("/api/v1/slos", headers={"Authorization": f"Bearer {clear}"})
    client.post(f"/account/tokens/{row.pk}/revoke")
    client.get("/api/v1/slos", headers={"Authorization": f"Bearer {clear}"})
    text = logged_text(caplog)
    assert f"API token {row.hint}… (id {row.pk}) created" in text
    assert "revoked by dev" in text
    assert clear[10:] not in text and row.token_hash not in text


# --- NUL characters (PostgreSQL cannot store them) -------------------------------------------


@pytest.fixture
def api_headers(org):
    add_slo("pay", org["checkout"])
    token = ApiToken.issue(org["member"], label="nul")[1]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "url", ["/api/v1/slos?team=%00", "/api/v1/slos/pay%00/status", "/api/v1/annotations?slo=a%00"]
)
def test_it_refuses_a_nul_in_an_api_url_with_a_400_in_the_error_format(client, api_headers, url):
    response = client.get(url, headers=api_headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_it_refuses_a_nul_escaped_in_a_json_body(client, api_headers):
    body = '{"slo": "pay", "text": "before\\u0000after"}'
    response = client.post(
        "/api/v1/annotations", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["message"]


def test_it_lets_an_escaped_backslash_before_u0000_through(client, api_headers):
    body = '{"slo": "pay", "text": "C:\\\\u0000 is a path"}'
    response = client.post(
        "/api/v1/annotations", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201
    assert response.json()["text"] == "C:\\u0000 is a path"


@pytest.mark.parametrize("url", ["/?team=%00", "/slos/pay%00", "/?product=a%00b"])
def test_it_refuses_a_nul_in_a_page_url(client, org, url):
    sign_in(client, org["viewer"])
    assert client.get(url).status_code == 400


def test_it_refuses_a_nul_in_a_posted_form(client, org):
    sign_in(client, org["viewer"])
    response = client.post(
        "/account/tokens", "label=a%00b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=org["viewer"]).exists()
