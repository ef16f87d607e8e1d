"""The workshop pages in Japanese, and a Japanese translation for every string they use."""

from __future__ import annotations

from pathlib import Path

import polib
from django.utils.translation.template import templatize

from tests.web.test_i18n import _strings_in_code
from tests.workshops.conftest import add_sli, make_workshop, sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "ekkyo"
APP = SRC / "workshops"
SOURCES = [
    *(p for p in sorted(APP.rglob("*.py")) if "migrations" not in p.parts),
    *sorted((APP / "templates").rglob("*.html")),
]


def workshop_strings() -> set[str]:
    strings: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            text = templatize(text, origin=str(path))
        strings |= _strings_in_code(text)
    return strings


def test_it_has_a_japanese_translation_for_every_workshop_string():
    catalog = polib.pofile(str(SRC / "locale" / "ja" / "LC_MESSAGES" / "django.po"))
    translated = {e.msgid for e in catalog if e.translated() and "fuzzy" not in e.flags}
    strings = workshop_strings()
    assert len(strings) > 200  # the extraction really read the sources
    assert sorted(strings - translated) == []


def test_it_shows_the_steps_in_japanese(client, org):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop)
    client.cookies["django_language"] = "ja"
    sign_in(client, org["member"])
    html = client.get(f"/workshops/{workshop.pk}/journeys/{sli.journey_id}/slis").content.decode()
    assert "ビジネスの背景" in html and "合意" in html and "可用性" in html and "鮮度" in html
    html = client.get(f"/workshops/{workshop.pk}/agreement").content.decode()
    assert "仮運用中のSLOでは誰も呼び出されません" in html
