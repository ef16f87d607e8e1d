"""iCalendar text (escaping, folding) and Markdown escaping, without a database."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from ekkyo.reviews import ical
from ekkyo.reviews import markdown as md

AT = dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC)


def test_it_escapes_ical_text_values():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert ical.escape_text("x\r\ny\x07") == "x\\ny"


def test_it_folds_long_lines_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "眺める会" * 40
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == line


def test_it_leaves_short_lines_alone():
    assert ical.fold("SUMMARY:Review") == "SUMMARY:Review"


def test_it_writes_a_calendar_a_parser_reads_back():
    text = ical.calendar(
        [
            ical.Event(
                uid="checkout-20260304T070000Z@ekkyo",
                starts_at=AT,
                ends_at=AT + dt.timedelta(hours=1),
                summary="決済チーム, dashboard review; weekly",
                description="Line one\nLine two, with \\ and ;" + " long" * 30,
                location="Room 3",
                url="https://ekkyo.example/reviews/sessions/1",
            )
        ],
        name="Checkout review",
        stamp=AT,
    )
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    calendar = icalendar.Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "決済チーム, dashboard review; weekly"
    assert str(event["DESCRIPTION"]).startswith("Line one\nLine two, with \\ and ;")
    assert event.decoded("DTSTART") == AT
    assert event.decoded("DTEND") == AT + dt.timedelta(hours=1)


def test_it_refuses_a_line_break_in_a_uri():
    event = ical.Event("u", AT, AT, "s", url="https://x\r\nX-EVIL:1")
    with pytest.raises(ValueError):
        event.lines(AT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
        (
            "**bold** _it_ `code` ~x~ a|b &amp;",
            "\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~x\\~ a\\|b \\&amp;",
        ),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("v1.2.3 is out", "v1.2.3 is out"),
        ("two\nlines", "two lines"),
    ],
)
def test_it_escapes_markdown_so_text_shows_as_written(text, expected):
    assert md.escape(text) == expected


def test_it_keeps_line_breaks_of_a_block_as_hard_breaks():
    assert md.block("first\n> quoted\n\nthird", "  ") == "first\\\n  \\> quoted\\\n  third"


def test_it_encodes_characters_that_would_end_a_markdown_link():
    assert md.link("Issue [1]", "https://x.example/a b(c)") == (
        "[Issue \\[1\\]](https://x.example/a%20b%28c%29)"
    )
