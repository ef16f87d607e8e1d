"""The SRE-practice scorecard of a stream-aligned team (pure: no Django, no I/O).

:func:`scorecard` turns plain facts about a team (its products and SLOs, alert targets,
review sessions, action items, error budget policies) and the thresholds SRE admins set
into nine checks.  Each :class:`Check` says whether it passes, fails or does not apply,
the number behind it, a ``reason`` code with the details that explain it, and a ``fix``
code naming what would make it pass; ``ekkyo.teams.wording`` words both for people and
links the fix.

The **score** is the share of applicable checks that pass.  The **level**:

* ``self-sufficient`` — score ≥ ``self_sufficient_min`` *and* the team leads its own
  review sessions (the point of the practice is that the team runs it without the SRE);
* ``practising`` — score ≥ ``practising_min``;
* ``foundation`` — otherwise, or when no check applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

PASS = "pass"
FAIL = "fail"
NOT_APPLICABLE = "n/a"

FOUNDATION = "foundation"
PRACTISING = "practising"
SELF_SUFFICIENT = "self-sufficient"
LEVELS = (FOUNDATION, PRACTISING, SELF_SUFFICIENT)

#: Check keys in the order pages list them.
CHECKS = (
    "slo_coverage",
    "agreed",
    "active",
    "alert_routing",
    "cadence",
    "self_led",
    "items_on_time",
    "policy_in_place",
    "policy_revisited",
)

#: How many names a reason lists (a page links to the rest).
MAX_NAMES = 10


@dataclass(frozen=True)
class ProductFact:
    name: str
    #: SLOs of the product that are not retired.
    slos: int


@dataclass(frozen=True)
class SloFact:
    name: str
    product: str
    lifecycle: str
    #: Signed by business and engineering in an SLI/SLO workshop.
    agreed: bool


@dataclass(frozen=True)
class SessionCounts:
    """Dashboard viewing sessions of the team's series over the look-back period."""

    series: int = 0
    #: Slots the series' cadences planned in the period (up to today).
    expected: int = 0
    held: int = 0
    #: Held sessions facilitated by a member of the team itself (not an SRE).
    self_led: int = 0


@dataclass(frozen=True)
class ItemFact:
    title: str
    due_on: date | None
    status: str
    closed_on: date | None = None


@dataclass(frozen=True)
class PolicyFact:
    product: str
    approved: bool
    revisit_on: date | None


@dataclass(frozen=True)
class TeamFacts:
    team: str
    today: date
    products: Sequence[ProductFact] = ()
    slos: Sequence[SloFact] = ()
    #: Enabled notification targets owned by the team.
    own_targets: int = 0
    sessions: SessionCounts = field(default_factory=SessionCounts)
    items: Sequence[ItemFact] = ()
    policies: Sequence[PolicyFact] = ()


@dataclass(frozen=True)
class Thresholds:
    coverage_min: float = 1.0
    agreed_min: float = 0.5
    active_min: float = 0.5
    cadence_min: float = 0.75
    self_led_min: float = 0.5
    items_on_time_min: float = 0.7
    lookback_days: int = 90
    practising_min: float = 0.5
    self_sufficient_min: float = 0.85

    def __post_init__(self) -> None:
        for name in (
            "coverage_min",
            "agreed_min",
            "active_min",
            "cadence_min",
            "self_led_min",
            "items_on_time_min",
            "practising_min",
            "self_sufficient_min",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
        if self.lookback_days < 1:
            raise ValueError(f"lookback_days must be at least 1, got {self.lookback_days!r}")
        if self.practising_min > self.self_sufficient_min:
            raise ValueError("practising_min must not exceed self_sufficient_min")


@dataclass(frozen=True)
class Check:
    key: str
    status: str
    #: The measured share (or count), when the check measures one.
    value: float | None
    threshold: float | None
    #: Why: a code with ``detail`` naming what it counted (see ``ekkyo.teams.wording``).
    reason: str
    detail: Mapping[str, Any]
    #: What would make it pass ("" when it passes).
    fix: str

    @property
    def passed(self) -> bool:
        return self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "status": self.status,
            "value": self.value,
            "threshold": self.threshold,
            "reason": self.reason,
            "detail": dict(self.detail),
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Scorecard:
    team: str
    checks: tuple[Check, ...]
    passed: int
    applicable: int
    score: float | None
    level: str

    def check(self, key: str) -> Check:
        return next(c for c in self.checks if c.key == key)

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "score": self.score,
            "level": self.level,
            "passed": self.passed,
            "applicable": self.applicable,
            "checks": [c.as_dict() for c in self.checks],
        }


def _names(names: Sequence[str]) -> list[str]:
    return sorted(names)[:MAX_NAMES]


def _share_check(
    key: str,
    num: int,
    den: int,
    threshold: float,
    *,
    reason: str,
    fix: str,
    detail: Mapping[str, Any],
) -> Check:
    share = num / den
    ok = share >= threshold
    return Check(
        key, PASS if ok else FAIL, share, threshold, reason, dict(detail), "" if ok else fix
    )


def _live(facts: TeamFacts) -> list[SloFact]:
    return [s for s in facts.slos if s.lifecycle != "retired"]


def check_slo_coverage(facts: TeamFacts, t: Thresholds) -> Check:
    if not facts.products:
        return Check("slo_coverage", FAIL, None, t.coverage_min, "no_products", {}, "add_product")
    missing = [p.name for p in facts.products if p.slos == 0]
    covered = len(facts.products) - len(missing)
    return _share_check(
        "slo_coverage",
        covered,
        len(facts.products),
        t.coverage_min,
        reason="coverage",
        fix="run_workshop",
        detail={"covered": covered, "total": len(facts.products), "missing": _names(missing)},
    )


def check_agreed(facts: TeamFacts, t: Thresholds) -> Check:
    live = _live(facts)
    if not live:
        return Check("agreed", FAIL, None, t.agreed_min, "no_slos", {}, "run_workshop")
    agreed = [s for s in live if s.agreed]
    return _share_check(
        "agreed",
        len(agreed),
        len(live),
        t.agreed_min,
        reason="agreed",
        fix="run_workshop",
        detail={
            "agreed": len(agreed),
            "total": len(live),
            "not_agreed": _names([s.name for s in live if not s.agreed]),
        },
    )


def check_active(facts: TeamFacts, t: Thresholds) -> Check:
    live = _live(facts)
    if not live:
        return Check("active", FAIL, None, t.active_min, "no_slos", {}, "run_workshop")
    active = [s for s in live if s.lifecycle == "active"]
    return _share_check(
        "active",
        len(active),
        len(live),
        t.active_min,
        reason="active",
        fix="review_trials",
        detail={
            "active": len(active),
            "total": len(live),
            "trial": _names([s.name for s in live if s.lifecycle == "trial"]),
            "draft": _names([s.name for s in live if s.lifecycle == "draft"]),
        },
    )


def check_alert_routing(facts: TeamFacts, t: Thresholds) -> Check:
    if facts.own_targets > 0:
        return Check(
            "alert_routing",
            PASS,
            float(facts.own_targets),
            None,
            "own_targets",
            {"count": facts.own_targets},
            "",
        )
    return Check("alert_routing", FAIL, 0.0, None, "no_own_targets", {}, "add_target")


def check_cadence(facts: TeamFacts, t: Thresholds) -> Check:
    s = facts.sessions
    if s.series == 0:
        return Check("cadence", FAIL, None, t.cadence_min, "no_series", {}, "start_series")
    if s.expected == 0:
        # A series that starts later, or a cadence with no slot yet: nothing to judge.
        return Check("cadence", NOT_APPLICABLE, None, t.cadence_min, "no_slots_yet", {}, "")
    # More sessions than slots (extra sessions) still means "on cadence", not more than it.
    held = min(s.held, s.expected)
    return _share_check(
        "cadence",
        held,
        s.expected,
        t.cadence_min,
        reason="cadence",
        fix="hold_sessions",
        detail={"held": s.held, "expected": s.expected, "days": t.lookback_days},
    )


def check_self_led(facts: TeamFacts, t: Thresholds) -> Check:
    s = facts.sessions
    if s.held == 0:
        fix = "start_series" if s.series == 0 else "hold_sessions"
        return Check("self_led", FAIL, None, t.self_led_min, "none_held", {}, fix)
    return _share_check(
        "self_led",
        s.self_led,
        s.held,
        t.self_led_min,
        reason="self_led",
        fix="rotate_facilitator",
        detail={"self_led": s.self_led, "held": s.held, "days": t.lookback_days},
    )


def check_items_on_time(facts: TeamFacts, t: Thresholds) -> Check:
    # Items that fell due in the look-back period (before today, so each could have been
    # closed on time); dropped items were decided against, not late.
    start = facts.today - timedelta(days=t.lookback_days)
    due = [
        i
        for i in facts.items
        if i.due_on is not None and start <= i.due_on < facts.today and i.status != "dropped"
    ]
    if not due:
        return Check(
            "items_on_time",
            NOT_APPLICABLE,
            None,
            t.items_on_time_min,
            "none_due",
            {"days": t.lookback_days},
            "",
        )
    on_time = [
        i
        for i in due
        if i.status == "done"
        and i.closed_on is not None
        and i.due_on is not None
        and i.closed_on <= i.due_on
    ]
    late = [i.title for i in due if i not in on_time]
    return _share_check(
        "items_on_time",
        len(on_time),
        len(due),
        t.items_on_time_min,
        reason="items_on_time",
        fix="triage_items",
        detail={"on_time": len(on_time), "due": len(due), "late": _names(late)},
    )


def _products_with_active_slos(facts: TeamFacts) -> list[str]:
    return sorted({s.product for s in facts.slos if s.lifecycle == "active"})


def check_policy_in_place(facts: TeamFacts, t: Thresholds) -> Check:
    needed = _products_with_active_slos(facts)
    if not needed:
        return Check("policy_in_place", NOT_APPLICABLE, None, None, "no_active_slos", {}, "")
    approved = {p.product for p in facts.policies if p.approved}
    missing = [p for p in needed if p not in approved]
    ok = not missing
    return Check(
        "policy_in_place",
        PASS if ok else FAIL,
        (len(needed) - len(missing)) / len(needed),
        1.0,
        "policies",
        {"covered": len(needed) - len(missing), "total": len(needed), "missing": missing},
        "" if ok else "write_policy",
    )


def check_policy_revisited(facts: TeamFacts, t: Thresholds) -> Check:
    approved = [p for p in facts.policies if p.approved]
    if not approved:
        return Check("policy_revisited", NOT_APPLICABLE, None, None, "no_policy", {}, "")
    overdue = [
        {"product": p.product, "revisit_on": p.revisit_on.isoformat() if p.revisit_on else None}
        for p in sorted(approved, key=lambda p: p.product)
        if p.revisit_on is None or p.revisit_on < facts.today
    ]
    ok = not overdue
    return Check(
        "policy_revisited",
        PASS if ok else FAIL,
        (len(approved) - len(overdue)) / len(approved),
        1.0,
        "revisits",
        {"on_time": len(approved) - len(overdue), "total": len(approved), "overdue": overdue},
        "" if ok else "revisit_policy",
    )


_CHECKS = (
    check_slo_coverage,
    check_agreed,
    check_active,
    check_alert_routing,
    check_cadence,
    check_self_led,
    check_items_on_time,
    check_policy_in_place,
    check_policy_revisited,
)


def level_for(score: float | None, self_led: bool, thresholds: Thresholds) -> str:
    if score is None:
        return FOUNDATION
    if score >= thresholds.self_sufficient_min and self_led:
        return SELF_SUFFICIENT
    if score >= thresholds.practising_min:
        return PRACTISING
    return FOUNDATION


def scorecard(facts: TeamFacts, thresholds: Thresholds | None = None) -> Scorecard:
    """Every check of one team, its score and level (see the module docstring)."""
    t = thresholds or Thresholds()
    checks = tuple(check(facts, t) for check in _CHECKS)
    applicable = [c for c in checks if c.status != NOT_APPLICABLE]
    passed = sum(1 for c in applicable if c.passed)
    score = passed / len(applicable) if applicable else None
    self_led = next(c for c in checks if c.key == "self_led").passed
    return Scorecard(
        team=facts.team,
        checks=checks,
        passed=passed,
        applicable=len(applicable),
        score=score,
        level=level_for(score, self_led, t),
    )


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week: snapshots are one per team and week."""
    return day - timedelta(days=day.weekday())
