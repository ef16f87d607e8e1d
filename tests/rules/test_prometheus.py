"""Prometheus rules in Sloth's shape: group and series names, labels, expressions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from ruamel.yaml import YAML

from ekkyo.engine import ALERT_RULES, BURN_WINDOWS
from ekkyo.rules import Options, compile_prometheus, render
from ekkyo.rules.prometheus import operator_documents
from tests.rules.helpers import SLOTH, load, openslo


def _compiled(*texts: str, **options: object):
    loaded = load(*texts)
    return compile_prometheus(loaded.slos, loaded.objects, Options(**options))  # type: ignore[arg-type]


def _rules(groups, name_part: str):
    return next(g for g in groups if name_part in g["name"])["rules"]


def test_it_names_groups_as_sloth_does():
    rules = _compiled(SLOTH)
    assert [g["name"] for g in rules.groups] == [
        "sloth-slo-sli-recordings-myservice-requests-availability",
        "sloth-slo-meta-recordings-myservice-requests-availability",
        "sloth-slo-alerts-myservice-requests-availability",
    ]


def test_it_records_sloth_ratio_windows_and_the_period():
    rules = _compiled(SLOTH)
    records = [r["record"] for r in _rules(rules.groups, "sli-recordings")]
    assert records == [
        "slo:sli_error:ratio_rate5m",
        "slo:sli_error:ratio_rate30m",
        "slo:sli_error:ratio_rate1h",
        "slo:sli_error:ratio_rate2h",
        "slo:sli_error:ratio_rate6h",
        "slo:sli_error:ratio_rate1d",
        "slo:sli_error:ratio_rate3d",
        "slo:sli_error:ratio_rate30d",
    ]


def test_it_substitutes_sloth_windows_in_queries():
    rule = _rules(_compiled(SLOTH).groups, "sli-recordings")[2]
    assert rule["expr"] == (
        '(sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[1h])))'
        '\n/\n((sum(rate(http_request_duration_seconds_count{job="myservice"}[1h]))) > 0)\n'
    )


def test_it_labels_ratios_with_sloth_ids_window_and_slo_labels():
    rule = _rules(_compiled(SLOTH).groups, "sli-recordings")[0]
    assert rule["labels"] == {
        "category": "availability",
        "owner": "myteam",
        "sloth_id": "myservice-requests-availability",
        "sloth_service": "myservice",
        "sloth_slo": "requests-availability",
        "sloth_window": "5m",
        "tier": "2",
    }


def test_it_records_sloth_metadata_series():
    meta = _rules(_compiled(SLOTH).groups, "meta-recordings")
    assert [r["record"] for r in meta] == [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    assert meta[0]["expr"] == "vector(0.999)"
    assert meta[2]["expr"] == "vector(30)"
    assert meta[-1]["labels"]["sloth_objective"] == "99.9"
    assert meta[-1]["labels"]["sloth_spec"] == "prometheus/v1"


def test_it_builds_counter_ratios_from_plain_selectors():
    rule = _rules(_compiled(openslo()).groups, "sli-recordings")[1]
    assert rule["expr"] == (
        '((sum(rate(http_requests_total{job="checkout",code=~"5.."}[30m]))) or vector(0))'
        '\n/\n((sum(rate(http_requests_total{job="checkout"}[30m]))) > 0)\n'
    )


def test_it_sums_per_minute_counts_of_gauge_queries_over_the_window():
    text = openslo(
        bad="sum(increase(errors_total[1m]))", total="sum(increase(req_total[1m]))", counter=False
    )
    rule = _rules(_compiled(text).groups, "sli-recordings")[2]
    assert "sum(sum_over_time((sum(increase(errors_total[1m])))[1h:1m])) / 3600" in rule["expr"]


def test_it_turns_good_queries_into_one_minus_the_good_ratio():
    text = openslo(bad=None, good='http_requests_total{job="checkout",code!~"5.."}')
    rule = _rules(_compiled(text).groups, "sli-recordings")[0]
    assert rule["expr"].startswith("1 - (\n")
    assert 'code!~"5.."}[5m]' in rule["expr"]


def test_it_averages_the_5m_ratios_over_the_period_by_default():
    rule = _rules(_compiled(SLOTH).groups, "sli-recordings")[-1]
    assert rule["expr"].startswith("avg_over_time(slo:sli_error:ratio_rate5m{")
    assert rule["expr"].rstrip().endswith("[30d])")


def test_it_divides_error_events_by_total_events_for_an_event_weighted_period():
    rules = _compiled(SLOTH, period_sli="events")
    sli = _rules(rules.groups, "sli-recordings")
    assert [r["record"] for r in sli[:2]] == [
        "slo:sli_error_events:rate5m",
        "slo:sli_total_events:rate5m",
    ]
    assert sli[-1]["expr"].startswith("sum_over_time(slo:sli_error_events:rate5m{")
    assert "sum_over_time(slo:sli_total_events:rate5m{" in sli[-1]["expr"]


def test_it_names_a_28_day_period_as_prometheus_prints_it():
    rules = _compiled(openslo(window="28d"))
    assert _rules(rules.groups, "sli-recordings")[-1]["record"] == "slo:sli_error:ratio_rate4w"


@pytest.mark.parametrize(
    "window,period_s", [("30d", 30 * 86400), ("28d", 28 * 86400), ("7d", 7 * 86400)]
)
def test_it_uses_slo_math_factors_for_the_period(window, period_s):
    rules = _compiled(openslo(window=window, target=0.99))
    page = _rules(rules.groups, "alerts")[0]["expr"]
    for rule in ALERT_RULES[:2]:
        exact = rule.budget_fraction * period_s / BURN_WINDOWS[rule.long_window]
        factor = float(Fraction(exact))
        assert f"> ({factor!r} * " in page or f"> ({factor:g} * " in page


def test_it_pairs_short_and_long_windows_with_and_and_rules_with_or():
    expr = _rules(_compiled(SLOTH).groups, "alerts")[1]["expr"]
    assert "slo:sli_error:ratio_rate2h{" in expr.split("and ignoring (sloth_window)")[0]
    assert expr.count("and ignoring (sloth_window)") == 2
    assert expr.count("or ignoring (sloth_window)") == 1
    assert "> (3 * 0.0010000000000000009)" in expr and "> (1 * 0.0010000000000000009)" in expr


def test_it_takes_alert_names_labels_and_annotations_from_sloth():
    page, ticket = _rules(_compiled(SLOTH).groups, "alerts")
    assert page["alert"] == ticket["alert"] == "MyServiceHighErrorRate"
    assert page["labels"] == {
        "category": "availability",
        "severity": "pageteam",
        "sloth_severity": "page",
    }
    assert ticket["labels"]["severity"] == "slack"
    assert page["annotations"]["summary"] == "High error rate on 'myservice' requests responses"
    assert page["annotations"]["title"].startswith("(page) {{$labels.sloth_service}}")


def test_it_leaves_out_alerts_that_sloth_disables():
    text = SLOTH.replace(
        '      ticket_alert:\n        labels:\n          severity: "slack"\n',
        "      ticket_alert:\n        disable: true\n",
    )
    alerts = _rules(_compiled(text).groups, "alerts")
    assert [a["labels"]["sloth_severity"] for a in alerts] == ["page"]


def test_it_waits_for_the_alert_condition_alert_after():
    policy = """
        alertPolicies:
          - kind: AlertPolicy
            apiVersion: openslo/v1
            metadata: {name: fast}
            spec:
              conditions:
                - kind: AlertCondition
                  apiVersion: openslo/v1
                  metadata: {name: fast-burn}
                  spec:
                    severity: page
                    condition: {kind: burnrate, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
              notificationTargets: []
    """
    alerts = _rules(_compiled(openslo(extra_spec=policy)).groups, "alerts")
    assert [(a["labels"]["sloth_severity"], a.get("for")) for a in alerts] == [
        ("page", "5m"),
        ("ticket", None),
    ]


def test_it_defaults_alert_names_and_severity_labels_for_openslo():
    page, ticket = _rules(_compiled(openslo()).groups, "alerts")
    assert page["alert"] == "CheckoutAvailabilitySLO"
    assert (page["labels"]["severity"], ticket["labels"]["severity"]) == ("page", "ticket")


def test_it_makes_openslo_labels_valid_prometheus_labels():
    rules = _compiled(openslo(labels='"app.kubernetes.io/team": shop, "__x": y, sloth_id: z'))
    labels = _rules(rules.groups, "meta-recordings")[0]["labels"]
    assert labels["app_kubernetes_io_team"] == "shop"
    assert "__x" not in labels
    assert labels["sloth_id"] == "checkout-checkout-availability"


def test_it_compiles_each_objective_as_its_own_sloth_slo():
    text = openslo().replace(
        "objectives: [{target: 0.999}]",
        "objectives: [{displayName: strict, target: 0.999}, {target: 0.99}]",
    )
    rules = _compiled(text)
    assert [c.target.identity.sloth_slo for c in rules.compiled] == [
        "checkout-availability-strict",
        "checkout-availability-1",
    ]


def test_it_skips_slos_of_other_sources_with_a_note():
    rules = _compiled(openslo(source="NewRelic", key="nrql"))
    assert rules.groups == () and rules.errors == ()
    assert "not Prometheus" in rules.notes[0].message


def test_it_skips_timeslice_slos_with_a_note():
    text = openslo().replace("budgetingMethod: Occurrences", "budgetingMethod: RatioTimeslices")
    text = text.replace(
        "objectives: [{target: 0.999}]", "objectives: [{target: 0.999, timeSliceWindow: 1m}]"
    )
    rules = _compiled(text)
    assert rules.groups == ()
    assert "RatioTimeslices" in rules.notes[0].message


def test_it_notes_a_calendar_window_rolled_over_its_nominal_length():
    text = openslo().replace(
        "[{duration: 30d, isRolling: true}]",
        "[{duration: 1M, calendar: {startTime: '2024-01-01 00:00:00', timeZone: UTC}}]",
    )
    rules = _compiled(text)
    assert rules.compiled[0].target.period.seconds == 30 * 86400
    assert any("rolling 30d" in n.message for n in rules.notes)


def test_it_refuses_two_slos_with_the_same_sloth_id():
    one = openslo(name="a-b", service="x")
    two = openslo(name="b", service="x-a").replace("name: x-a\n", "name: x-a\n", 1)
    rules = _compiled(one, two)
    assert len(rules.errors) == 1
    assert "x-a-b" in rules.errors[0].message


def test_it_renders_yaml_that_reads_back_as_the_groups():
    rules = _compiled(SLOTH, openslo())
    data = YAML(typ="safe").load(render(rules))
    assert data == {"groups": [dict(g) for g in rules.groups]}


def test_it_wraps_groups_in_one_prometheus_rule_per_service():
    rules = _compiled(SLOTH, openslo())
    docs = operator_documents(rules)
    assert [d["metadata"]["name"] for d in docs] == ["myservice-slos", "checkout-slos"]
    assert docs[0]["kind"] == "PrometheusRule"
    assert sum(len(d["spec"]["groups"]) for d in docs) == len(rules.groups)
