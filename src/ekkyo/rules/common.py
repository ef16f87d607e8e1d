"""What every compiler shares: options, notes and errors, SLO identities, periods, labels.

Pure: no Django, no I/O.  An SLO with several objectives compiles to one Sloth-style SLO
per objective, because Sloth's labels identify one objective each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ekkyo import specs

PeriodSli = Literal["average", "events"]
Loc = tuple[str | int, ...]

# What a month, a quarter and a year become in rules that can only roll (see
# docs/rules.md): Sloth's own month, and whole multiples of it.
CALENDAR_DAYS = {"d": 1, "w": 7, "M": 30, "Q": 90, "Y": 365}
DAY = 86400


class CompileError(ValueError):
    """A spec that cannot be compiled: the SLO, the field (a path of YAML keys from the SLO
    document, OpenSLO spelling) and a message for people."""

    def __init__(self, slo: str, loc: Loc, message: str) -> None:
        self.slo = slo
        self.loc = loc
        self.message = message
        super().__init__(f"{slo}: {'.'.join(str(p) for p in loc)}: {message}")

    @property
    def field(self) -> str:
        out = ""
        for part in self.loc:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out


class Unsupported(CompileError):
    """A valid spec that this output cannot express: the SLO is skipped with a note."""


@dataclass(frozen=True)
class Note:
    """Something the user should know about the output (an SLO skipped, an approximation)."""

    slo: str
    message: str

    def __str__(self) -> str:
        return f"{self.slo}: {self.message}"


@dataclass(frozen=True)
class Identity:
    """Sloth's three identity labels of one compiled SLO objective."""

    sloth_id: str
    sloth_service: str
    sloth_slo: str

    def labels(self) -> dict[str, str]:
        return {
            "sloth_id": self.sloth_id,
            "sloth_service": self.sloth_service,
            "sloth_slo": self.sloth_slo,
        }

    def selector(self) -> str:
        """Sloth's filter, ``{sloth_id="…", sloth_service="…", sloth_slo="…"}``."""
        return "{" + ", ".join(f"{k}={quote(v)}" for k, v in self.labels().items()) + "}"


@dataclass(frozen=True)
class Period:
    """The SLO window as rules see it: a rolling length, and the note if it is a calendar
    window approximated by one."""

    seconds: int
    calendar: bool = False

    @property
    def days(self) -> float:
        return self.seconds / DAY

    @property
    def text(self) -> str:
        return prom_duration(self.seconds)


@dataclass(frozen=True)
class Target:
    """One SLO objective to compile, with everything the compilers need from its spec."""

    slo: specs.SLO
    objective_index: int
    identity: Identity
    target: float
    period: Period
    labels: dict[str, str] = field(default_factory=dict)
    from_sloth: bool = False

    @property
    def objective(self) -> specs.Objective:
        return self.slo.objectives[self.objective_index]

    @property
    def budget(self) -> float:
        return 1.0 - self.target


def period_of(slo: specs.SLO) -> Period:
    """The rolling length of ``slo``'s window; calendar windows roll over their nominal
    length (a month is 30 days, as in Sloth)."""
    window = slo.time_window
    seconds = window.duration.seconds
    if window.rolling and seconds is not None:
        return Period(seconds)
    days = CALENDAR_DAYS[window.duration.unit] * window.duration.count
    return Period(days * DAY, calendar=not window.rolling)


def is_from_sloth(slo: specs.SLO) -> bool:
    """True for SLOs imported from a Sloth spec: named ``<service>-<name>`` with the Sloth
    name as display name (see :mod:`ekkyo.specs.sloth`)."""
    name = slo.metadata.display_name
    return bool(name) and slo.name == f"{slo.spec.service}-{name}"


def targets_of(slo: specs.SLO) -> list[Target]:
    """The objectives of ``slo`` as compile targets, with Sloth's identities.

    Sloth names an imported SLO ``<service>-<name>``; its ``sloth_slo`` is the Sloth name.
    Other SLOs keep their name as ``sloth_slo``.  With several objectives each gets
    ``<slo>-<objective displayName or index>``.
    """
    sloth = is_from_sloth(slo)
    base = slo.metadata.display_name if sloth and slo.metadata.display_name else slo.name
    service = slo.spec.service
    labels = prom_labels(slo.metadata.labels)
    period = period_of(slo)
    several = len(slo.objectives) > 1
    out = []
    for index, objective in enumerate(slo.objectives):
        name = base
        if several:
            name = f"{base}-{slug(objective.display_name or str(index))}"
        identity = Identity(f"{service}-{name}", service, name)
        out.append(Target(slo, index, identity, objective.target, period, labels, from_sloth=sloth))
    return out


_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def slug(text: str) -> str:
    """A name safe in Sloth ids: runs of other characters become ``-``."""
    return _SLUG.sub("-", text).strip("-") or "_"


_LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LABEL_BAD = re.compile(r"[^A-Za-z0-9_]")
RESERVED_LABELS = frozenset(
    {"sloth_id", "sloth_service", "sloth_slo", "sloth_window", "sloth_severity"}
)


def prom_label_name(name: str) -> str | None:
    """``name`` as a Prometheus label name (other characters become ``_``), or None for
    names Prometheus reserves (``__…``)."""
    if not _LABEL_NAME.match(name):
        name = _LABEL_BAD.sub("_", name)
        if not name or name[0].isdigit():
            name = "_" + name
    return None if name.startswith("__") else name


def prom_labels(labels: Mapping[str, str | list[str]]) -> dict[str, str]:
    """OpenSLO labels as Prometheus labels: names made valid, lists joined with commas,
    Sloth's identity labels left to Sloth."""
    out: dict[str, str] = {}
    for key, value in labels.items():
        name = prom_label_name(key)
        if name is None or name in RESERVED_LABELS:
            continue
        out[name] = value if isinstance(value, str) else ",".join(value)
    return dict(sorted(out.items()))


def quote(value: str) -> str:
    """A PromQL double-quoted string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def prom_duration(seconds: int) -> str:
    """Seconds as Prometheus prints a duration (``model.Duration.String``): years and
    weeks only when exact, so 30 days is ``30d`` and 28 days ``4w``, as in Sloth's names."""
    if seconds <= 0:
        return "0s"
    ms = seconds * 1000
    out = ""
    for unit, mult, exact in (
        ("y", 365 * DAY * 1000, True),
        ("w", 7 * DAY * 1000, True),
        ("d", DAY * 1000, False),
        ("h", 3600 * 1000, False),
        ("m", 60 * 1000, False),
        ("s", 1000, False),
    ):
        if exact and ms % mult:
            continue
        count = ms // mult
        if count:
            out += f"{count}{unit}"
            ms -= count * mult
    return out


def number(value: float) -> str:
    """A float as PromQL reads it back exactly (``repr``), without a needless ``.0``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def source_type(slo: specs.SLO) -> str | None:
    """The case-folded metric source type of ``slo``'s indicator when all its queries
    share one, else None."""
    indicator = slo.indicator
    if indicator is None:
        return None
    kinds = {source.type_key for source in indicator.spec.metric_sources()}
    return kinds.pop() if len(kinds) == 1 else None


def dedupe_notes(notes: Iterable[Note]) -> list[Note]:
    return list(dict.fromkeys(notes))
