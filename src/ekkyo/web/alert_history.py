"""The SLO page's alert history and chart annotations, read from ``ekkyo.alerting``.

An *episode* is one run of one rule's alert state, pending or firing until resolved: the
``AlertTransition`` rows sharing an ``AlertState`` and an ``episode`` number.  Peak burn
rates are the state's own for its latest episode (it tracks them every tick); earlier
episodes keep only the burn rates of their recorded changes, so their peaks are the
highest of those (``peak_exact`` says which).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from ekkyo.alerting.api import annotations_for
from ekkyo.alerting.models import AlertState, AlertTransition, AnnotationKind
from ekkyo.catalog.models import SLO

#: Episodes the page lists (newest first); older ones stay in the database.
MAX_EPISODES = 100


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def _highest(values: list[Any]) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    return max(numbers) if numbers else None


def alert_episodes(slo: SLO, tz: tzinfo, limit: int = MAX_EPISODES) -> list[dict[str, Any]]:
    """The alert episodes of ``slo``, newest first, as JSON-ready dicts (times in ``tz``)."""
    states = {s.pk: s for s in AlertState.objects.filter(slo=slo)}
    groups: dict[tuple[int, int], list[AlertTransition]] = {}
    for row in AlertTransition.objects.filter(slo=slo).order_by("at", "id"):
        groups.setdefault((row.state_id, row.episode), []).append(row)
    episodes = []
    for (state_id, episode), rows in groups.items():
        state = states.get(state_id)
        first = rows[0]
        at = {kind: next((r.at for r in rows if r.kind == kind), None) for kind in _KINDS}
        status = "resolved" if at["resolved"] else "firing" if at["firing"] else "pending"
        latest = state is not None and state.episode == episode
        if latest and state is not None and state.peak_long_burn_rate is not None:
            peaks = (state.peak_long_burn_rate, state.peak_short_burn_rate)
        else:
            peaks = (
                _highest([r.burn_rates.get(first.long_window) for r in rows]),
                _highest([r.burn_rates.get(first.short_window) for r in rows]),
            )
        episodes.append(
            {
                "objective_index": state.objective_index if state else None,
                "objective": first.objective,
                "severity": first.severity,
                "sent_as": first.effective_severity,
                "trial": first.trial,
                "long_window": first.long_window,
                "short_window": first.short_window,
                "factor": first.factor,
                "status": status,
                "started_at": _iso(first.started_at, tz),
                "pending_at": _iso(at["pending"], tz),
                "firing_at": _iso(at["firing"], tz),
                "resolved_at": _iso(at["resolved"], tz),
                "peak_burn_rates": {first.long_window: peaks[0], first.short_window: peaks[1]},
                "peak_exact": bool(latest),
                "_sort": (first.started_at, first.id),
            }
        )
    episodes.sort(key=lambda e: e.pop("_sort"), reverse=True)
    return episodes[:limit]


_KINDS = ("pending", "firing", "resolved")


def chart_annotations(slo: SLO, start: datetime, end: datetime, tz: tzinfo) -> dict[str, Any]:
    """``annotations_for`` split for the charts: point markers and maintenance bands."""
    markers, bands = [], []
    for a in annotations_for(slo, start, end):
        item = {
            "id": a["id"],
            "kind": str(a["kind"]),
            "kind_label": str(AnnotationKind(a["kind"]).label),
            "at": _iso(a["at"], tz),
            "ends_at": _iso(a["ends_at"], tz),
            "text": a["text"],
            "link": a["link"],
            "author": a["author"],
        }
        if item["kind"] == "maintenance":
            item["exclude_from_budget"] = bool(a["detail"].get("exclude_from_budget"))
            bands.append(item)
        else:
            markers.append(item)
    return {"markers": markers, "bands": bands}


def backtest_slo(
    slo: SLO, days: int, results: dict[int, dict[str, Any]], now_s: int
) -> list[dict[str, Any]]:
    """``engine.backtest`` of each objective over the last ``days`` of stored history.

    The period ends where the worker last evaluated the objective; excluded maintenance
    minutes count as no data, as in the worker.  One dict per objective: its
    ``Backtest.as_dict()`` (times in UTC), or ``problem`` when it cannot be evaluated.
    """
    from ekkyo.alerting.routing import slo_config
    from ekkyo.alerting.silences import budget_mask
    from ekkyo.alerting.windows import apply_mask
    from ekkyo.engine import BURN_WINDOWS
    from ekkyo.engine.backtest import backtest
    from ekkyo.web.charts import evaluation_time, read_dense
    from ekkyo.web.objectives import objectives_of

    settings = slo_config(slo).settings
    out = []
    for spec in objectives_of(slo.spec):
        if spec.objective is None:
            out.append({"index": spec.index, "objective": spec.name, "problem": spec.problem})
            continue
        end = evaluation_time(results.get(spec.index), now_s)
        start = end - days * 86400
        # The longest burn window, plus a day for a `for` that began before `start`.
        lo = start - max(BURN_WINDOWS.values()) - 86400
        series = read_dense(slo.pk, spec.series_key, lo, end)
        series = apply_mask(series, budget_mask(slo, series.start, len(series)))
        found = backtest(series, spec.objective, start, end, settings)
        data = found.as_dict()
        fired = any(r["intervals"] for r in data["rules"])
        out.append(
            {
                "index": spec.index,
                "objective": spec.name,
                "problem": "",
                "has_firing": fired,
                **data,
            }
        )
    return out
