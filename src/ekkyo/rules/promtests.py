"""``promtool test rules`` files that prove the compiled alerts follow SLO_MATH.md.

For every compiled SLO objective and every rule of :data:`ekkyo.engine.ALERT_RULES` that
its alerts use, synthetic ``slo:sli_error:ratio_rate<w>`` series are fed to the rules:

- both windows of the rule 1 % above ``factor × error budget``: the alert fires (after its
  ``for``), with exactly the labels and annotations compiled;
- both windows 1 % below: quiet; only the short, or only the long window above: quiet.

(``factor`` is ``budget_fraction × P / long_window`` of SLO_MATH.md; a rule whose
threshold is 1 or more can never fire, since an error ratio is at most 1, and is only
tested quiet.)  A last test group checks the period SLI and the metadata series
(burn rates, budget remaining) against the same arithmetic done here in Python.

The series are fed at the level of the recorded error ratios because an SLI query is any
PromQL: only the ratio series have a shape known in advance.  Each SLO's tests load a rule
file holding just that SLO's groups (``rules/<sloth_id>.yaml``, written beside them): with
one rule file for every SLO, promtool would evaluate all SLOs' rules in every test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ekkyo.engine import ALERT_RULES, BURN_WINDOWS, AlertRule
from ekkyo.rules.common import prom_duration
from ekkyo.rules.prometheus import (
    ERROR_EVENTS,
    ERROR_RATIO,
    SHORTEST_WINDOW,
    TOTAL_EVENTS,
    AlertMeta,
    CompiledSlo,
    PrometheusRules,
    _series_labels,
)

STEP = "1m"
ABOVE, BELOW = 1.01, 0.99
_LABEL_TEMPLATE = re.compile(r"\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class UnitTestFile:
    """One SLO's tests (``path`` relative to the tests directory) and the rule file they
    load (``rules_path``, with the SLO's groups)."""

    path: str
    document: dict[str, Any]
    rules_path: str
    rules_groups: tuple[dict[str, Any], ...]


def unit_test_files(rules: PrometheusRules) -> list[UnitTestFile]:
    out = []
    for one in rules.compiled:
        ident = one.target.identity.sloth_id
        groups = tuple(g for g in rules.groups if g["name"].endswith("-" + ident))
        rules_path = f"rules/{ident}.yaml"
        document = {
            "rule_files": [rules_path],
            "evaluation_interval": STEP,
            # Without an order promtool evaluates groups in any order, and the metadata
            # group would read the period ratio of the step before.
            "group_eval_order": [g["name"] for g in groups],
            "tests": list(slo_tests(one)),
        }
        out.append(UnitTestFile(f"{ident}.test.yaml", document, rules_path, groups))
    return out


def slo_tests(one: CompiledSlo) -> Iterator[dict[str, Any]]:
    for meta in one.alerts:
        for rule in ALERT_RULES:
            if rule.severity == meta.severity:
                yield from rule_tests(one, meta, rule)
    yield period_test(one)


def _ratio_series(one: CompiledSlo, window_s: int, value: float, minutes: int) -> dict[str, Any]:
    labels = _series_labels(one.target, sloth_window=prom_duration(window_s))
    return {
        "series": ERROR_RATIO + prom_duration(window_s) + _labels_text(labels),
        "values": f"{value!r}+0x{minutes}",
    }


def _labels_text(labels: dict[str, str]) -> str:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ", ".join(f'{k}="{esc(v)}"' for k, v in labels.items()) + "}"


def _minutes(duration: str | None) -> int:
    if not duration:
        return 0
    seconds = 0
    for count, unit in re.findall(r"(\d+)(ms|[smhdwy])", duration):
        seconds += (
            int(count)
            * {"ms": 0, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}[unit]
        )
    return -(-seconds // 60)


def rule_tests(one: CompiledSlo, meta: AlertMeta, rule: AlertRule) -> Iterator[dict[str, Any]]:
    target = one.target
    factor = rule.factor(target.period.seconds)
    threshold = factor * target.budget
    short_s, long_s = BURN_WINDOWS[rule.short_window], BURN_WINDOWS[rule.long_window]
    wait = _minutes(meta.for_)
    eval_min = wait + 5
    minutes = eval_min + 5
    name = f"{meta.severity} {rule.long_window}/{rule.short_window} (factor {factor:g})"
    below = threshold * BELOW
    if threshold < 1:
        above = threshold * ABOVE if threshold * ABOVE < 1 else (threshold + 1) / 2
        yield {
            "name": f"{name}: both windows above the threshold fire",
            "interval": STEP,
            "input_series": [
                _ratio_series(one, short_s, above, minutes),
                _ratio_series(one, long_s, above, minutes),
            ],
            **_firing_check(one, meta, short_s, eval_min),
        }
        cases = [
            ("only the short window above stays quiet", above, below),
            ("only the long window above stays quiet", below, above),
        ]
    else:
        # An error ratio is at most 1: this rule cannot fire; even a ratio of 1 is quiet.
        below = 1.0
        cases = []
    cases.insert(0, ("both windows just below stay quiet", below, below))
    for label, short_v, long_v in cases:
        yield {
            "name": f"{name}: {label}",
            "interval": STEP,
            "input_series": [
                _ratio_series(one, short_s, short_v, minutes),
                _ratio_series(one, long_s, long_v, minutes),
            ],
            "alert_rule_test": [
                {"eval_time": f"{eval_min}m", "alertname": meta.name, "exp_alerts": []}
            ],
        }


def _firing_check(one: CompiledSlo, meta: AlertMeta, short_s: int, eval_min: int) -> dict[str, Any]:
    if expandable(meta):
        return {
            "alert_rule_test": [
                {
                    "eval_time": f"{eval_min}m",
                    "alertname": meta.name,
                    "exp_alerts": [_expected_alert(one, meta, short_s)],
                }
            ]
        }
    # Annotations with templates other than {{$labels.x}} cannot be expanded here; the
    # ALERTS series still proves the alert fires (its labels are checked elsewhere).
    ident = one.target.identity
    selector = _labels_text(
        {
            "alertname": meta.name,
            "alertstate": "firing",
            "sloth_id": ident.sloth_id,
            "sloth_severity": meta.severity,
        }
    )
    return {
        "promql_expr_test": [
            {
                "expr": f"count(ALERTS{selector})",
                "eval_time": f"{eval_min}m",
                "exp_samples": [{"labels": "{}", "value": 1}],
            }
        ]
    }


def _expected_alert(one: CompiledSlo, meta: AlertMeta, short_s: int) -> dict[str, Any]:
    # The alert carries the labels of the left-hand series of its `and` (the short window)
    # and then its own labels, which win.
    series = _series_labels(one.target, sloth_window=prom_duration(short_s))
    labels = {**series, **meta.labels}
    annotations = {k: expand(v, labels) for k, v in meta.annotations.items()}
    return {"exp_labels": dict(sorted(labels.items())), "exp_annotations": annotations}


def expand(template: str, labels: dict[str, str]) -> str:
    """``{{$labels.x}}`` expanded as Prometheus expands alert annotations."""
    return _LABEL_TEMPLATE.sub(lambda m: labels.get(m.group(1), ""), template)


def expandable(meta: AlertMeta) -> bool:
    """True when every template in the annotations is a ``{{$labels.x}}``."""
    return all("{{" not in _LABEL_TEMPLATE.sub("", v) for v in meta.annotations.values())


def period_test(one: CompiledSlo) -> dict[str, Any]:
    """The period SLI and the metadata series from synthetic 5-minute series."""
    target = one.target
    selector = target.identity.selector()
    five = prom_duration(SHORTEST_WINDOW)
    budget = target.budget
    minutes = 9
    # Two halves with different traffic: the average of ratios and the ratio of events
    # differ, so the test tells the two period SLIs apart.
    low_traffic, high_traffic, error_share = 100.0, 300.0, min(budget / 2, 0.5)
    if one.events_period:
        half = (minutes + 1) // 2
        errors = [0.0] * half + [high_traffic * error_share] * (minutes + 1 - half)
        totals = [low_traffic] * half + [high_traffic] * (minutes + 1 - half)
        inputs = [
            {
                "series": ERROR_EVENTS + _labels_text(_series_labels(target, sloth_window=five)),
                "values": " ".join(repr(v) for v in errors),
            },
            {
                "series": TOTAL_EVENTS + _labels_text(_series_labels(target, sloth_window=five)),
                "values": " ".join(repr(v) for v in totals),
            },
        ]
        period_ratio = sum(errors) / sum(totals)
        checks: list[tuple[str, float, str | None]] = []
    else:
        half = (minutes + 1) // 2
        ratios = [0.0] * half + [error_share] * (minutes + 1 - half)
        inputs = [
            {
                "series": _metric(ERROR_RATIO + five, _series_labels(target, sloth_window=five)),
                "values": " ".join(repr(v) for v in ratios),
            }
        ]
        period_ratio = sum(ratios) / len(ratios)
        checks = [("slo:current_burn_rate:ratio", ratios[-1] / budget, five)]
    if not one.period_rule:
        # The period is one of the burn-rate windows: its ratio is that window's series.
        inputs.append(_ratio_series(one, target.period.seconds, period_ratio, minutes))
    period_labels = _series_labels(target, sloth_window=target.period.text)
    period = target.period.text
    expr_tests = [
        {
            "expr": f"{ERROR_RATIO}{target.period.text}{selector}",
            "eval_time": f"{minutes}m",
            "exp_samples": [
                {
                    "labels": _metric(ERROR_RATIO + target.period.text, period_labels),
                    "value": period_ratio,
                }
            ],
        },
        *(
            {
                "expr": f"{metric}{selector}",
                "eval_time": f"{minutes}m",
                "exp_samples": [
                    {
                        "labels": _metric(metric, _series_labels(target, **window_label(window))),
                        "value": value,
                    }
                ],
            }
            # Burn rates keep the `sloth_window` of the ratio they divide, as in Sloth.
            for metric, value, window in [
                *checks,
                ("slo:period_burn_rate:ratio", period_ratio / budget, period),
                ("slo:period_error_budget_remaining:ratio", 1 - period_ratio / budget, period),
                ("slo:objective:ratio", target.target, None),
                ("slo:error_budget:ratio", budget, None),
                ("slo:time_period:days", target.period.days, None),
            ]
        ),
    ]
    return {
        "name": "period SLI, burn rates and budget remaining",
        "interval": STEP,
        "input_series": inputs,
        "promql_expr_test": expr_tests,
    }


def window_label(window: str | None) -> dict[str, str]:
    return {} if window is None else {"sloth_window": window}


def _metric(name: str, labels: dict[str, str]) -> str:
    return name + _labels_text(labels)
