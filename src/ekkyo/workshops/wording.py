"""Business terms in words, in the active language: for the pages and the exports alike.

The numbers come from :mod:`ekkyo.workshops.translate` (through an exploration); this
module only rounds and words them.
"""

from __future__ import annotations

import math
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ekkyo.web.plain import format_duration, format_target


def count(value: float) -> str:
    """A count as people read it: whole numbers with grouping (``12,960``)."""
    return number_format(round(value), force_grouping=True)


def percent(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value * 100:.{digits}f}%"


def window_words(days: int) -> str:
    return _("%(days)s days") % {"days": days}


def business_lines(terms: dict[str, Any]) -> list[str]:
    """Sentences for :class:`~ekkyo.workshops.translate.BusinessTerms` (as a dict)."""
    days = int(terms["window_s"]) // 86400
    values = {
        "target": format_target(terms["target"]),
        "window": window_words(days),
        "outage": format_duration(terms["full_outage_s"]),
        "minutes": count(terms["allowed_bad_minutes"]),
    }
    lines = [
        _("%(target)s over %(window)s allows %(minutes)s bad minutes: a full outage of %(outage)s.")
        % values
    ]
    if terms.get("allowed_failed_per_month") is not None:
        lines.append(
            _(
                "At the traffic observed (%(monthly)s requests a month), about %(failed)s "
                "failed requests a month stay within the budget."
            )
            % {
                "monthly": count(terms["monthly_events"]),
                "failed": count(terms["allowed_failed_per_month"]),
            }
        )
    if terms.get("outage_at_peak_s") is not None:
        lines.append(
            _("At the busiest hour, the budget absorbs a full outage of %(outage)s.")
            % {"outage": format_duration(terms["outage_at_peak_s"])}
        )
    if terms.get("remaining_outage_s") is not None:
        lines.append(
            _("What is left of the budget now absorbs a full outage of %(outage)s.")
            % {"outage": format_duration(terms["remaining_outage_s"])}
        )
    return lines


def evidence_lines(evidence: dict[str, Any]) -> list[str]:
    """What the history said about a chosen target, for the record."""
    if not evidence:
        return []
    span = evidence.get("span") or {}
    window = evidence.get("window") or {}
    alerts = evidence.get("alerts") or {}
    lines = [
        _(
            "Over the last %(days)s days of %(source)s, the SLI was %(attained)s; "
            "the budget at the end was %(remaining)s, at its lowest %(lowest)s."
        )
        % {
            "days": evidence.get("days"),
            "source": evidence.get("source", "—"),
            "attained": percent(span.get("sli")),
            "remaining": percent(window.get("remaining_ratio"), 0),
            "lowest": percent(span.get("lowest_remaining"), 0),
        },
        _("Alerts that would have fired: %(pages)s pages, %(tickets)s tickets.")
        % {"pages": alerts.get("pages", 0), "tickets": alerts.get("tickets", 0)},
    ]
    business = evidence.get("business")
    if business:
        lines.extend(business_lines(business))
    return lines
