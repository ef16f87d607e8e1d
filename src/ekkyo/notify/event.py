"""The message model: one :class:`AlertEvent` per alert state change to notify about.

The worker builds an event from the engine's result and the alert state machine; the
builders in this package turn it into a Slack, PagerDuty or webhook payload.  Events are
plain frozen values (no I/O, no clock): everything time-related is passed in as ISO-8601
UTC strings, so an event rebuilt from an outbox row is identical to the first one.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from typing import Any, Final, Literal, NoReturn, get_args

Severity = Literal["page", "ticket"]
State = Literal["pending", "firing", "resolved"]
Language = Literal["en", "ja"]

SEVERITIES: Final = get_args(Severity)
STATES: Final = get_args(State)
LANGUAGES: Final = get_args(Language)

#: Prefix of every dedup key, so ekkyo's alerts are recognisable among a service's others.
DEDUP_PREFIX: Final = "ekkyo:v1:"

# Second precision with a literal Z, the form the engine's `iso_utc` writes.  One exact form
# keeps dedup/event ids stable and PagerDuty/Slack timestamps unambiguous.
_ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_WINDOW = re.compile(r"\d+[smhdw]")


@dataclass(frozen=True)
class BurnRule:
    """The multi-window rule an alert belongs to (a row of SLO_MATH.md's alert table)."""

    long_window: str
    short_window: str
    factor: float

    def __post_init__(self) -> None:
        for name in ("long_window", "short_window"):
            if not _WINDOW.fullmatch(getattr(self, name)):
                raise ValueError(f"rule.{name}: expected a duration like '1h' or '5m'")
        if not (math.isfinite(self.factor) and self.factor > 0):
            raise ValueError("rule.factor: expected a positive finite number")


def dedup_key(slo: str, objective: str, severity: str, rule: BurnRule) -> str:
    """The stable key that ties an alert's trigger, re-notifications and resolve together.

    ``"ekkyo:v1:" + sha256(canonical JSON of [slo, objective, severity, long_window,
    short_window])`` as 64 lower-case hex digits; the JSON is UTF-8 with no spaces and no
    ASCII escaping, e.g. ``["checkout-availability","availability","page","1h","5m"]``.
    The factor is left out on purpose: it depends on the SLO's period, and editing the
    period must not orphan an open incident.  A hash (not the names joined) keeps the key
    under PagerDuty's 255 characters and free of separator ambiguity for any names.
    """
    canonical = json.dumps(
        [slo, objective, severity, rule.long_window, rule.short_window],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return DEDUP_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AlertEvent:
    """One alert state change of one SLO objective and rule.

    ``burn_rates`` maps window names (``"1h"``, ``"5m"`` …) to the burn rates at
    ``occurred_at`` (``None`` for a window without data); it must hold at least the rule's
    two windows.  ``budget_remaining`` is the error budget's ``remaining_ratio`` (may be
    negative).  ``started_at`` is when the alert began (its pending or firing start);
    ``occurred_at`` is when this change happened (for ``resolved``: the resolve time).
    ``trial`` marks an SLO in trial operation, whose alerts page no one.
    """

    slo: str
    slo_display_name: str
    service: str
    team: str
    objective: str
    target: float
    severity: Severity
    rule: BurnRule
    state: State
    burn_rates: Mapping[str, float | None]
    sli: float | None
    budget_remaining: float | None
    started_at: str
    occurred_at: str
    slo_url: str
    language: Language = "en"
    trial: bool = False

    def __post_init__(self) -> None:
        for name in ("slo", "slo_display_name", "service", "team", "objective"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name}: expected a non-empty string")
        if not (isinstance(self.target, int | float) and 0 < self.target < 1):
            raise ValueError("target: expected a number between 0 and 1 (exclusive)")
        _check_choice("severity", self.severity, SEVERITIES)
        _check_choice("state", self.state, STATES)
        _check_choice("language", self.language, LANGUAGES)
        if not isinstance(self.rule, BurnRule):
            raise ValueError("rule: expected a BurnRule")
        rates = dict(self.burn_rates)
        for window, rate in rates.items():
            _check_number(f"burn_rates[{window!r}]", rate)
        for window in (self.rule.long_window, self.rule.short_window):
            if window not in rates:
                raise ValueError(f"burn_rates: missing the rule's window {window!r}")
        _check_number("sli", self.sli)
        _check_number("budget_remaining", self.budget_remaining)
        for name in ("started_at", "occurred_at"):
            _check_iso_utc(name, getattr(self, name))
        if self.started_at > self.occurred_at:  # same fixed format: text order is time order
            raise ValueError("started_at: must not be after occurred_at")
        if not self.slo_url.startswith(("https://", "http://")):
            raise ValueError("slo_url: expected an http:// or https:// URL")
        if not isinstance(self.trial, bool):
            raise ValueError("trial: expected true or false")
        # A read-only copy: the caller's dict can change later without changing the event.
        object.__setattr__(self, "burn_rates", BurnRates(rates))

    @property
    def dedup_key(self) -> str:
        """See :func:`dedup_key`."""
        return dedup_key(self.slo, self.objective, self.severity, self.rule)

    @property
    def event_id(self) -> str:
        """Identifies this notification: the same for every retry, new for each change.

        ``sha256(dedup_key + "|" + state + "|" + occurred_at)`` as 64 hex digits; a webhook
        receiver uses it to drop the duplicates that retries after a timeout can cause.
        """
        raw = f"{self.dedup_key}|{self.state}|{self.occurred_at}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values, e.g. for an outbox row; :meth:`from_dict` reverses it."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["rule"] = {
            "long_window": self.rule.long_window,
            "short_window": self.rule.short_window,
            "factor": self.rule.factor,
        }
        data["burn_rates"] = dict(self.burn_rates)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertEvent:
        """The event :meth:`to_dict` gave; ValueError naming the field on bad input."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"{unknown[0]}: not a field of an alert event")
        required = [f.name for f in fields(cls) if f.default is MISSING]
        missing = [name for name in required if name not in data]
        if missing:
            raise ValueError(f"{missing[0]}: missing")
        rule = data.get("rule")
        if not isinstance(rule, Mapping):
            raise ValueError("rule: expected an object with long_window, short_window, factor")
        try:
            burn_rule = BurnRule(rule["long_window"], rule["short_window"], rule["factor"])
        except KeyError as exc:
            raise ValueError(f"rule.{exc.args[0]}: missing") from exc
        burn_rates = data.get("burn_rates")
        if not isinstance(burn_rates, Mapping):
            raise ValueError("burn_rates: expected an object of window to number or null")
        return cls(**{**data, "rule": burn_rule, "burn_rates": burn_rates})

    @property
    def long_burn_rate(self) -> float | None:
        return self.burn_rates[self.rule.long_window]

    @property
    def short_burn_rate(self) -> float | None:
        return self.burn_rates[self.rule.short_window]


class BurnRates(dict[str, float | None]):
    """A dict that refuses changes, so a frozen event's burn rates stay as they were.

    A dict subclass (not a MappingProxyType) so ``json.dumps``, ``dataclasses.asdict``
    and ``copy.deepcopy`` keep working on events.
    """

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("an alert event's burn rates cannot be changed")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[BurnRates], tuple[dict[str, float | None]]]:
        return (BurnRates, (dict(self),))


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(choices)} (got {value!r})")


def _check_number(name: str, value: object) -> None:
    # NaN/inf would make invalid JSON (json.dumps writes NaN), so they never get in.
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number or None (got {value!r})")


def _check_iso_utc(name: str, value: object) -> None:
    if not isinstance(value, str) or not _ISO_UTC.fullmatch(value):
        raise ValueError(f"{name}: expected ISO-8601 UTC like 2026-01-31T09:00:00Z")
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as exc:
        raise ValueError(f"{name}: not a real date and time ({value})") from exc
