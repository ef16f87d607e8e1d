"""The engine's inputs: windows, thresholds, budgeting methods and objectives.

These are small frozen dataclasses that validate their own invariants, so the numeric
code never has to re-check them.  They mirror OpenSLO v1 (`timeWindow`, `budgetingMethod`,
`op`/`value`, `timeSliceTarget`, `timeSliceWindow`); the glue in ``ekkyo.api`` maps parsed
specs onto them.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE = 60

CalendarUnit = Literal["d", "w", "M", "Q", "Y"]
ThresholdOp = Literal["lt", "lte", "gt", "gte"]

CALENDAR_UNITS: tuple[str, ...] = ("d", "w", "M", "Q", "Y")
THRESHOLD_OPS: tuple[str, ...] = ("lt", "lte", "gt", "gte")


def _check_minutes(name: str, seconds: int) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValueError(f"{name} must be an int number of seconds, got {seconds!r}")
    if seconds <= 0 or seconds % MINUTE:
        raise ValueError(f"{name} must be a positive whole number of minutes, got {seconds} s")


@dataclass(frozen=True)
class RollingWindow:
    """A rolling SLO window of ``length_s`` seconds (OpenSLO ``isRolling: true``)."""

    length_s: int

    def __post_init__(self) -> None:
        _check_minutes("RollingWindow.length_s", self.length_s)


@dataclass(frozen=True)
class CalendarWindow:
    """A calendar-aligned SLO window of ``count`` ``unit`` s in ``time_zone``.

    ``anchor`` is OpenSLO's ``calendar.startTime``: periods start at ``anchor`` plus a whole
    number of ``count * unit`` (in wall-clock time of ``time_zone``).  A naive anchor is read
    as wall-clock time in ``time_zone``; an aware one is converted to it.  Without an
    anchor, periods start at local midnight, weeks on Monday, months/quarters/years on
    1 January, and multi-unit periods count from 1970-01-01 (weeks from Monday
    1970-01-05), for example ``2M`` periods are Jan-Feb, Mar-Apr, ...
    """

    unit: CalendarUnit
    count: int = 1
    time_zone: str = "UTC"
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        if self.unit not in CALENDAR_UNITS:
            raise ValueError(
                f"CalendarWindow.unit must be one of {', '.join(CALENDAR_UNITS)}, got {self.unit!r}"
            )
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"CalendarWindow.count must be an int >= 1, got {self.count!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"CalendarWindow.time_zone: unknown zone {self.time_zone!r}") from exc
        if self.anchor is not None and (self.anchor.second or self.anchor.microsecond):
            raise ValueError("CalendarWindow.anchor must fall on a whole minute")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


Window = RollingWindow | CalendarWindow


@dataclass(frozen=True)
class Threshold:
    """A threshold SLI: a bucket value is good when ``value <op> self.value`` holds."""

    op: ThresholdOp
    value: float

    def __post_init__(self) -> None:
        if self.op not in THRESHOLD_OPS:
            raise ValueError(
                f"Threshold.op must be one of {', '.join(THRESHOLD_OPS)}, got {self.op!r}"
            )
        if not math.isfinite(self.value):
            raise ValueError(f"Threshold.value must be a finite number, got {self.value!r}")


class Budgeting(enum.Enum):
    """OpenSLO ``budgetingMethod``; the values are the OpenSLO spellings."""

    OCCURRENCES = "Occurrences"
    TIMESLICES = "Timeslices"
    RATIO_TIMESLICES = "RatioTimeslices"


@dataclass(frozen=True)
class Objective:
    """One SLO objective.

    ``threshold`` None means a ratio SLI (good/total counts); otherwise the SLI is built
    from bucket values.  ``time_slice_target`` is required for a ratio SLI with
    Timeslices budgeting and rejected for Occurrences and RatioTimeslices.  For a
    threshold SLI with Timeslices it may be given (OpenSLO specs carry it) but is not
    used: SLO_MATH.md makes a threshold slice good when *every* value in it satisfies
    the threshold.
    """

    target: float
    window: Window
    budgeting: Budgeting = Budgeting.OCCURRENCES
    threshold: Threshold | None = None
    time_slice_target: float | None = None
    time_slice_window_s: int = MINUTE

    def __post_init__(self) -> None:
        if isinstance(self.target, bool) or not isinstance(self.target, int | float):
            raise ValueError(f"Objective.target must be a number, got {self.target!r}")
        if not (math.isfinite(self.target) and 0 < self.target < 1):
            # A target of 1 leaves no error budget: every ratio of SLO_MATH.md divides by 0.
            raise ValueError(f"Objective.target must be > 0 and < 1, got {self.target!r}")
        if not isinstance(self.window, RollingWindow | CalendarWindow):
            raise ValueError(
                f"Objective.window must be a RollingWindow or CalendarWindow, got {self.window!r}"
            )
        if not isinstance(self.budgeting, Budgeting):
            raise ValueError(f"Objective.budgeting must be a Budgeting, got {self.budgeting!r}")
        if self.threshold is not None and not isinstance(self.threshold, Threshold):
            raise ValueError(f"Objective.threshold must be a Threshold, got {self.threshold!r}")
        _check_minutes("Objective.time_slice_window_s", self.time_slice_window_s)
        tst = self.time_slice_target
        if self.budgeting is Budgeting.TIMESLICES:
            if tst is None and self.threshold is None:
                raise ValueError("Objective.time_slice_target is required for Timeslices budgeting")
            if tst is not None and not (math.isfinite(tst) and 0 < tst <= 1):
                raise ValueError(f"Objective.time_slice_target must be in (0, 1], got {tst!r}")
        elif tst is not None:
            raise ValueError(
                "Objective.time_slice_target applies only to Timeslices budgeting, "
                f"not {self.budgeting.value}"
            )

    @property
    def slice_minutes(self) -> int:
        """Length of a time slice in minutes (1 for Occurrences, where it is unused)."""
        if self.budgeting is Budgeting.OCCURRENCES:
            return 1
        return self.time_slice_window_s // MINUTE
