"""Every kind of problem, with the exact line and column it is reported at."""

from __future__ import annotations

from ekkyo.specs import Problem, load_text, load_texts
from tests.specs.helpers import (
    SERVICE,
    SLO,
    at,
    only_problem,
    positions,
    value_at,
    with_service,
    yaml,
)


def test_it_formats_a_problem_as_path_line_col_message():
    problem = Problem("slo.yaml", 3, 7, "something is wrong")
    assert str(problem) == "slo.yaml:3:7: something is wrong"
    assert problem.to_dict() == {
        "path": "slo.yaml",
        "line": 3,
        "col": 7,
        "message": "something is wrong",
    }


def test_it_accepts_the_valid_base_texts():
    result = load_text(with_service(SLO))
    assert result.ok, [str(p) for p in result.problems]


def test_it_reports_a_yaml_syntax_error_where_the_parser_stopped():
    text = "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: [x\n"
    line, col, message = only_problem(load_text(text, "bad.yaml"))
    assert message.startswith("YAML syntax error")
    assert line == 4 and col == 1
    assert str(load_text(text, "bad.yaml").problems[0]).startswith("bad.yaml:4:1: YAML syntax")


def test_it_reports_a_tab_indentation_at_the_tab():
    text = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n\tname: x\n"
    line, col, message = only_problem(load_text(text))
    assert (line, col) == (4, 1)
    assert "'\\t'" in message


def test_it_reports_a_duplicate_key_at_its_second_occurrence():
    text = SERVICE.replace("kind: Service\n", "kind: Service\nkind: Service\n")
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "kind", nth=1)
    assert 'duplicate key "kind"' in message


def test_it_reports_both_the_unknown_key_and_the_missing_target():
    text = with_service(SLO.replace("      target: 0.99", "      tagret: 0.99"))
    found = positions(load_text(text))
    assert (
        *at(text, "tagret"),
        "spec.objectives[0]: unknown field 'tagret'; did you mean 'target'?",
    ) in found


def test_it_suggests_the_camel_case_spelling_of_a_snake_case_key():
    text = with_service(SLO.replace("budgetingMethod:", "budgeting_method:"))
    found = positions(load_text(text))
    assert (
        *at(text, "budgeting_method"),
        "spec: unknown field 'budgeting_method'; did you mean 'budgetingMethod'?",
    ) in found


def test_it_reports_a_missing_field_at_the_key_of_the_mapping_that_lacks_it():
    text = with_service(SLO.replace("  budgetingMethod: Occurrences\n", ""))
    assert only_problem(load_text(text)) == (
        *at(text, "spec:"),
        "spec: missing required field 'budgetingMethod'",
    )


def test_it_reports_a_missing_top_level_field_at_the_start_of_the_document():
    text = "apiVersion: openslo/v1\nkind: Service\n"
    assert only_problem(load_text(text)) == (1, 1, "missing required field 'metadata'")


def test_it_reports_a_wrong_type_at_the_value():
    text = with_service(SLO.replace("target: 0.99", "target: high"))
    assert only_problem(load_text(text)) == (
        *at(text, "high"),
        "spec.objectives[0].target: expected a number, got string 'high'",
    )


def test_it_suggests_quotes_for_a_number_where_text_belongs():
    text = SERVICE.replace("name: checkout", "name: 2024")
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "2024")
    assert message == (
        "metadata.name: expected a string, got integer 2024; put it in quotes if it is text"
    )


def test_it_reports_a_window_written_as_a_mapping_with_a_hint():
    text = with_service(
        SLO.replace(
            "    - duration: 28d\n      isRolling: true", "    duration: 28d\n    isRolling: true"
        )
    )
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "duration")
    assert message.startswith("spec.timeWindow: expected a list")


def test_it_rejects_a_target_of_one():
    text = with_service(SLO.replace("target: 0.99", "target: 1"))
    assert only_problem(load_text(text)) == (
        *value_at(text, "target: 1"),
        "spec.objectives[0].target: must be between 0 and 1 (both excluded), got 1.0",
    )


def test_it_rejects_a_target_of_zero_and_above_one():
    for bad in ("0", "1.5", "-0.2"):
        text = with_service(SLO.replace("target: 0.99", f"target: {bad}"))
        line, col, message = only_problem(load_text(text))
        assert (line, col) == value_at(text, f"target: {bad}")
        assert "must be between 0 and 1 (both excluded)" in message


def test_it_rejects_a_target_percent_of_one_hundred():
    text = with_service(SLO.replace("target: 0.99", "targetPercent: 100"))
    assert only_problem(load_text(text)) == (
        *at(text, "100"),
        "spec.objectives[0].targetPercent: must be between 0 and 100 (both excluded), got 100.0",
    )


def test_it_rejects_target_and_target_percent_together_at_the_second():
    text = with_service(SLO.replace("target: 0.99", "target: 0.99\n      targetPercent: 99"))
    assert only_problem(load_text(text)) == (
        *at(text, "targetPercent"),
        "spec.objectives[0]: give either 'target' or 'targetPercent', not both",
    )


def test_it_reports_a_duration_that_does_not_parse():
    text = with_service(SLO.replace("duration: 28d", "duration: 28days"))
    assert only_problem(load_text(text)) == (
        *at(text, "28days"),
        "spec.timeWindow[0].duration: invalid duration '28days': unknown unit 'days'",
    )


CALENDAR_WINDOW = """    - duration: 1M
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: Asia/Tokyo"""


def _calendar(text: str) -> str:
    return text.replace("    - duration: 28d\n      isRolling: true", CALENDAR_WINDOW)


def test_it_accepts_a_calendar_month():
    result = load_text(with_service(_calendar(SLO)))
    assert result.ok, [str(p) for p in result.problems]
    window = result.slos[0].time_window
    assert not window.rolling
    assert window.calendar is not None and window.calendar.time_zone == "Asia/Tokyo"


def test_it_rejects_a_calendar_window_in_minutes_and_suggests_months():
    text = with_service(_calendar(SLO).replace("duration: 1M", "duration: 1m"))
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "duration")
    assert "a calendar window is whole days (d), weeks (w)" in message
    assert message.endswith("got '1m'; did you mean '1M'?")


def test_it_rejects_a_calendar_window_in_hours_and_seconds():
    for unit in ("h", "s"):
        text = with_service(_calendar(SLO).replace("duration: 1M", f"duration: 24{unit}"))
        line, col, message = only_problem(load_text(text))
        assert (line, col) == at(text, "duration")
        assert f"got '24{unit}'" in message


def test_it_reports_an_unknown_time_zone_with_a_suggestion():
    text = with_service(_calendar(SLO).replace("Asia/Tokyo", "Asia/Tokio"))
    assert only_problem(load_text(text)) == (
        *at(text, "Asia/Tokio"),
        "spec.timeWindow[0].calendar.timeZone: unknown time zone 'Asia/Tokio'; "
        "did you mean 'Asia/Tokyo'?",
    )


def test_it_rejects_a_start_time_with_an_offset():
    text = with_service(_calendar(SLO).replace("00:00:00", "00:00:00+09:00"))
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "2024-01-01")
    assert "startTime has no UTC offset" in message


def test_it_requires_time_slice_fields_for_timeslices():
    text = with_service(SLO.replace("Occurrences", "Timeslices"))
    objective = at(text, "displayName: availability")
    assert positions(load_text(text)) == [
        (
            *objective,
            "spec.objectives[0]: missing required field 'timeSliceTarget' "
            "(budgetingMethod is Timeslices)",
        ),
        (
            *objective,
            "spec.objectives[0]: missing required field 'timeSliceWindow' "
            "(budgetingMethod is Timeslices)",
        ),
    ]


def test_it_requires_only_the_slice_window_for_ratio_timeslices():
    text = with_service(SLO.replace("Occurrences", "RatioTimeslices"))
    assert only_problem(load_text(text)) == (
        *at(text, "displayName: availability"),
        "spec.objectives[0]: missing required field 'timeSliceWindow' "
        "(budgetingMethod is RatioTimeslices)",
    )


THRESHOLD_SLI = yaml(
    """
    apiVersion: openslo/v1
    kind: SLI
    metadata:
      name: p95-latency
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: histogram_quantile(0.95, sum by (le) (rate(latency_bucket[1m])))
    """
)

THRESHOLD_SLO = yaml(
    """
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: checkout-latency
    spec:
      service: checkout
      indicatorRef: p95-latency
      timeWindow:
        - duration: 7d
          isRolling: true
      budgetingMethod: Occurrences
      objectives:
        - target: 0.99
          op: lte
          value: 0.4
    """
)


def test_it_accepts_a_threshold_slo_with_op_and_value():
    result = load_text(with_service(THRESHOLD_SLO + "---\n" + THRESHOLD_SLI))
    assert result.ok, [str(p) for p in result.problems]
    assert result.slos[0].indicator is not None
    assert result.slos[0].indicator.spec.is_threshold


def test_it_requires_op_and_value_for_a_threshold_sli_behind_a_ref():
    slo = THRESHOLD_SLO.replace("      op: lte\n      value: 0.4\n", "")
    text = with_service(slo + "---\n" + THRESHOLD_SLI)
    objective = at(text, "target: 0.99")
    assert positions(load_text(text)) == [
        (
            *objective,
            "spec.objectives[0]: missing required field 'op' (the SLI is a thresholdMetric)",
        ),
        (
            *objective,
            "spec.objectives[0]: missing required field 'value' (the SLI is a thresholdMetric)",
        ),
    ]


def test_it_reports_a_missing_indicator_ref_target():
    text = with_service(THRESHOLD_SLO)
    assert only_problem(load_text(text)) == (
        *at(text, "p95-latency"),
        "spec.indicatorRef: no SLI named 'p95-latency' in the loaded files",
    )


def test_it_reports_a_missing_service_with_a_suggestion():
    text = SLO + "---\n" + SERVICE.replace("name: checkout", "name: checkouts")
    assert only_problem(load_text(text)) == (
        *at(text, "checkout\n"),
        "spec.service: no Service named 'checkout' in the loaded files; did you mean 'checkouts'?",
    )


def test_it_reports_a_missing_data_source():
    sli = THRESHOLD_SLI.replace("type: Prometheus", "metricSourceRef: prom-main")
    text = with_service(THRESHOLD_SLO + "---\n" + sli)
    assert only_problem(load_text(text)) == (
        *at(text, "prom-main"),
        "spec.thresholdMetric.metricSource.metricSourceRef: "
        "no DataSource named 'prom-main' in the loaded files",
    )


ALERTING = yaml(
    """
    apiVersion: openslo/v1
    kind: AlertPolicy
    metadata:
      name: fast-burn
    spec:
      alertWhenBreaching: true
      conditions:
        - conditionRef: burn-14x
      notificationTargets:
        - targetRef: pager
    ---
    apiVersion: openslo/v1
    kind: AlertCondition
    metadata:
      name: burn-14x
    spec:
      severity: page
      condition:
        kind: burnrate
        op: gt
        threshold: 14.4
        lookbackWindow: 1h
        alertAfter: 0m
    ---
    apiVersion: openslo/v1
    kind: AlertNotificationTarget
    metadata:
      name: pager
    spec:
      target: pagerduty
    """
)


def _with_policy(slo: str, item: str) -> str:
    return slo + f"  alertPolicies:\n    - {item}\n"


def test_it_accepts_alert_policies_by_reference():
    text = with_service(_with_policy(SLO, "alertPolicyRef: fast-burn") + "---\n" + ALERTING)
    result = load_text(text)
    assert result.ok, [str(p) for p in result.problems]


def test_it_reports_a_missing_alert_policy():
    text = with_service(_with_policy(SLO, "alertPolicyRef: slow-burn") + "---\n" + ALERTING)
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "slow-burn")
    assert message.startswith(
        "spec.alertPolicies[0].alertPolicyRef: no AlertPolicy named 'slow-burn'"
    )


def test_it_reports_missing_conditions_and_targets():
    text = ALERTING.replace("conditionRef: burn-14x", "conditionRef: burn-6x").replace(
        "targetRef: pager", "targetRef: slack"
    )
    assert positions(load_text(text)) == [
        (
            *at(text, "burn-6x"),
            "spec.conditions[0].conditionRef: no AlertCondition named 'burn-6x' in the "
            "loaded files; did you mean 'burn-14x'?",
        ),
        (
            *at(text, "slack"),
            "spec.notificationTargets[0].targetRef: no AlertNotificationTarget named 'slack' "
            "in the loaded files",
        ),
    ]


def test_it_checks_references_inside_an_inline_alert_policy():
    inline = (
        "kind: AlertPolicy\n      metadata:\n        name: inline-burn\n      spec:\n"
        "        conditions:\n          - conditionRef: nope\n        notificationTargets: []"
    )
    text = with_service(_with_policy(SLO, inline))
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "nope")
    assert message.startswith(
        "spec.alertPolicies[0].spec.conditions[0].conditionRef: no AlertCondition named 'nope'"
    )


def test_it_reports_a_duplicate_name_of_the_same_kind_with_the_first_place():
    text = SERVICE + "---\n" + SERVICE
    assert only_problem(load_text(text, "svc.yaml")) == (
        *at(text, "checkout", nth=1),
        "metadata.name: duplicate Service name 'checkout' (first defined at svc.yaml:4:9)",
    )


def test_it_allows_one_name_for_objects_of_different_kinds():
    sli = THRESHOLD_SLI.replace("name: p95-latency", "name: checkout")
    result = load_text(SERVICE + "---\n" + sli)
    assert result.ok, [str(p) for p in result.problems]


def test_it_reports_duplicates_across_files():
    result = load_texts([("a.yaml", SERVICE), ("b.yaml", SERVICE)])
    assert [str(p) for p in result.problems] == [
        "b.yaml:4:9: metadata.name: duplicate Service name 'checkout' (first defined at a.yaml:4:9)"
    ]


def test_it_reports_an_unknown_kind_with_a_suggestion():
    text = SERVICE.replace("kind: Service", "kind: Servise")
    assert only_problem(load_text(text)) == (
        *at(text, "Servise"),
        "kind: string 'Servise' is not one of SLO, SLI, Service, DataSource, AlertPolicy, "
        "AlertCondition, AlertNotificationTarget; did you mean 'Service'?",
    )


def test_it_reports_an_unsupported_api_version():
    text = SERVICE.replace("openslo/v1", "openslo/v1alpha")
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "openslo/v1alpha")
    assert message.startswith("apiVersion: unsupported string 'openslo/v1alpha'")


def test_it_reports_a_document_that_is_not_a_mapping():
    text = SERVICE + "---\njust some words\n"
    assert only_problem(load_text(text)) == (
        *at(text, "just"),
        "expected an OpenSLO or Sloth spec (a mapping), got string 'just some words'",
    )


def test_it_reports_every_problem_of_every_file_at_once():
    broken_slo = with_service(SLO.replace("target: 0.99", "target: 2").replace("28d", "28x"))
    broken_service = SERVICE.replace("description", "descripton")
    result = load_texts([("slo.yaml", broken_slo), ("service.yaml", broken_service)])
    assert [(p.path, p.line) for p in result.problems] == [
        ("slo.yaml", at(broken_slo, "28x")[0]),
        ("slo.yaml", at(broken_slo, "target: 2")[0]),
        ("service.yaml", at(broken_service, "descripton")[0]),
    ]


def test_it_reports_an_slo_with_both_indicator_and_ref_at_the_ref():
    text = with_service(SLO.replace("  indicator:\n", "  indicatorRef: other\n  indicator:\n"))
    assert only_problem(load_text(text)) == (
        *at(text, "indicatorRef"),
        "spec: give either 'indicator' or 'indicatorRef', not both",
    )


def test_it_reports_good_and_bad_together():
    text = with_service(SLO.replace("        bad:\n", "        good:\n", 1))
    text = text.replace(
        "        total:\n",
        "        bad:\n          metricSource:\n            type: push\n        total:\n",
    )
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "bad:")
    assert message == ("spec.indicator.spec.ratioMetric: give either 'good' or 'bad', not both")


def test_it_requires_a_query_spec_unless_the_source_is_push():
    text = with_service(
        SLO.replace(
            "            type: Prometheus\n            spec:\n"
            "              query: sum(rate(errors_total[1m]))\n",
            "            type: Prometheus\n",
        )
    )
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "type: Prometheus")
    assert "'spec' with the query is required for type 'Prometheus'" in message


def test_it_reports_duplicate_objective_names():
    text = with_service(SLO + "    - displayName: availability\n      target: 0.9\n")
    assert only_problem(load_text(text)) == (
        *value_at(text, "displayName: availability", nth=1),
        "spec.objectives[1].displayName: duplicate objective displayName 'availability'",
    )


def test_it_reports_a_data_source_type_that_disagrees_with_the_source():
    data_source = yaml(
        """
        apiVersion: openslo/v1
        kind: DataSource
        metadata:
          name: nr
        spec:
          type: NewRelic
        """
    )
    sli = THRESHOLD_SLI.replace("type: Prometheus", "metricSourceRef: nr\n      type: Prometheus")
    text = sli + "---\n" + data_source
    line, col, message = only_problem(load_text(text))
    assert (line, col) == value_at(text, "type: Prometheus")
    assert "type 'Prometheus' differs from the type 'NewRelic' of DataSource 'nr'" in message


def test_it_names_the_file_in_every_problem():
    result = load_text("kind: [", "specs/x.yaml")
    assert all(p.path == "specs/x.yaml" for p in result.problems)
    assert not result.ok
