"""Sloth prometheus/v1 specs (and the PrometheusServiceLevel resource) as OpenSLO."""

from __future__ import annotations

from pathlib import Path

from ekkyo.specs import (
    SLO,
    Duration,
    Service,
    SlothSpec,
    load_paths,
    load_text,
    sloth_alerting,
    sloth_to_openslo,
)
from tests.specs.helpers import at, only_problem, value_at, yaml

MYSERVICE = yaml(
    """
    version: "prometheus/v1"
    service: "myservice"
    labels:
      owner: "myteam"
      tier: "2"
    slos:
      - name: "requests-availability"
        objective: 99.9
        description: "Availability of HTTP responses."
        labels:
          category: availability
        sli:
          events:
            error_query: sum(rate(http_requests_total{job="myservice",code=~"5.."}[{{.window}}]))
            total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
        alerting:
          name: MyServiceHighErrorRate
          labels:
            category: "availability"
          annotations:
            summary: "High error rate on 'myservice' requests responses"
          page_alert:
            labels:
              severity: pageteam
              routing_key: myteam
          ticket_alert:
            disable: true
      - name: "requests-ratio"
        objective: 95
        sli:
          raw:
            error_ratio_query: sum(rate(errors[{{.window}}])) / sum(rate(requests[{{.window}}]))
    """
)


def _slos(text: str) -> list[SLO]:
    result = load_text(text)
    assert result.ok, [str(p) for p in result.problems]
    return list(result.slos)


def test_it_imports_the_service_and_one_slo_per_sloth_slo():
    result = load_text(MYSERVICE)
    assert [type(obj) for obj in result.objects] == [Service, SLO, SLO]
    assert result.objects[0].metadata.name == "myservice"
    assert [slo.name for slo in result.slos] == [
        "myservice-requests-availability",
        "myservice-requests-ratio",
    ]


def test_it_keeps_the_sloth_name_as_display_name():
    assert _slos(MYSERVICE)[0].metadata.display_name == "requests-availability"


def test_it_turns_the_events_into_bad_over_total_with_the_window_placeholder_kept():
    indicator = _slos(MYSERVICE)[0].indicator
    assert indicator is not None and indicator.spec.ratio_metric is not None
    ratio = indicator.spec.ratio_metric
    assert ratio.good is None and ratio.bad is not None and ratio.total is not None
    assert ratio.bad.metric_source.type == "Prometheus"
    assert ratio.bad.metric_source.spec == {
        "query": 'sum(rate(http_requests_total{job="myservice",code=~"5.."}[{{.window}}]))'
    }
    assert ratio.total.metric_source.spec == {
        "query": 'sum(rate(http_requests_total{job="myservice"}[{{.window}}]))'
    }


def test_it_turns_a_raw_error_ratio_into_a_failure_raw_ratio():
    indicator = _slos(MYSERVICE)[1].indicator
    assert indicator is not None and indicator.spec.ratio_metric is not None
    ratio = indicator.spec.ratio_metric
    assert ratio.raw_type == "failure"
    assert ratio.raw is not None
    assert ratio.raw.metric_source.spec["query"].startswith("sum(rate(errors[{{.window}}]))")


def test_it_turns_the_objective_percent_into_a_target_over_thirty_rolling_days():
    slo = _slos(MYSERVICE)[0]
    assert [o.target for o in slo.objectives] == [0.999]
    assert slo.time_window.rolling
    assert slo.time_window.duration == Duration(30, "d")
    assert slo.budgeting_method == "Occurrences"


def test_it_merges_service_labels_under_slo_labels():
    slo = _slos(MYSERVICE)[0]
    assert slo.metadata.labels == {"owner": "myteam", "tier": "2", "category": "availability"}


def test_it_keeps_the_alerting_block_readable_back():
    slos = _slos(MYSERVICE)
    assert sloth_alerting(slos[0]) == {
        "name": "MyServiceHighErrorRate",
        "labels": {"category": "availability"},
        "annotations": {"summary": "High error rate on 'myservice' requests responses"},
        "page_alert": {
            "disable": False,
            "labels": {"severity": "pageteam", "routing_key": "myteam"},
            "annotations": {},
        },
        "ticket_alert": {"disable": True, "labels": {}, "annotations": {}},
    }
    assert sloth_alerting(slos[1]) is None


def test_it_converts_a_spec_model_without_yaml():
    spec = SlothSpec.model_validate(
        {
            "version": "prometheus/v1",
            "service": "api",
            "slos": [
                {
                    "name": "errors",
                    "objective": 99.5,
                    "sli": {"events": {"error_query": "e", "total_query": "t"}},
                }
            ],
        }
    )
    service, slo = sloth_to_openslo(spec)
    assert isinstance(service, Service) and isinstance(slo, SLO)
    assert slo.spec.service == "api"
    assert slo.objectives[0].target == 0.995


CRD = yaml(
    """
    apiVersion: sloth.slok.dev/v1
    kind: PrometheusServiceLevel
    metadata:
      name: sloth-slo-home-wifi
      namespace: monitoring
    spec:
      service: home-wifi
      slos:
        - name: client-satisfaction
          objective: 95
          sli:
            events:
              errorQuery: sum(rate(bad[{{.window}}]))
              totalQuery: sum(rate(all[{{.window}}]))
          alerting:
            name: WifiSatisfaction
            pageAlert:
              disable: true
    """
)


def test_it_reads_the_kubernetes_resource_form():
    slo = _slos(CRD)[0]
    assert slo.name == "home-wifi-client-satisfaction"
    indicator = slo.indicator
    assert indicator is not None and indicator.spec.ratio_metric is not None
    bad = indicator.spec.ratio_metric.bad
    assert bad is not None and bad.metric_source.spec == {"query": "sum(rate(bad[{{.window}}]))"}
    alerting = sloth_alerting(slo)
    assert alerting is not None and alerting["page_alert"]["disable"] is True


def test_it_points_at_a_camel_case_key_of_the_resource_form():
    text = CRD.replace("objective: 95", "objective: 100")
    assert only_problem(load_text(text)) == (
        *value_at(text, "objective: 100"),
        "spec.slos[0].objective: must be between 0 and 100 (both excluded), got 100.0",
    )


def test_it_rejects_an_objective_of_one_hundred_percent():
    text = MYSERVICE.replace("objective: 99.9", "objective: 100")
    assert only_problem(load_text(text)) == (
        *value_at(text, "objective: 100"),
        "slos[0].objective: must be between 0 and 100 (both excluded), got 100.0",
    )


def test_it_reports_an_unknown_sloth_field_with_a_suggestion():
    text = MYSERVICE.replace("error_query:", "errors_query:")
    problems = load_text(text).problems
    assert [(p.line, p.col, p.message) for p in problems] == [
        (*at(text, "events:"), "slos[0].sli.events: missing required field 'error_query'"),
        (
            *at(text, "errors_query"),
            "slos[0].sli.events: unknown field 'errors_query'; did you mean 'error_query'?",
        ),
    ]


def test_it_reports_a_plugin_sli_as_not_convertible():
    text = yaml(
        """
        version: prometheus/v1
        service: api
        slos:
          - name: availability
            objective: 99.9
            sli:
              plugin:
                id: sloth-common/kubernetes/apiserver/availability
        """
    )
    line, col, message = only_problem(load_text(text))
    assert (line, col) == at(text, "plugin:")
    assert message.startswith(
        "slos[0].sli: SLI plugins (here 'sloth-common/kubernetes/apiserver/availability') "
        "cannot be converted to OpenSLO"
    )


def test_it_reports_an_empty_query():
    text = MYSERVICE.replace(
        'total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))',
        'total_query: " "',
    )
    assert only_problem(load_text(text)) == (
        *at(text, "total_query"),
        "slos[0].sli.events: a query cannot be empty",
    )


def test_it_reports_a_position_inside_the_resource_spec():
    text = CRD.replace("service: home-wifi\n", "")
    assert only_problem(load_text(text)) == (
        *at(text, "spec:\n"),
        "spec: missing required field 'service'",
    )


def test_it_does_not_take_one_service_in_two_sloth_files_for_a_duplicate(tmp_path: Path):
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text(MYSERVICE)
    second.write_text(MYSERVICE.replace("requests-", "other-"))
    result = load_paths([first, second])
    assert result.ok, [str(p) for p in result.problems]
    assert len(result.slos) == 4


def test_it_reports_the_same_slo_in_two_sloth_files_at_the_second_item(tmp_path: Path):
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text(MYSERVICE)
    second.write_text(MYSERVICE)
    messages = [(p.path, p.line, p.col, p.message) for p in load_paths([first, second]).problems]
    line, col = at(MYSERVICE, 'name: "requests-availability"')
    assert (
        str(second),
        line,
        col,
        f"metadata.name: duplicate SLO name 'myservice-requests-availability' "
        f"(first defined at {first}:{line}:{col})",
    ) in messages


def test_it_reads_unquoted_label_values_as_text_as_sloth_does():
    slo = _slos(
        MYSERVICE.replace('tier: "2"', "tier: 2").replace("category: availability", "paging: true")
    )[0]
    assert slo.metadata.labels["tier"] == "2"
    assert slo.metadata.labels["paging"] == "true"
