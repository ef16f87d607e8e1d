"""Spec SLOs to engine objectives, for the demo tests (the product's glue is `ekkyo.api`'s).

Written here against the models of `ekkyo.specs` and the engine's dataclasses, so that the
demo's promises are checked by the real parser and the real engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from ekkyo.engine import (
    Buckets,
    Budgeting,
    CalendarWindow,
    Objective,
    Result,
    RollingWindow,
    Threshold,
    densify,
    evaluate,
)
from ekkyo.specs import SLO


def engine_objectives(slo: SLO) -> list[tuple[str, Objective]]:
    tw = slo.time_window
    window: RollingWindow | CalendarWindow
    if tw.rolling:
        assert tw.duration.seconds is not None
        window = RollingWindow(tw.duration.seconds)
    else:
        assert tw.calendar is not None
        window = CalendarWindow(
            unit=tw.duration.unit,  # type: ignore[arg-type]
            count=tw.duration.count,
            time_zone=tw.calendar.time_zone,
            anchor=tw.calendar.start_time,
        )
    budgeting = Budgeting(slo.budgeting_method)
    assert slo.indicator is not None
    threshold_sli = slo.indicator.spec.is_threshold
    out = []
    for i, o in enumerate(slo.objectives):
        threshold = None
        if threshold_sli:
            assert o.op is not None and o.value is not None
            threshold = Threshold(o.op, o.value)
        slice_s = 60
        if budgeting is not Budgeting.OCCURRENCES:
            assert o.time_slice_window is not None and o.time_slice_window.seconds is not None
            slice_s = o.time_slice_window.seconds
        objective = Objective(
            target=o.target,
            window=window,
            budgeting=budgeting,
            threshold=threshold,
            time_slice_target=o.time_slice_target if budgeting is Budgeting.TIMESLICES else None,
            time_slice_window_s=slice_s,
        )
        out.append((o.display_name or str(i), objective))
    return out


@dataclass(frozen=True)
class Evaluated:
    slo: str
    objective: str
    result: Result


def evaluate_all(slos: tuple[SLO, ...], data: dict[str, Buckets], at: int) -> list[Evaluated]:
    out = []
    for slo in slos:
        series = densify(data[slo.name], end=at)
        for name, objective in engine_objectives(slo):
            out.append(Evaluated(slo.name, name, evaluate(series, objective, at=at)))
    return out
