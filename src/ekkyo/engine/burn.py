"""Burn-rate windows and the multi-window, multi-burn-rate alert rules of SLO_MATH.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

Severity = Literal["page", "ticket"]

#: Burn-rate windows, in seconds, in the order results list them.  They look back from the
#: evaluation time whatever the SLO window is.
BURN_WINDOWS: Mapping[str, int] = MappingProxyType(
    {
        "5m": 300,
        "30m": 1800,
        "1h": 3600,
        "2h": 7200,
        "6h": 21600,
        "1d": 86400,
        "3d": 259200,
    }
)
BURN_WINDOW_NAMES: tuple[str, ...] = tuple(BURN_WINDOWS)


@dataclass(frozen=True)
class AlertRule:
    """One row of the alert table: fires when both burn rates are > :meth:`factor`."""

    severity: Severity
    long_window: str
    short_window: str
    budget_fraction: Fraction

    def factor(self, period_s: int) -> float:
        """``budget_fraction * P / long_window``, rounded once.

        Computed from exact integers so that the Workbook's factors come out as the
        nearest doubles to 14.4, 6, 3 and 1 for P = 30d (a float product like
        ``0.02 * 2592000 / 3600`` can land one ulp away and flip a strict comparison).
        """
        exact = self.budget_fraction * period_s / BURN_WINDOWS[self.long_window]
        return exact.numerator / exact.denominator


#: The four rules of the Google SRE Workbook ("Alerting on SLOs", recommendation 6), in
#: the order results list them.
ALERT_RULES: tuple[AlertRule, ...] = (
    AlertRule("page", "1h", "5m", Fraction(2, 100)),
    AlertRule("page", "6h", "30m", Fraction(5, 100)),
    AlertRule("ticket", "1d", "2h", Fraction(10, 100)),
    AlertRule("ticket", "3d", "6h", Fraction(10, 100)),
)

#: The window whose burn rate drives the forecast (SLO_MATH.md, "Forecast").
FORECAST_WINDOW = "1d"
