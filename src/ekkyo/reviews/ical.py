"""iCalendar (RFC 5545) text for a series' sessions (pure: no Django, no I/O).

Written by hand rather than with a library because ekkyo needs only VEVENTs in UTC:
TEXT values are escaped (§3.3.11), lines end in CRLF and are folded at 75 octets
without splitting a UTF-8 character (§3.1), and times are UTC (``…Z``, §3.3.5 form #2),
so no VTIMEZONE is needed and every calendar client agrees on the instants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//ekkyo//Dashboard reviews//EN"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped; line breaks as ``\\n``."""
    out = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    out = out.replace("\r\n", "\n").replace("\r", "\n")
    # Other control characters are not allowed in TEXT (§3.3.11): drop them.
    out = "".join(ch for ch in out if ch == "\n" or ch == "\t" or ord(ch) >= 0x20)
    return out.replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded into pieces of at most 75 octets, joined by CRLF + space."""
    pieces: list[str] = []
    current, size = "", 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            # A continuation line starts with one space, which counts towards its 75.
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += ch
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uri(value: str) -> str:
    # URI values are not escaped like TEXT, so a line break must never reach one.
    if any(ch in value for ch in "\r\n"):
        raise ValueError("a URI value cannot contain a line break")
    return value


@dataclass(frozen=True)
class Event:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    sequence: int = 0
    last_modified: datetime | None = None

    def lines(self, stamp: datetime) -> list[str]:
        out = [
            "BEGIN:VEVENT",
            f"UID:{escape_text(self.uid)}",
            f"DTSTAMP:{utc(stamp)}",
            f"DTSTART:{utc(self.starts_at)}",
            f"DTEND:{utc(self.ends_at)}",
            f"SUMMARY:{escape_text(self.summary)}",
            f"STATUS:{'CANCELLED' if self.cancelled else 'CONFIRMED'}",
            f"SEQUENCE:{self.sequence}",
        ]
        if self.description:
            out.append(f"DESCRIPTION:{escape_text(self.description)}")
        if self.location:
            out.append(f"LOCATION:{escape_text(self.location)}")
        if self.url:
            out.append(f"URL:{_uri(self.url)}")
        if self.last_modified is not None:
            out.append(f"LAST-MODIFIED:{utc(self.last_modified)}")
        out.append("END:VEVENT")
        return out


def calendar(events: Iterable[Event], *, name: str, stamp: datetime) -> str:
    """A VCALENDAR with ``events``; ``stamp`` is the DTSTAMP of every event."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines.extend(event.lines(stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
