"""Which series an SLO's buckets belong to, and what kind of buckets they are.

A *series* is ``(slo, objective_key)``.  In the normal case every objective of an SLO
measures the SLO's own indicator, so they share one series with key ``""``: pushing
``objective: "fast"`` or ``objective: 1`` or nothing at all lands in the same place.  Only
an objective with an indicator of its own (``indicator``/``indicatorRef`` on the
objective) gets its own series, keyed by its ``displayName`` or, without one, its index
(``"0"``, ``"1"`` …), the same name ``ekkyo evaluate`` reports it under.

Pure: works on the OpenSLO document as stored in ``catalog.SLO.spec``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["counts", "value", "any"]


class ObjectiveError(ValueError):
    """The objective named in a bucket does not pick one series of the SLO."""


def _kind_of(indicator: Any) -> Kind:
    spec = indicator.get("spec") if isinstance(indicator, dict) else None
    if not isinstance(spec, dict):
        return "any"
    ratio = spec.get("ratioMetric")
    if isinstance(ratio, dict):
        # A `raw` ratio is one precomputed number per minute, not counts.
        return "value" if "raw" in ratio and "total" not in ratio else "counts"
    if isinstance(spec.get("thresholdMetric"), dict):
        return "value"
    return "any"


@dataclass(frozen=True)
class SeriesLayout:
    """The series of one SLO: objective names → series key, and each series' kind."""

    # (name used in evaluate output, series key) per objective, in spec order.
    objectives: tuple[tuple[str, str], ...]
    kinds: dict[str, Kind] = field(default_factory=dict)
    # The key used when a bucket names no objective; None when that is ambiguous.
    default_key: str | None = ""

    def resolve(self, objective: str | int | None) -> str:
        """The series key for ``objective`` (displayName or index), or ObjectiveError."""
        if objective is None:
            if self.default_key is None:
                names = ", ".join(repr(name) for name, _ in self.objectives)
                raise ObjectiveError(
                    f"objective is required: this SLO's objectives have their own "
                    f"indicators ({names})"
                )
            return self.default_key
        if isinstance(objective, bool) or not isinstance(objective, str | int):
            raise ObjectiveError("objective must be an objective's displayName or its index")
        if isinstance(objective, str):
            for name, key in self.objectives:
                if name == objective:
                    return key
            if not objective.isdigit():
                raise ObjectiveError(self._unknown(objective))
            objective = int(objective)
        if 0 <= objective < len(self.objectives):
            return self.objectives[objective][1]
        raise ObjectiveError(self._unknown(objective))

    def kind(self, key: str) -> Kind:
        return self.kinds.get(key, "any")

    def _unknown(self, objective: str | int) -> str:
        names = [name for name, _ in self.objectives]
        listed = ", ".join(repr(n) for n in names) if names else "none"
        return f"unknown objective {objective!r} (objectives: {listed}; or an index from 0)"


def layout_of(document: dict[str, Any]) -> SeriesLayout:
    """The :class:`SeriesLayout` of an OpenSLO SLO document (``catalog.SLO.spec``)."""
    spec = document.get("spec") if isinstance(document, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    raw_objectives = spec.get("objectives")
    raw_objectives = raw_objectives if isinstance(raw_objectives, list) else []
    own = spec.get("indicator")
    has_own = own is not None or spec.get("indicatorRef") is not None
    kinds: dict[str, Kind] = {}
    if has_own or not raw_objectives:
        kinds[""] = _kind_of(own) if own is not None else "any"
    objectives: list[tuple[str, str]] = []
    separate = 0
    for i, obj in enumerate(raw_objectives):
        obj = obj if isinstance(obj, dict) else {}
        name = obj.get("displayName")
        name = name if isinstance(name, str) and name else str(i)
        if obj.get("indicator") is not None or obj.get("indicatorRef") is not None:
            objectives.append((name, name))
            kinds[name] = _kind_of(obj.get("indicator"))
            separate += 1
        else:
            objectives.append((name, ""))
            kinds.setdefault("", _kind_of(own))
    # Without a shared indicator, leaving `objective` out is only clear for a lone objective.
    default: str | None = ""
    if "" not in kinds:
        default = objectives[0][1] if len(objectives) == 1 else None
    return SeriesLayout(tuple(objectives), kinds, default)


def resolve_objective(document: dict[str, Any], objective: str | int | None) -> str:
    """The series key that ``objective`` (displayName, index or None) of an SLO writes to."""
    return layout_of(document).resolve(objective)
