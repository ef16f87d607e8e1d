"""Evaluation results: one :class:`Result` per SLO, or a columnar :class:`ResultBlock`.

Inside the engine a missing number (``null`` in SLO_MATH.md) is NaN in the columnar
arrays; :meth:`ResultBlock.row` turns it into None, so NaN never reaches a caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from ekkyo.engine.buckets import FloatArray, IntArray
from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOW_NAMES, BURN_WINDOWS, FORECAST_WINDOW

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Alert:
    """A firing alert rule, with its factor for the SLO's period."""

    severity: str
    long_window: str
    short_window: str
    factor: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "long_window": self.long_window,
            "short_window": self.short_window,
            "factor": self.factor,
        }


def iso_utc(seconds: int) -> str:
    """ISO-8601 UTC with a ``Z``, e.g. ``2026-01-01T00:00:00Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _count(x: float) -> int | float:
    # Counts are integers for Occurrences and Timeslices; RatioTimeslices sums ratios.
    return int(x) if x.is_integer() else x


@dataclass(frozen=True)
class Result:
    """Everything SLO_MATH.md's JSON result holds except the SLO and objective names.

    ``good``/``total`` count events, or slices for Timeslices budgeting (RatioTimeslices:
    ``good`` is the sum of the slices' good ratios).  ``length_s`` is ``P``: the rolling
    duration, or the whole calendar period.  Times are Unix seconds.
    """

    target: float
    window_start: int
    window_end: int
    length_s: int
    sli: float | None
    good: float
    total: float
    allowed_bad: float
    consumed_ratio: float | None
    remaining_ratio: float | None
    burn_rates: Mapping[str, float | None]
    alerts: tuple[Alert, ...]
    time_to_exhaustion_s: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values, shaped like SLO_MATH.md's result (names left to callers)."""
        return {
            "target": self.target,
            "window": {
                "start": iso_utc(self.window_start),
                "end": iso_utc(self.window_end),
                "length_s": self.length_s,
            },
            "sli": self.sli,
            "good": _count(self.good),
            "total": _count(self.total),
            "error_budget": {
                "allowed_bad": self.allowed_bad,
                "consumed_ratio": self.consumed_ratio,
                "remaining_ratio": self.remaining_ratio,
            },
            "burn_rates": dict(self.burn_rates),
            "alerts": [a.as_dict() for a in self.alerts],
            "time_to_exhaustion_s": self.time_to_exhaustion_s,
        }


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else x


@dataclass(frozen=True)
class ResultBlock:
    """Columnar results for N SLOs; NaN stands for ``null``.

    ``burn_rates`` is ``(N, 7)`` in :data:`BURN_WINDOWS` order; ``firing`` and ``factors``
    are ``(N, 4)`` in :data:`ALERT_RULES` order.
    """

    target: FloatArray
    window_start: IntArray
    window_end: IntArray
    length_s: IntArray
    sli: FloatArray
    good: FloatArray
    total: FloatArray
    allowed_bad: FloatArray
    consumed_ratio: FloatArray
    remaining_ratio: FloatArray
    burn_rates: FloatArray
    factors: FloatArray
    firing: BoolArray
    time_to_exhaustion_s: FloatArray

    def __len__(self) -> int:
        return len(self.target)

    def row(self, i: int) -> Result:
        burn = self.burn_rates[i]
        return Result(
            target=float(self.target[i]),
            window_start=int(self.window_start[i]),
            window_end=int(self.window_end[i]),
            length_s=int(self.length_s[i]),
            sli=_opt(float(self.sli[i])),
            good=float(self.good[i]),
            total=float(self.total[i]),
            allowed_bad=float(self.allowed_bad[i]),
            consumed_ratio=_opt(float(self.consumed_ratio[i])),
            remaining_ratio=_opt(float(self.remaining_ratio[i])),
            burn_rates={k: _opt(float(burn[j])) for j, k in enumerate(BURN_WINDOW_NAMES)},
            alerts=tuple(
                Alert(rule.severity, rule.long_window, rule.short_window, float(self.factors[i, j]))
                for j, rule in enumerate(ALERT_RULES)
                if self.firing[i, j]
            ),
            time_to_exhaustion_s=_opt(float(self.time_to_exhaustion_s[i])),
        )

    def rows(self) -> Iterator[Result]:
        for i in range(len(self)):
            yield self.row(i)

    def take(self, index: npt.ArrayLike) -> ResultBlock:
        """The rows at ``index``, in that order."""
        ix = np.asarray(index)
        return ResultBlock(**{name: getattr(self, name)[ix] for name in self.__dataclass_fields__})


_BURN_INDEX = {name: i for i, name in enumerate(BURN_WINDOW_NAMES)}
_LONG = np.array([_BURN_INDEX[r.long_window] for r in ALERT_RULES])
_SHORT = np.array([_BURN_INDEX[r.short_window] for r in ALERT_RULES])
_NUM = np.array([[r.budget_fraction.numerator] for r in ALERT_RULES], dtype=np.float64)
_DEN = np.array(
    [[r.budget_fraction.denominator * BURN_WINDOWS[r.long_window]] for r in ALERT_RULES],
    dtype=np.float64,
)


def _ratio(num: FloatArray, den: FloatArray, where: BoolArray) -> FloatArray:
    """``num / den`` where ``where`` holds, NaN elsewhere (no 0/0 warnings)."""
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=where)
    return out


def assemble(
    target: FloatArray,
    window_start: IntArray,
    window_end: IntArray,
    length_s: IntArray,
    good: FloatArray,
    total: FloatArray,
    burn_good: FloatArray,
    burn_total: FloatArray,
) -> ResultBlock:
    """Turn window sums into every quantity of SLO_MATH.md, vectorised over rows.

    ``good``/``total`` are the SLO window's event sums (N,); ``burn_good``/``burn_total``
    those of the burn windows, window-major (7, N) so every operation runs along N.
    """
    budget = 1.0 - target
    has = total > 0
    sli = _ratio(good, total, has)
    allowed_bad = budget * total
    consumed = _ratio(total - good, allowed_bad, has)
    remaining = 1.0 - consumed

    # burn = (bad / total) / (1 - target), in that order of operations (SLO_MATH.md).
    burn = _ratio(burn_total - burn_good, burn_total, burn_total > 0)
    burn /= budget

    # factor = budget_fraction * P / long_window from exact integers (below 2**53, so exact
    # in float64 too), rounded once by the division (see AlertRule.factor).
    factors = (_NUM * length_s) / _DEN
    # NaN compares False, so a window without data never fires.
    firing = (burn[_LONG] > factors) & (burn[_SHORT] > factors)

    b = burn[_BURN_INDEX[FORECAST_WINDOW]]
    tte = _ratio(remaining * length_s, b, b > 0)
    # Out of budget means exhausted now, whatever the burn rate (even without data).
    tte[remaining <= 0] = 0.0
    return ResultBlock(
        target=target,
        window_start=window_start,
        window_end=window_end,
        length_s=length_s,
        sli=sli,
        good=good,
        total=total,
        allowed_bad=allowed_bad,
        consumed_ratio=consumed,
        remaining_ratio=remaining,
        burn_rates=burn.T,
        factors=factors.T,
        firing=firing.T,
        time_to_exhaustion_s=tte,
    )
