"""The small Python API: load specs, load buckets, evaluate — what the CLI is a layer over.

>>> from ekkyo import toolkit
>>> specs = toolkit.load_specs(["slos/"])            # raises SpecsInvalid listing problems
>>> data = toolkit.load_buckets("buckets.csv", specs)
>>> report = toolkit.evaluate(specs, data.by_slo)    # at the end of the data by default
>>> report.as_dict()["results"][0]["sli"]

No Django and no I/O beyond reading the files named. The mapping from a parsed OpenSLO
objective to the engine's :class:`ekkyo.engine.Objective` lives here, so the CLI, the
worker and the web pages build objectives one way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ekkyo import engine, specs
from ekkyo.engine.result import iso_utc
from ekkyo.sources.csvfile import CsvBuckets, read_bucket_csv


class SpecsInvalid(ValueError):
    """Specs that did not load; ``problems`` lists every one with its file and line."""

    def __init__(self, problems: Sequence[specs.Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class NamedObjective:
    """An engine objective with the name results carry: displayName, else its index."""

    name: str
    index: int
    objective: engine.Objective


def load_specs(paths: Sequence[str | os.PathLike[str]]) -> specs.LoadResult:
    result = specs.load_paths([os.fspath(p) for p in paths])
    if not result.ok:
        raise SpecsInvalid(result.problems)
    return result


def window_of(slo: specs.SLO) -> engine.Window:
    window = slo.spec.time_window[0]
    if window.rolling:
        seconds = window.duration.seconds
        if seconds is None:  # the spec validator rejects rolling M/Q/Y; keep mypy honest
            raise ValueError(f"{slo.name}: a rolling window needs a fixed length")
        return engine.RollingWindow(seconds)
    calendar = window.calendar
    assert calendar is not None  # a calendar window always has one (validated)
    return engine.CalendarWindow(
        unit=window.duration.unit,  # type: ignore[arg-type]
        count=window.duration.count,
        time_zone=calendar.time_zone,
        anchor=calendar.start_time,
    )


def objectives_of(slo: specs.SLO) -> list[NamedObjective]:
    """The engine objectives of ``slo``, in spec order."""
    indicator = slo.indicator
    if indicator is None:
        raise ValueError(f"{slo.name}: the indicator is not resolved")
    is_threshold = indicator.spec.is_threshold
    budgeting = engine.Budgeting(slo.spec.budgeting_method)
    window = window_of(slo)
    out = []
    for index, obj in enumerate(slo.objectives):
        threshold = None
        if is_threshold:
            if obj.op is None or obj.value is None:
                raise ValueError(f"{slo.name}: objective {index} needs op and value")
            threshold = engine.Threshold(obj.op, float(obj.value))
        slice_s = obj.time_slice_window.seconds if obj.time_slice_window else None
        out.append(
            NamedObjective(
                name=obj.display_name or str(index),
                index=index,
                objective=engine.Objective(
                    target=obj.target,
                    window=window,
                    budgeting=budgeting,
                    threshold=threshold,
                    time_slice_target=(
                        obj.time_slice_target
                        if budgeting is engine.Budgeting.TIMESLICES and not is_threshold
                        else None
                    ),
                    time_slice_window_s=slice_s or engine.model.MINUTE,
                ),
            )
        )
    return out


def objectives_of_document(document: Mapping[str, Any]) -> list[NamedObjective]:
    """The engine objectives of a stored OpenSLO SLO document (indicator inline), as the
    catalog keeps it; raises ``pydantic.ValidationError`` for a document that is not one."""
    return objectives_of(specs.SLO.model_validate(document))


def load_buckets(
    path: str | os.PathLike[str],
    loaded: specs.LoadResult | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> CsvBuckets:
    """Read a bucket CSV; with ``loaded`` specs, rows of unknown SLOs become problems."""
    known = [slo.name for slo in loaded.slos] if loaded is not None else None
    return read_bucket_csv(path, known_slos=known, progress=progress)


def _iso_seconds(text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO-8601 with a zone "
            "(2026-01-31T00:00:00Z) or Unix seconds"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z or an offset such as +09:00")
    return moment.timestamp()


def parse_time(text: str) -> int:
    """Unix seconds from ISO-8601 with a zone or from Unix seconds; a minute boundary."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = _iso_seconds(text)
    if seconds % 60:
        raise ValueError(f"{text!r} is not on a minute boundary")
    return int(seconds)


def data_end(buckets: Iterable[engine.Buckets]) -> int | None:
    """The end of the last bucket in the data (the default evaluation time)."""
    ends = [int(b.t.max()) + engine.model.MINUTE for b in buckets if len(b)]
    return max(ends) if ends else None


@dataclass(frozen=True)
class Evaluation:
    slo: str
    objective: str
    result: engine.Result

    def as_dict(self) -> dict[str, Any]:
        return {"slo": self.slo, "objective": self.objective, **self.result.as_dict()}


@dataclass(frozen=True)
class Report:
    evaluated_at: int
    evaluations: tuple[Evaluation, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``ekkyo evaluate --json`` (SLO_MATH.md)."""
        return {
            "evaluated_at": iso_utc(self.evaluated_at),
            "results": [e.as_dict() for e in self.evaluations],
        }


def series_for(buckets: engine.Buckets | None, at: int) -> engine.Series:
    if buckets is None or not len(buckets):
        return engine.Series(at, np.zeros(0), np.zeros(0), None)
    series = engine.densify(buckets, end=max(at, int(buckets.t.min()) + engine.model.MINUTE))
    has_values = bool(np.any(~np.isnan(buckets.value)))
    return series if has_values else engine.Series(series.start, series.good, series.total)


def evaluate(
    loaded: specs.LoadResult,
    buckets_by_slo: Mapping[str, engine.Buckets],
    at: int | None = None,
) -> Report:
    """Evaluate every SLO objective in spec order at ``at`` (default: end of the data)."""
    if at is None:
        at = data_end(buckets_by_slo.values())
    if at is None:
        now = int(datetime.now(UTC).timestamp())
        at = now - now % engine.model.MINUTE
    evaluations = []
    for slo in loaded.slos:
        series = series_for(buckets_by_slo.get(slo.name), at)
        for named in objectives_of(slo):
            result = engine.evaluate(series, named.objective, at=at)
            evaluations.append(Evaluation(slo.name, named.name, result))
    return Report(at, tuple(evaluations))
