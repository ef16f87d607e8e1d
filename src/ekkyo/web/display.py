"""Numbers and labels as pages print them: rounding happens here, at the edge.

Plain f-strings rather than Django's localised number formatting: both of ekkyo's
languages write ``99.93%`` and ``2.35×`` the same way, and the portfolio formats thousands
of numbers per page.
"""

from __future__ import annotations

from ekkyo.catalog.models import Lifecycle
from ekkyo.worker.models import State

NONE = "—"

# Shapes differ as well as colours, so no reader depends on telling colours apart.
STATE_ICONS = {
    State.HEALTHY: "✓",
    State.AT_RISK: "▲",
    State.EXHAUSTED: "✕",
    State.NO_DATA: "–",
}
STATE_LABELS = dict(State.choices)
LIFECYCLE_LABELS = dict(Lifecycle.choices)


def _missing(value: object) -> bool:
    # Templates pass "" for a missing attribute (e.g. the status of an unevaluated SLO).
    return isinstance(value, bool) or not isinstance(value, int | float)


def percent(value: float | None, digits: int = 2) -> str:
    """A ratio as a percentage: ``0.99934`` → ``99.93%``; a missing number as a dash."""
    if _missing(value):
        return NONE
    return f"{value * 100:.{digits}f}%"


def burn(value: float | None) -> str:
    """A burn rate: ``2.345`` → ``2.35×``, ``14.4`` → ``14.4×``."""
    if _missing(value):
        return NONE
    return f"{value:.{2 if abs(value) < 10 else 1}f}×"


def bar_width(value: float | None) -> str:
    """CSS width (percent) of a budget bar: the remaining ratio clamped to 0–100%."""
    if _missing(value):
        return "0.0"
    return f"{max(0.0, min(1.0, value)) * 100:.1f}"


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def state_icon(state: str) -> str:
    return STATE_ICONS.get(state, "?")


def lifecycle_label(state: str) -> str:
    return str(LIFECYCLE_LABELS.get(state, state))
