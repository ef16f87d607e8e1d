"""An SLO objective's attainment over a calendar month or quarter (pure: engine only).

Every number is :func:`ekkyo.engine.evaluate` of the objective with its window replaced by
``CalendarWindow(unit, time_zone=…)``, at the period's end (or at ``until`` when the
period is still running), so a report shows exactly what the engine says for that
calendar period: SLI, good and total events, budget used (``consumed_ratio``) and left.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ekkyo.engine import CalendarWindow, Objective, Series, evaluate

MINUTE = 60


@dataclass(frozen=True)
class Attainment:
    target: float
    start: int
    end: int
    length_s: int
    complete: bool
    sli: float | None
    good: float
    total: float
    allowed_bad: float
    consumed_ratio: float | None
    remaining_ratio: float | None

    @property
    def met(self) -> bool | None:
        """Whether the SLI reached the target; ``None`` without data."""
        return None if self.sli is None else self.sli >= self.target


def attainment(
    series: Series,
    objective: Objective,
    *,
    period_start: int,
    period_end: int,
    unit: str,
    time_zone: str,
    until: int | None = None,
) -> Attainment | None:
    """The objective over ``[period_start, min(period_end, until))``; ``None`` when the
    period has not started by ``until``."""
    at = period_end if until is None else min(period_end, until // MINUTE * MINUTE)
    if at <= period_start:
        return None
    calendar = dataclasses.replace(
        objective,
        window=CalendarWindow(unit, time_zone=time_zone),  # type: ignore[arg-type]
    )
    r = evaluate(series, calendar, at)
    return Attainment(
        target=r.target,
        start=r.window_start,
        end=r.window_end,
        length_s=r.length_s,
        complete=at == period_end,
        sli=r.sli,
        good=r.good,
        total=r.total,
        allowed_bad=r.allowed_bad,
        consumed_ratio=r.consumed_ratio,
        remaining_ratio=r.remaining_ratio,
    )
