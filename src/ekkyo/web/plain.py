"""The plain-language line for business readers: what a target allows, in time and events.

"99.9% over 30 days allows 43 minutes of full outage, or 1 failed request in 1,000."
:func:`allowance` is the arithmetic (pure, no rounding); :func:`plain_line` words it in the
active language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The finest power of ten for "K in 10^d"; finer shares become an approximate "1 in N".
_MAX_DIGITS = 6


@dataclass(frozen=True)
class Allowance:
    """What an error budget allows over a window of ``length_s`` seconds.

    ``downtime_s``: the length of a full outage that spends the whole budget (every event
    bad for that long, traffic spread evenly).  ``bad`` in ``out_of``: the share of events
    that may be bad in the smallest whole numbers: ``1 in 200`` when ``1 / (1 - target)`` is
    whole, else ``bad`` in a power of ten (``3 in 100``).  ``exact`` is False when the share
    had to be rounded.
    """

    downtime_s: float
    bad: int
    out_of: int
    exact: bool = True


def _budget(target: float) -> Decimal:
    # Decimal from the shortest repr: 1 - 0.999 is 0.0010000000000000009 in floats.
    return Decimal(1) - Decimal(repr(float(target)))


def allowance(target: float, length_s: int) -> Allowance:
    """The :class:`Allowance` of ``target`` (0 < target < 1) over ``length_s`` seconds."""
    if not 0 < target < 1:
        raise ValueError(f"target must be between 0 and 1 (both excluded), got {target}")
    budget = _budget(target)
    downtime = float(budget * length_s)
    inverse = Decimal(1) / budget
    if inverse == inverse.to_integral_value():
        return Allowance(downtime, 1, int(inverse))
    for digits in range(1, _MAX_DIGITS + 1):
        out_of = 10**digits
        bad = budget * out_of
        if bad == bad.to_integral_value() and bad >= 1:
            return Allowance(downtime, int(bad), out_of)
    # Beyond a million, "1 in N" rounded reads better than an exact "27 in 100,000,000".
    return Allowance(downtime, 1, round(inverse), exact=False)


def format_duration(seconds: float) -> str:
    """A duration as people say it: "43 minutes", "7 hours 12 minutes", "4 minutes 19 seconds".

    Two units at most, and only one from ten minutes up to an hour, where seconds no longer
    matter to anyone planning an outage.
    """
    total = math.floor(seconds + 0.5)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)

    def unit(n: int, name: str) -> str:
        forms = {
            "day": ngettext("%(n)s day", "%(n)s days", n),
            "hour": ngettext("%(n)s hour", "%(n)s hours", n),
            "minute": ngettext("%(n)s minute", "%(n)s minutes", n),
            "second": ngettext("%(n)s second", "%(n)s seconds", n),
        }
        return forms[name] % {"n": number_format(n, force_grouping=True)}

    def pair(first: str, second: str) -> str:
        # Japanese writes units without a space ("7時間12分"); the catalog says so.
        return _("%(first)s %(second)s") % {"first": first, "second": second}

    if days:
        return pair(unit(days, "day"), unit(hours, "hour")) if hours else unit(days, "day")
    if hours:
        return (
            pair(unit(hours, "hour"), unit(minutes, "minute")) if minutes else unit(hours, "hour")
        )
    if minutes >= 10:
        rounded = round(total / 60)
        return unit(1, "hour") if rounded == 60 else unit(rounded, "minute")
    if minutes:
        return (
            pair(unit(minutes, "minute"), unit(secs, "second")) if secs else unit(minutes, "minute")
        )
    return unit(secs, "second")


def format_target(target: float) -> str:
    """``0.999`` → ``99.9%``: the target as the spec's author would write it."""
    percent = Decimal(repr(float(target))) * 100
    text = format(percent.normalize(), "f")
    return _("%(percent)s%%") % {"percent": text}


def window_phrase(window_text: str, rolling: bool, length_s: int) -> str:
    """ "the last 30 days", "each calendar month": the window as the line reads it."""
    if rolling:
        return _("the last %(duration)s") % {"duration": format_duration(length_s)}
    unit = window_text[-1:] if window_text else ""
    count = window_text[:-1] if window_text else ""
    if count == "1":
        single = {
            "d": _("each calendar day"),
            "w": _("each calendar week"),
            "M": _("each calendar month"),
            "Q": _("each calendar quarter"),
            "Y": _("each calendar year"),
        }
        if unit in single:
            return single[unit]
    return _("each calendar period of %(duration)s") % {"duration": window_text}


def plain_line(
    target: float, length_s: int, window_text: str, rolling: bool, event_kind: str
) -> str:
    """The whole sentence, in the active language."""
    allowed = allowance(target, length_s)
    values = {
        "target": format_target(target),
        "window": window_phrase(window_text, rolling, length_s),
        "downtime": format_duration(allowed.downtime_s),
        "bad": number_format(allowed.bad, force_grouping=True),
        "out_of": number_format(allowed.out_of, force_grouping=True),
    }
    if event_kind == "minutes":
        events = ngettext(
            "%(bad)s bad minute in %(out_of)s",
            "%(bad)s bad minutes in %(out_of)s",
            allowed.bad,
        )
    elif event_kind == "slices":
        events = ngettext(
            "%(bad)s bad time slice in %(out_of)s",
            "%(bad)s bad time slices in %(out_of)s",
            allowed.bad,
        )
    else:
        events = ngettext(
            "%(bad)s failed request in %(out_of)s",
            "%(bad)s failed requests in %(out_of)s",
            allowed.bad,
        )
    values["events"] = events % values
    if not allowed.exact:
        values["events"] = _("about %(events)s") % values
    return (
        _("%(target)s over %(window)s allows %(downtime)s of full outage, or %(events)s.") % values
    )
