"""Japanese and English: pages, the switcher, time zones, and a complete ja catalog."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

from tests.web.conftest import add_slo, add_status, sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "ekkyo"
LOCALE = SRC / "locale"
# Where the web pages' words come from: the web app, and the model labels it shows.
SOURCES = [
    *sorted((SRC / "web").rglob("*.py")),
    *sorted((SRC / "web" / "templates").rglob("*.html")),
    SRC / "catalog" / "models.py",
    SRC / "teams" / "models.py",
    SRC / "worker" / "models.py",
    SRC / "accounts" / "models.py",
]


def ja(client):
    client.cookies["django_language"] = "ja"
    return client


def test_it_renders_the_portfolio_in_japanese_for_a_japanese_browser(client, org):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org["viewer"])
    html = client.get("/", headers={"Accept-Language": "ja,en;q=0.5"}).content.decode()
    assert '<html lang="ja">' in html
    assert "ポートフォリオ" in html and "仮運用" in html and "データなし" in html
    assert "決済" in html  # the team's Japanese name


def test_it_renders_the_sign_in_page_in_japanese(client, org):
    html = client.get("/login/", headers={"Accept-Language": "ja"}).content.decode()
    assert "ekkyoにサインイン" in html and "ユーザー名" in html and "パスワード" in html


def test_it_remembers_the_language_chosen_with_the_switcher(client, org):
    sign_in(client, org["viewer"])
    response = client.post("/i18n/setlang/", {"language": "ja", "next": "/teams/checkout"})
    assert response.status_code == 302 and response.url == "/teams/checkout"
    assert response.cookies["django_language"].value == "ja"
    html = client.get("/teams/checkout", headers={"Accept-Language": "en"}).content.decode()
    assert "メンバー" in html and "ストリームアラインド" in html


def test_it_switches_back_to_english(client, org):
    sign_in(ja(client), org["viewer"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Portfolio" in client.get("/").content.decode()


def test_it_shows_japanese_readers_times_in_tokyo_by_default(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(ja(client), org["viewer"])
    # The status was computed at 12:00 UTC: 21:00 in Tokyo.
    assert "2026-03-02 21:00" in client.get("/").content.decode()


def test_it_prefers_the_profiles_time_zone_over_the_languages(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    org["viewer"].profile.time_zone = "Europe/Paris"
    org["viewer"].profile.save()
    sign_in(ja(client), org["viewer"])
    assert "2026-03-02 13:00" in client.get("/").content.decode()


def test_it_keeps_english_readers_on_the_sites_zone(client, org, settings):
    settings.TIME_ZONE = "UTC"
    add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(client, org["viewer"])
    assert "2026-03-02 12:00" in client.get("/").content.decode()


def test_it_writes_the_slo_page_and_its_plain_line_in_japanese(client, org):
    add_status(add_slo("pay", org["checkout"]), "at_risk")
    sign_in(ja(client), org["member"])
    html = client.get("/slos/pay").content.decode()
    assert "直近30日で99.9%という目標は、43分の全面停止" in html
    assert "アラートしきい値に対するバーンレート" in html and "要注意" in html
    assert "ライフサイクルを変更" in html and "理由" in html


def test_it_explains_a_refusal_in_japanese(client, org):
    add_slo("pay", org["checkout"])
    sign_in(ja(client), org["viewer"])
    response = client.post("/slos/pay/lifecycle", {"to_state": "retired", "reason": "x"})
    assert response.status_code == 403
    assert "この操作は許可されていません" in response.content.decode()


# --- the catalogs --------------------------------------------------------------------------


_CALL = re.compile(r"\b(?:gettext_lazy|gettext|ngettext_lazy|ngettext|_)\(\s*")
_LITERAL = re.compile(r"""[uUrR]?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")\s*""")


def _strings_in_code(text: str) -> set[str]:
    """msgids of gettext-style calls: the first string argument of each.

    Reads Python files and Django's ``templatize`` output of templates alike.
    """
    found = set()
    for call in _CALL.finditer(text):
        pos, parts = call.end(), []
        # Adjacent literals are one string, as in Python.
        while literal := _LITERAL.match(text, pos):
            parts.append(ast.literal_eval(literal.group().strip()))
            pos = literal.end()
        if parts:
            found.add("".join(parts))
    return found


def source_strings() -> set[str]:
    strings: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = templatize(text, origin=str(path))
        strings |= _strings_in_code(text)
    return strings


def test_it_finds_strings_the_way_gettext_does():
    code = 'x = _("Hello")\ny = ngettext(\n    "%(n)s day",\n    "%(n)s days", n)\nz = f("no")'
    assert _strings_in_code(code) == {"Hello", "%(n)s day"}


def test_it_has_a_japanese_translation_for_every_string_the_pages_use():
    catalog = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    translated = {
        e.msgid for e in catalog if e.translated() and not e.obsolete and "fuzzy" not in e.flags
    }
    strings = source_strings()
    assert len(strings) > 100  # the extraction really read the sources
    missing = sorted(strings - translated)
    assert missing == [], "run makemessages and translate these (see docs/web.md)"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_it_ships_compiled_messages_that_match_their_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    with open(folder / "django.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            for n, text in entry.msgstr_plural.items():
                count = n if language == "ja" else (1 if n == 0 else 2)
                assert mo.ngettext(entry.msgid, entry.msgid_plural, count) == text, entry.msgid
        else:
            assert mo.gettext(entry.msgid) == entry.msgstr, entry.msgid
    compiled = {k for k in mo._catalog if k}  # type: ignore[attr-defined]
    keys = {e.msgid if not e.msgid_plural else (e.msgid, 0) for e in po.translated_entries()}
    assert compiled == keys, "recompile the catalog: django-admin compilemessages"


def test_it_leaves_no_japanese_entry_fuzzy_or_empty():
    catalog = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=1")
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
