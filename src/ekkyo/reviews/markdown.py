"""Markdown that shows people's text as they wrote it (pure: no Django, no I/O).

Minutes go to a team's wiki, where Markdown is rendered and often HTML too: a note that
says ``<script>`` or ``[click](javascript:…)`` must come out as those characters, never
as markup.  CommonMark lets any ASCII punctuation be escaped with a backslash; these
helpers escape the characters that could start markup anywhere in a line, plus those
that do so only at the start of a line, and leave the rest readable.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Characters that may start or end inline markup (emphasis, code, links, HTML, entities,
# tables, strikethrough) wherever they stand.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&!])")
# Block markers that matter only at a line's start: headings, quotes, list items,
# setext underlines, ordered-list numbers.
_LINE_START = re.compile(r"^([#>+=-])|^(\d+)([.)])")


def escape(text: str) -> str:
    """One line of text, safe inline: line breaks become spaces."""
    line = " ".join(text.split())
    line = _INLINE.sub(r"\\\1", line)
    return _LINE_START.sub(
        lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", line
    )


def block(text: str, indent: str = "") -> str:
    """Text of several lines as one Markdown paragraph, each line escaped; the line breaks
    are kept as hard breaks, continuation lines start with ``indent`` (for list items)."""
    lines = [escape(line) for line in text.strip().splitlines() if line.strip()]
    return ("\\\n" + indent).join(lines)


def link(text: str, url: str) -> str:
    """``[text](url)`` with the text escaped and the URL percent-encoded where Markdown
    would end it early (spaces, parentheses, angle brackets)."""
    safe = quote(url, safe=":/?#@!$&'*+,;=%-._~[]")
    safe = safe.replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D")
    return f"[{escape(text)}]({safe})"


def heading(level: int, text: str) -> str:
    return f"{'#' * level} {escape(text)}"
