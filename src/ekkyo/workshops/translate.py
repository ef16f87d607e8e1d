"""Error budgets in business terms: what a target allows, in minutes, requests and outages.

Pure arithmetic, no Django and no I/O, so the workshop pages, the exports and the tests
share one definition.  Every function takes the numbers it needs (the target, the SLO
window's length, the traffic observed) and rounds nothing: pages round at the edge.

The error budget is the share ``1 - target`` of a window's events.  Subtraction goes
through decimals of the target's shortest repr, because in floats ``1 - 0.999`` is
``0.0010000000000000009`` and a page that says "43.2 minutes" must not say 43.200000001.

"Per month" means 30 days throughout, the length of the most common SLO window; a
calendar month of 31 days allows proportionally more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

MINUTE = 60
DAY = 86_400
MONTH_S = 30 * DAY


def _check_target(target: float) -> None:
    if isinstance(target, bool) or not isinstance(target, int | float):
        raise ValueError(f"target must be a number, got {target!r}")
    if not (math.isfinite(target) and 0 < target < 1):
        raise ValueError(f"target must be between 0 and 1 (both excluded), got {target!r}")


def _check_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def budget_share(target: float) -> Decimal:
    """The share of events the budget allows to be bad: ``1 - target``, exactly."""
    _check_target(target)
    return Decimal(1) - Decimal(repr(float(target)))


def allowed_bad_minutes(target: float, window_s: float) -> float:
    """Bad minutes the budget allows over a window of ``window_s`` seconds.

    For a threshold SLI (one event per minute) this is the count of minutes that may miss
    the threshold; for a request SLI with even traffic, the minutes of full outage.
    """
    _check_positive("window_s", window_s)
    return float(budget_share(target) * Decimal(repr(float(window_s))) / MINUTE)


def full_outage_absorbed_s(
    target: float, window_s: float, *, remaining_ratio: float = 1.0, peak_factor: float = 1.0
) -> float:
    """How long a full outage (every event bad) the budget absorbs, in seconds.

    With traffic spread evenly over the window a full outage of ``d`` seconds spends
    ``d / window_s`` of its events, so the whole budget lasts ``(1 - target) * window_s``.
    ``remaining_ratio`` scales that to the budget still left (nothing when it is spent);
    ``peak_factor`` is the traffic at the time of the outage over the window's average
    (an outage at the busiest hour spends the budget faster, by that factor).
    """
    _check_positive("window_s", window_s)
    _check_positive("peak_factor", peak_factor)
    if not math.isfinite(remaining_ratio):
        raise ValueError(f"remaining_ratio must be a finite number, got {remaining_ratio!r}")
    left = Decimal(repr(float(max(0.0, min(1.0, remaining_ratio)))))
    whole = budget_share(target) * Decimal(repr(float(window_s)))
    return float(whole * left / Decimal(repr(float(peak_factor))))


def events_per_month(total_events: float, span_s: float) -> float:
    """The observed traffic, ``total_events`` over ``span_s`` seconds, scaled to 30 days."""
    _check_positive("span_s", span_s)
    if not (math.isfinite(total_events) and total_events >= 0):
        raise ValueError(f"total_events must be a number >= 0, got {total_events!r}")
    return total_events * MONTH_S / span_s


def allowed_failed_per_month(target: float, monthly_events: float) -> float:
    """Failed requests (bad events) a month of ``monthly_events`` may have within budget."""
    if not (math.isfinite(monthly_events) and monthly_events >= 0):
        raise ValueError(f"monthly_events must be a number >= 0, got {monthly_events!r}")
    return float(budget_share(target) * Decimal(repr(float(monthly_events))))


def target_for_downtime(downtime_s: float, window_s: float) -> float:
    """The target whose budget is exactly a full outage of ``downtime_s`` per window.

    The inverse of :func:`full_outage_absorbed_s`: "we can live with two hours a month"
    becomes a target to discuss.
    """
    _check_positive("window_s", window_s)
    if not (math.isfinite(downtime_s) and 0 < downtime_s < window_s):
        raise ValueError(
            f"downtime_s must be more than 0 and less than the window ({window_s} s), "
            f"got {downtime_s!r}"
        )
    return float(Decimal(1) - Decimal(repr(float(downtime_s))) / Decimal(repr(float(window_s))))


@dataclass(frozen=True)
class BusinessTerms:
    """A target over a window, said in the words business people plan with.

    ``monthly_events`` and ``allowed_failed_per_month`` are None without observed traffic;
    ``outage_at_peak_s`` is None without a peak factor.
    """

    target: float
    window_s: int
    allowed_bad_minutes: float
    full_outage_s: float
    remaining_outage_s: float | None
    outage_at_peak_s: float | None
    monthly_events: float | None
    allowed_failed_per_month: float | None


def business_terms(
    target: float,
    window_s: int,
    *,
    total_events: float | None = None,
    span_s: float | None = None,
    remaining_ratio: float | None = None,
    peak_factor: float | None = None,
) -> BusinessTerms:
    """Everything :class:`BusinessTerms` holds, from the traffic observed over ``span_s``."""
    monthly = None
    failed = None
    if total_events is not None and span_s:
        monthly = events_per_month(total_events, span_s)
        failed = allowed_failed_per_month(target, monthly)
    remaining = None
    if remaining_ratio is not None and math.isfinite(remaining_ratio):
        remaining = full_outage_absorbed_s(target, window_s, remaining_ratio=remaining_ratio)
    at_peak = None
    if peak_factor is not None and math.isfinite(peak_factor) and peak_factor > 0:
        at_peak = full_outage_absorbed_s(target, window_s, peak_factor=peak_factor)
    return BusinessTerms(
        target=target,
        window_s=window_s,
        allowed_bad_minutes=allowed_bad_minutes(target, window_s),
        full_outage_s=full_outage_absorbed_s(target, window_s),
        remaining_outage_s=remaining,
        outage_at_peak_s=at_peak,
        monthly_events=monthly,
        allowed_failed_per_month=failed,
    )
