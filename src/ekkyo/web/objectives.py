"""An SLO's objectives as the engine sees them, read from the stored OpenSLO document.

The catalog keeps each SLO's spec as the OpenSLO v1 document it was imported from (validated
by ``ekkyo.specs``, indicator inlined).  Pages need, per objective: its name (as ``ekkyo
evaluate`` reports it), the series its buckets live in (``ekkyo.series.objectives``), the engine's
:class:`~ekkyo.engine.Objective`, and the window as the spec wrote it.  An objective that
cannot be mapped (a document from a newer spec version, say) keeps ``objective = None`` and
a ``problem`` for people, so one odd SLO never breaks a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ekkyo import specs, toolkit
from ekkyo.engine import Objective
from ekkyo.series.objectives import layout_of


@dataclass(frozen=True)
class SpecObjective:
    index: int
    name: str
    series_key: str
    target: float | None
    window_text: str
    rolling: bool
    budgeting: str
    # "requests" (ratio of counts), "minutes" (threshold values) or "slices" (Timeslices).
    event_kind: str
    objective: Objective | None
    problem: str = ""


def _target(raw: dict[str, Any]) -> float | None:
    target = raw.get("target")
    if isinstance(target, int | float) and not isinstance(target, bool):
        return float(target)
    percent = raw.get("targetPercent")
    if isinstance(percent, int | float) and not isinstance(percent, bool):
        # Through decimals, as the spec parser does: 99.9 / 100 is 0.9990000000000001.
        return float(Decimal(repr(percent)) / 100)
    return None


def names_and_targets(document: dict[str, Any]) -> list[tuple[int, str, float | None]]:
    """``(index, name, target)`` of each objective: the cheap part, for long lists."""
    spec = document.get("spec") if isinstance(document, dict) else None
    raw = spec.get("objectives") if isinstance(spec, dict) else None
    out = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        item = item if isinstance(item, dict) else {}
        out.append((i, str(item.get("displayName") or i), _target(item)))
    return out


def objectives_of(document: dict[str, Any]) -> list[SpecObjective]:
    """Every objective of an OpenSLO SLO document, in spec order.

    The engine objectives come from :func:`ekkyo.toolkit.objectives_of`, the one mapping
    the CLI and the worker use too.
    """
    summaries = names_and_targets(document)
    keys = dict(enumerate(key for _, key in layout_of(document).objectives))
    problem = ""
    engine_objectives: dict[int, Objective] = {}
    window_text, rolling, budgeting, threshold = "", True, "Occurrences", False
    try:
        slo = specs.SLO.model_validate(document)
        window = slo.time_window
        window_text, rolling = str(window.duration), window.rolling
        budgeting = slo.spec.budgeting_method
        threshold = bool(slo.indicator and slo.indicator.spec.is_threshold)
        engine_objectives = {o.index: o.objective for o in toolkit.objectives_of(slo)}
    except (ValidationError, ValueError) as exc:
        # Stored documents were validated on import; this guards against older ones.
        problem = _first_line(exc)
    kind = "minutes" if threshold else "requests"
    if budgeting != "Occurrences":
        kind = "slices"
    return [
        SpecObjective(
            index=i,
            name=name,
            series_key=keys.get(i, ""),
            target=target,
            window_text=window_text,
            rolling=rolling,
            budgeting=budgeting,
            event_kind=kind,
            objective=engine_objectives.get(i),
            problem=problem,
        )
        for i, name, target in summaries
    ]


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error.get("loc", ()))
        return f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", ""))
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
