"""ekkyo's SLO engine: pure numpy, exactly the definitions of SLO_MATH.md.

See ``docs/engine.md`` for the API and the choices made where SLO_MATH.md is silent.
"""

from ekkyo.engine.buckets import Buckets
from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOW_NAMES, BURN_WINDOWS, AlertRule
from ekkyo.engine.calendar import Period, period_containing
from ekkyo.engine.evaluation import SloWindow, evaluate, evaluate_block, slo_window
from ekkyo.engine.incremental import IncrementalEvaluator
from ekkyo.engine.model import (
    Budgeting,
    CalendarWindow,
    Objective,
    RollingWindow,
    Threshold,
    Window,
)
from ekkyo.engine.result import Alert, Result, ResultBlock
from ekkyo.engine.series import Series, densify

__all__ = [
    "ALERT_RULES",
    "BURN_WINDOWS",
    "BURN_WINDOW_NAMES",
    "Alert",
    "AlertRule",
    "Buckets",
    "Budgeting",
    "CalendarWindow",
    "IncrementalEvaluator",
    "Objective",
    "Period",
    "Result",
    "ResultBlock",
    "RollingWindow",
    "Series",
    "SloWindow",
    "Threshold",
    "Window",
    "densify",
    "evaluate",
    "evaluate_block",
    "period_containing",
    "slo_window",
]
