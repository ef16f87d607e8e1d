"""Rounding for people: the one place the CLI turns engine numbers into text."""

from __future__ import annotations

from typing import Any


def percent(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x * 100:.{digits}f}%"


def ratio(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def duration(seconds: float | None) -> str:
    """Like ``3d 4h`` or ``12m``; ``—`` when unknown."""
    if seconds is None:
        return "—"
    if seconds <= 0:
        return "exhausted"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


def fastest_burn(result: dict[str, Any]) -> tuple[str, float] | None:
    rates = [(w, r) for w, r in result["burn_rates"].items() if r is not None]
    return max(rates, key=lambda item: item[1]) if rates else None


def alerts(result: dict[str, Any]) -> str:
    """Firing rules grouped by severity, e.g. ``page 1h·6h, ticket 3d``."""
    by_severity: dict[str, list[str]] = {}
    for alert in result["alerts"]:
        by_severity.setdefault(alert["severity"], []).append(alert["long_window"])
    return ", ".join(f"{sev} {'·'.join(windows)}" for sev, windows in by_severity.items())
