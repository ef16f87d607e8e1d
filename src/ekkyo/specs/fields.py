"""Value types of OpenSLO fields: names, ratios, durations, time zones and their checks.

Each is an ``Annotated`` type whose validator raises :func:`~ekkyo.specs.problems.spec_error`
with a message for people; :mod:`ekkyo.specs.model` builds the objects from them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import zoneinfo
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainValidator

from ekkyo.specs.durations import Duration, DurationError, parse_duration
from ekkyo.specs.problems import describe, spec_error

MAX_DESCRIPTION = 1050
MAX_NAME = 255


def _check_name(value: str) -> str:
    if not value:
        raise spec_error("a name cannot be empty")
    if len(value) > MAX_NAME:
        raise spec_error(f"a name has at most {MAX_NAME} characters, got {len(value)}")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise spec_error(f"a name cannot contain spaces or control characters: {value!r}")
    return value


def _check_description(value: str) -> str:
    if len(value) > MAX_DESCRIPTION:
        raise spec_error(f"at most {MAX_DESCRIPTION} characters, got {len(value)}")
    return value


def none_as_empty(factory: type) -> BeforeValidator:
    # `alertPolicies:` with nothing after it is YAML null; OpenSLO files write that for
    # "none", so an empty value means an empty list or mapping.
    return BeforeValidator(lambda value: factory() if value is None else value)


def _label_value(value: Any) -> str | list[str]:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise spec_error(f"a label value is a string or a list of strings, got {describe(value)}")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise spec_error(f"must be a finite number, got {value}")
    return value


def _open_unit(value: float) -> float:
    if not 0 < value < 1:
        raise spec_error(f"must be between 0 and 1 (both excluded), got {value}")
    return value


def _open_percent(value: float) -> float:
    # A percent so small that it is 0 as a ratio (5e-324 / 100) is 0 for the engine too.
    if not 0 < value < 100 or value / 100 == 0:
        raise spec_error(f"must be between 0 and 100 (both excluded), got {value}")
    return value


def _slice_target(value: float) -> float:
    if not 0 < value <= 1:
        raise spec_error(f"must be greater than 0 and at most 1, got {value}")
    return value


def _minutes_if_number(value: Any) -> Any:
    # OpenSLO: "timeSliceWindow: number | duration-shorthand", a bare number is minutes.
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise spec_error(f"must be a positive number of minutes, got {value}")
        return Duration(value, "m")
    return value


def _alert_after(value: Any) -> Any:
    # alertAfter defaults to 0m in OpenSLO, so a zero count is allowed here.
    if isinstance(value, str):
        try:
            return parse_duration(value, allow_zero=True)
        except DurationError as exc:
            raise spec_error(str(exc)) from None
    return value


def _start_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise spec_error(
                f"expected a date and time such as 2024-01-01 00:00:00, got {value!r}"
            ) from None
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        raise spec_error("startTime has no UTC offset: the time zone comes from timeZone")
    return value


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        names = _zone_names()
        near = [n for n in names if n.lower() == value.lower()]
        near = near or difflib.get_close_matches(value, sorted(names), n=1, cutoff=0.8)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise spec_error(f"unknown time zone {value!r}{hint}") from None
    return value


Name = Annotated[str, AfterValidator(_check_name)]
Description = Annotated[str, AfterValidator(_check_description)]
LabelValue = Annotated[str | list[str], PlainValidator(_label_value)]
Labels = Annotated[dict[str, LabelValue], none_as_empty(dict)]
StringMap = Annotated[dict[str, str], none_as_empty(dict)]
FreeForm = Annotated[dict[str, Any], none_as_empty(dict)]
Finite = Annotated[float, AfterValidator(_finite)]
Ratio = Annotated[float, AfterValidator(_open_unit)]
Percent = Annotated[float, AfterValidator(_open_percent)]
SliceTarget = Annotated[float, AfterValidator(_slice_target)]
SliceWindow = Annotated[Duration, BeforeValidator(_minutes_if_number)]
AlertAfter = Annotated[Duration, BeforeValidator(_alert_after)]
StartTime = Annotated[dt.datetime, BeforeValidator(_start_time)]
TimeZoneName = Annotated[str, AfterValidator(_time_zone)]


def percent_to_ratio(percent: float) -> float:
    """``99.9`` → ``0.999``, through decimals so that the ratio is the one the user meant
    (plain ``99.9 / 100`` is ``0.9990000000000001``)."""
    return float(Decimal(repr(percent)) / 100)
