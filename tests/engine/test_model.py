"""Objective and window invariants are checked when they are built."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ekkyo.engine import Budgeting, CalendarWindow, Objective, RollingWindow, Threshold

ROLLING = RollingWindow(86400)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Objective(0.0, ROLLING), "target"),
        (lambda: Objective(1.0, ROLLING), "target"),
        (lambda: Objective(1.5, ROLLING), "target"),
        (lambda: Objective(float("nan"), ROLLING), "target"),
        (lambda: Objective(0.99, "30d"), "window"),
        (lambda: RollingWindow(0), "length_s"),
        (lambda: RollingWindow(90), "length_s"),
        (lambda: CalendarWindow("x"), "unit"),
        (lambda: CalendarWindow("M", count=0), "count"),
        (lambda: CalendarWindow("M", time_zone="Mars/Olympus_Mons"), "time_zone"),
        (lambda: CalendarWindow("M", anchor=datetime(2026, 1, 1, 0, 0, 30)), "anchor"),
        (lambda: Threshold("eq", 1.0), "op"),
        (lambda: Threshold("lt", float("inf")), "value"),
        (lambda: Objective(0.99, ROLLING, Budgeting.TIMESLICES), "time_slice_target"),
        (
            lambda: Objective(0.99, ROLLING, Budgeting.TIMESLICES, time_slice_target=0.0),
            "time_slice_target",
        ),
        (
            lambda: Objective(0.99, ROLLING, Budgeting.TIMESLICES, time_slice_target=1.5),
            "time_slice_target",
        ),
        (lambda: Objective(0.99, ROLLING, time_slice_target=0.9), "time_slice_target"),
        (
            lambda: Objective(0.99, ROLLING, Budgeting.RATIO_TIMESLICES, time_slice_target=0.9),
            "time_slice_target",
        ),
        (lambda: Objective(0.99, ROLLING, time_slice_window_s=30), "time_slice_window_s"),
    ],
)
def test_it_rejects_invalid_input_naming_the_field(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_it_accepts_a_threshold_timeslice_objective_without_a_slice_target() -> None:
    objective = Objective(0.99, ROLLING, Budgeting.TIMESLICES, threshold=Threshold("lt", 300.0))

    assert objective.time_slice_target is None


def test_it_reads_budgeting_methods_by_their_openslo_names() -> None:
    assert Budgeting("RatioTimeslices") is Budgeting.RATIO_TIMESLICES
