"""An SLI's history for target exploration, read from the bucket store.

The history is the SLO the SLI became once it has one, else the catalog SLO the workshop
chose as a stand-in.  The exploration ends where that SLO's status stands (the worker's
last evaluation, as on the SLO page), or at the current minute before the worker ran.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ekkyo.catalog.models import SLO
from ekkyo.engine import Objective, Threshold
from ekkyo.web.charts import evaluation_time, read_dense
from ekkyo.web.objectives import objectives_of
from ekkyo.workshops.exploration import Exploration, explore, history_start
from ekkyo.workshops.models import SLI, SliKind


@dataclass(frozen=True)
class Source:
    slo: SLO
    objective: Objective
    series_key: str
    # True when the stand-in's SLI kind (ratio/threshold) differs from the workshop SLI's.
    kind_differs: bool


def source_of(sli: SLI) -> tuple[Source | None, str]:
    """Where ``sli``'s history comes from, or ``(None, why not)``."""
    slo = sli.slo or sli.stand_in
    if slo is None:
        return None, "no_source"
    found = next((o for o in objectives_of(slo.spec) if o.objective is not None), None)
    if found is None or found.objective is None:
        return None, "not_evaluable"
    objective = found.objective
    stand_in_threshold = objective.threshold is not None
    wants_threshold = sli.kind == SliKind.THRESHOLD
    if wants_threshold and stand_in_threshold and sli.op and sli.value is not None:
        # The workshop's threshold, on the stand-in's values.
        objective = dataclasses.replace(objective, threshold=Threshold(sli.op, sli.value))
    return Source(slo, objective, found.series_key, stand_in_threshold != wants_threshold), ""


def explore_sli(
    source: Source, *, target: float, window_days: int, days: int, now_s: int
) -> Exploration:
    status = source.slo.statuses.order_by("objective_index").first()
    at = evaluation_time(status.result if status else None, now_s)
    start = history_start(at, days, window_days)
    series = read_dense(source.slo.pk, source.series_key, start, at)
    return explore(
        series, source.objective, target=target, window_days=window_days, days=days, at=at
    )
