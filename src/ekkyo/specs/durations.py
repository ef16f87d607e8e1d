"""OpenSLO duration shorthands such as ``28d``, ``5m`` or ``1Q``.

A duration is a positive whole number followed by one case-sensitive unit: ``s`` seconds,
``m`` minutes, ``h`` hours, ``d`` days, ``w`` weeks, ``M`` months, ``Q`` quarters, ``Y``
years.  Months, quarters and years have no fixed length (it depends on the calendar), so
their :attr:`Duration.seconds` is ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from ekkyo.specs.problems import describe, spec_error

UNIT_SECONDS: dict[str, int | None] = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "M": None,
    "Q": None,
    "Y": None,
}
UNITS = "".join(UNIT_SECONDS)
_SHAPE = re.compile(r"([0-9]+)([A-Za-z]+)")
_HINT = f"a positive whole number followed by one of {', '.join(UNITS)} (e.g. 28d)"


class DurationError(ValueError):
    """A duration shorthand that does not parse; the message says why."""


@dataclass(frozen=True)
class Duration:
    """A parsed duration shorthand: ``count`` of ``unit``."""

    count: int
    unit: str

    @property
    def seconds(self) -> int | None:
        """Length in seconds, or ``None`` for the calendar units M, Q and Y."""
        per_unit = UNIT_SECONDS[self.unit]
        return None if per_unit is None else self.count * per_unit

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_duration,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def parse_duration(text: str, *, allow_zero: bool = False) -> Duration:
    """Parse ``text`` such as ``"28d"``; raise :class:`DurationError` with a helpful message.

    ``allow_zero`` admits a count of 0 (OpenSLO's ``alertAfter`` defaults to ``0m``).
    """
    match = _SHAPE.fullmatch(text)
    if match is None:
        raise DurationError(f"invalid duration {text!r}: expected {_HINT}")
    count, unit = int(match.group(1)), match.group(2)
    if unit not in UNIT_SECONDS:
        hint = ""
        # A wrong-case unit is the common slip (``1D``); say which one was meant.
        if unit.lower() in UNIT_SECONDS and unit.lower() != unit:
            hint = f"; units are case-sensitive, did you mean '{count}{unit.lower()}'?"
        elif unit.upper() in UNIT_SECONDS and unit.upper() != unit:
            hint = f"; units are case-sensitive, did you mean '{count}{unit.upper()}'?"
        raise DurationError(f"invalid duration {text!r}: unknown unit {unit!r}{hint}")
    if count == 0 and not allow_zero:
        raise DurationError(f"invalid duration {text!r}: the count must be positive")
    return Duration(count, unit)


def _validate_duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise spec_error(f"expected a duration such as 28d, got {describe(value)}")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise spec_error(str(exc)) from None
