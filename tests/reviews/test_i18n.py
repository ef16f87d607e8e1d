"""Japanese for every word the review pages use; agenda and minutes in the session's language."""

from __future__ import annotations

from pathlib import Path

import polib
from django.utils import timezone
from django.utils.translation.template import templatize

from ekkyo.reviews import services
from tests.reviews.conftest import make_series, sign_in
from tests.web.test_i18n import LOCALE, _strings_in_code

REVIEWS = Path(__file__).resolve().parents[2] / "src" / "ekkyo" / "reviews"


def review_strings() -> set[str]:
    strings: set[str] = set()
    for path in sorted(REVIEWS.rglob("*.py")) + sorted(REVIEWS.rglob("*.html")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = templatize(text, origin=str(path))
        strings |= _strings_in_code(text)
    return strings


def test_it_has_a_japanese_translation_for_every_string_of_the_reviews():
    catalog = polib.pofile(str(LOCALE / "ja" / "LC_MESSAGES" / "django.po"))
    translated = {
        e.msgid for e in catalog if e.translated() and not e.obsolete and "fuzzy" not in e.flags
    }
    strings = review_strings()
    assert len(strings) > 150  # the extraction really read the sources
    assert sorted(strings - translated) == []


def test_it_renders_a_session_in_japanese_for_a_japanese_reader(client, org):
    series = make_series(org["checkout"], language="en")
    session = services.create_session(series, now=timezone.now())
    client.cookies["django_language"] = "ja"
    sign_in(client, org["viewer"])
    html = client.get(f"/reviews/sessions/{session.pk}").content.decode()
    assert "アジェンダ" in html and "要注意・枯渇" in html and "進行モードを開始" in html
    assert "ダッシュボードを眺める会" in html  # the header's link


def test_it_writes_minutes_in_the_sessions_language_whoever_reads_them(client, org):
    series = make_series(org["checkout"], language="ja")
    session = services.create_session(series, now=timezone.now())
    sign_in(client, org["viewer"])  # an English reader
    text = client.get(f"/reviews/sessions/{session.pk}/minutes.md").content.decode()
    assert "## アジェンダ" in text and "## 新しい課題" in text
    html = client.get(f"/reviews/sessions/{session.pk}/minutes").content.decode()
    assert '<html lang="ja">' in html and "議事録" in html
