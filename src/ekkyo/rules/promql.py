"""PromQL for an SLI over a window: error ratios, and error and total event rates.

How an OpenSLO query becomes a windowed expression depends on what it returns, the same
way ekkyo's Prometheus source reads it (``ekkyo.sources.prometheus``):

- a Sloth template (``{{.window}}`` in it): the window is substituted, as Sloth does;
- ``counter: true``: the query returns counters, so the window's events are
  ``sum(rate(<selector>[<window>]))`` (any other expression goes through a subquery,
  ``rate((<query>)[<window>:1m])``, treated as a counter like the source does);
- otherwise (``counter: false`` or unset): the query's value at the end of a minute is that
  minute's count, so the window's events are ``sum_over_time((<query>)[<window>:1m])``;
- ``raw`` ratios without a template are averaged over the window's minutes.

Numerators fall back to ``vector(0)`` when no series matches (a 5xx counter is often
created by its first error), and denominators are ``> 0`` so that a window without traffic
has no ratio (never ``NaN`` or ``+Inf``, which would spoil the period's averages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ekkyo import specs
from ekkyo.rules.common import DAY, CompileError, Loc, Note, Unsupported, prom_duration

WINDOW_PLACEHOLDER = re.compile(r"\{\{\s*\.window\s*\}\}")
# A plain instant-vector selector: `metric`, `metric{…}` or `{…}` (no functions).
_SELECTOR = re.compile(r"^(?:[A-Za-z_:][A-Za-z0-9_:]*\s*)?(?:\{[^{}]*\})?$")
_INDICATOR: Loc = ("spec", "indicator", "spec")

Mode = Literal["template", "counter", "gauge", "raw"]


@dataclass(frozen=True)
class Windowed:
    """One query and how it is evaluated over a window."""

    query: str
    mode: Mode

    def events(self, window_s: int) -> str:
        """The window's events, in the query's own unit (Sloth templates) or per second."""
        window = prom_duration(window_s)
        query = self.query.strip()
        if self.mode == "template":
            return WINDOW_PLACEHOLDER.sub(window, query)
        if self.mode == "counter":
            if _SELECTOR.fullmatch(query):
                return f"sum(rate({query}[{window}]))"
            return f"sum(rate(({query})[{window}:1m]))"
        if self.mode == "gauge":
            # Per-minute counts summed over the window's minutes, as per-second rates so
            # that numerator and denominator of every form share a unit.
            return f"sum(sum_over_time(({query})[{window}:1m])) / {window_s}"
        # raw ratio without a template: the average of its per-minute values.
        return f"avg_over_time(({query})[{window}:1m])"

    def numerator(self, window_s: int) -> str:
        expr = self.events(window_s)
        return expr if self.mode == "template" else f"({expr}) or vector(0)"


@dataclass(frozen=True)
class Sli:
    """The error ratio of an SLI, as PromQL over any window."""

    bad: Windowed | None = None
    good: Windowed | None = None
    total: Windowed | None = None
    raw: Windowed | None = None
    raw_failure: bool = True

    @property
    def has_events(self) -> bool:
        return self.total is not None

    def error_ratio(self, window_s: int) -> str:
        if self.raw is not None:
            expr = self.raw.events(window_s)
            return f"({expr})" if self.raw_failure else f"1 - ({expr})"
        assert self.total is not None
        total = self.total.events(window_s)
        if self.bad is not None:
            # Sloth's shape: `(errors)\n/\n((total) > 0)`.
            return f"({self.bad.numerator(window_s)})\n/\n(({total}) > 0)\n"
        assert self.good is not None
        return f"1 - (\n  ({self.good.numerator(window_s)})\n  /\n  (({total}) > 0)\n)\n"

    def error_events(self, window_s: int) -> str:
        """Bad events over the window (same unit as :meth:`total_events`); 0 rather than
        nothing when there is traffic but no error series, never a value without traffic
        (a recorded 0 then would be a sample no test or dashboard expects)."""
        assert self.total is not None
        total = self.total.events(window_s)
        zero = f"0 * ({total})"
        if self.bad is not None:
            return f"({self.bad.events(window_s)}) or on() ({zero})"
        assert self.good is not None
        return f"({total}) - (({self.good.events(window_s)}) or on() ({zero}))"

    def total_events(self, window_s: int) -> str:
        assert self.total is not None
        return self.total.events(window_s)


def sli_of(slo: specs.SLO, notes: list[Note]) -> Sli:
    """The :class:`Sli` of an SLO whose metric sources are all Prometheus.

    Raises :class:`CompileError` for an SLI that has no Prometheus form.
    """
    indicator = slo.indicator
    assert indicator is not None  # LoadResult.slos resolve it
    ratio = indicator.spec.ratio_metric
    if ratio is None:
        raise Unsupported(
            slo.name,
            (*_INDICATOR, "thresholdMetric"),
            "threshold SLIs are not compiled to Prometheus rules (Sloth has no such SLI); "
            "record the per-minute good/total counts and use a ratioMetric",
        )
    counter = bool(ratio.counter)

    def windowed(metric: specs.Metric | None, key: str) -> Windowed | None:
        if metric is None:
            return None
        loc: Loc = (*_INDICATOR, "ratioMetric", key, "metricSource", "spec", "query")
        query = metric.metric_source.spec.get("query")
        if not isinstance(query, str) or not query.strip():
            raise CompileError(slo.name, loc, "a Prometheus metric source needs a query")
        if WINDOW_PLACEHOLDER.search(query):
            return Windowed(query, "template")
        if key == "raw":
            return Windowed(query, "raw")
        if counter and not _SELECTOR.fullmatch(query.strip()):
            notes.append(
                Note(
                    slo.name,
                    f"ratioMetric.{key}: counter query {query.strip()!r} is not a plain "
                    "selector; it is read as one counter through a subquery (a plain "
                    'selector such as http_requests_total{job="x"} is exact and cheaper)',
                )
            )
        return Windowed(query, "counter" if counter else "gauge")

    return Sli(
        bad=windowed(ratio.bad, "bad"),
        good=windowed(ratio.good, "good"),
        total=windowed(ratio.total, "total"),
        raw=windowed(ratio.raw, "raw"),
        raw_failure=ratio.raw_type != "success",
    )


def check_budgeting(slo: specs.SLO) -> None:
    if slo.budgeting_method != "Occurrences":
        raise Unsupported(
            slo.name,
            ("spec", "budgetingMethod"),
            f"budgetingMethod {slo.budgeting_method} is not compiled to Prometheus rules: "
            "recording rules count events (Occurrences)",
        )


def period_note(slo: specs.SLO, seconds: int) -> Note:
    window = slo.time_window.duration
    return Note(
        slo.name,
        f"calendar window {window} compiled as a rolling {prom_duration(seconds)} window "
        f"({seconds // DAY} days): Prometheus rules can only roll",
    )
