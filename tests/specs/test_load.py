"""Loading valid specs: texts, multi-document files, directories, and what callers read."""

from __future__ import annotations

from pathlib import Path

from ekkyo.specs import (
    SLI,
    SLO,
    AlertPolicyRef,
    DataSource,
    Duration,
    Service,
    load_paths,
    load_text,
)
from tests.specs.helpers import SERVICE, with_service, yaml
from tests.specs.helpers import SLO as SLO_TEXT

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SLI_TEXT = yaml(
    """
    apiVersion: openslo/v1
    kind: SLI
    metadata:
      name: checkout-errors
      displayName: Checkout errors
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: prom
            spec:
              query: sum(rate(ok_total[1m]))
        total:
          metricSource:
            metricSourceRef: prom
            spec:
              query: sum(rate(requests_total[1m]))
    """
)
DATA_SOURCE = yaml(
    """
    apiVersion: openslo/v1
    kind: DataSource
    metadata:
      name: prom
    spec:
      type: Prometheus
      connectionDetails:
        url: http://prometheus:9090
    """
)
SLO_BY_REF = yaml(
    """
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: checkout-availability
    spec:
      service: checkout
      indicatorRef: checkout-errors
      timeWindow:
        - duration: 28d
          isRolling: true
      budgetingMethod: Occurrences
      objectives:
        - displayName: three nines
          target: 0.999
        - displayName: two nines
          targetPercent: 99
    """
)


def test_it_loads_every_document_of_a_multi_document_text_in_order():
    result = load_text(SERVICE + "---\n" + SLI_TEXT + "---\n" + DATA_SOURCE)
    assert result.ok
    assert [type(obj) for obj in result.objects] == [Service, SLI, DataSource]


def test_it_skips_empty_documents():
    result = load_text("---\n" + SERVICE + "---\n---\n")
    assert result.ok
    assert len(result.objects) == 1


def test_it_loads_a_yaml_list_of_objects():
    items = "".join(
        "- " + text.replace("\n", "\n  ").rstrip() + "\n" for text in (SERVICE, DATA_SOURCE)
    )
    result = load_text(items)
    assert result.ok, [str(p) for p in result.problems]
    assert [obj.metadata.name for obj in result.objects] == ["checkout", "prom"]


def test_it_resolves_an_indicator_ref_for_slos():
    result = load_text(SLO_BY_REF + "---\n" + SERVICE + "---\n" + SLI_TEXT + "---\n" + DATA_SOURCE)
    assert result.ok, [str(p) for p in result.problems]
    slo = result.slos[0]
    assert slo.indicator is not None
    assert slo.indicator.metadata.name == "checkout-errors"
    assert slo.indicator.spec.ratio_metric is not None
    # `.objects` keeps the SLO as written.
    written = result.get(SLO, "checkout-availability")
    assert written is not None and written.spec.indicator_ref == "checkout-errors"


def test_it_fills_a_metric_source_type_from_its_data_source():
    result = load_text(SLO_BY_REF + "---\n" + SERVICE + "---\n" + SLI_TEXT + "---\n" + DATA_SOURCE)
    indicator = result.slos[0].indicator
    assert indicator is not None and indicator.spec.ratio_metric is not None
    total = indicator.spec.ratio_metric.total
    assert total is not None and total.metric_source.type == "Prometheus"


def test_it_gives_every_objective_a_target_ratio():
    result = load_text(SLO_BY_REF + "---\n" + SERVICE + "---\n" + SLI_TEXT + "---\n" + DATA_SOURCE)
    assert [o.target for o in result.slos[0].objectives] == [0.999, 0.99]


def test_it_turns_a_target_percent_into_the_ratio_the_user_meant():
    result = load_text(with_service(SLO_TEXT.replace("target: 0.99", "targetPercent: 99.9")))
    assert result.slos[0].objectives[0].target == 0.999


def test_it_reads_the_rolling_window():
    window = load_text(with_service(SLO_TEXT)).slos[0].time_window
    assert window.rolling
    assert window.duration == Duration(28, "d")
    assert window.duration.seconds == 28 * 86400


def test_it_takes_a_window_without_is_rolling_or_calendar_as_rolling():
    text = with_service(SLO_TEXT.replace("      isRolling: true\n", ""))
    assert load_text(text).slos[0].time_window.rolling


def test_it_reads_a_bare_time_slice_window_as_minutes():
    text = with_service(
        SLO_TEXT.replace("Occurrences", "RatioTimeslices").replace(
            "target: 0.99", "target: 0.99\n      timeSliceWindow: 5"
        )
    )
    result = load_text(text)
    assert result.ok, [str(p) for p in result.problems]
    assert result.slos[0].objectives[0].time_slice_window == Duration(5, "m")


def test_it_matches_metric_source_types_without_regard_to_case():
    text = with_service(SLO_TEXT.replace("type: Prometheus", "type: PROMETHEUS"))
    indicator = load_text(text).slos[0].indicator
    assert indicator is not None
    assert {source.type_key for source in indicator.spec.metric_sources()} == {"prometheus"}


def test_it_keeps_an_unknown_metric_source_type_as_data():
    text = with_service(SLO_TEXT.replace("type: Prometheus", "type: Datadog"))
    result = load_text(text)
    assert result.ok
    indicator = result.slos[0].indicator
    assert indicator is not None
    assert indicator.spec.metric_sources()[0].type == "Datadog"


def test_it_accepts_a_push_source_without_spec():
    text = with_service(
        SLO_TEXT.replace(
            "            type: Prometheus\n            spec:\n"
            "              query: sum(rate(errors_total[1m]))\n",
            "            type: push\n",
        )
    )
    result = load_text(text)
    assert result.ok, [str(p) for p in result.problems]


def test_it_takes_an_empty_alert_policies_value_as_none():
    result = load_text(with_service(SLO_TEXT + "  alertPolicies:\n"))
    assert result.ok
    assert result.slos[0].spec.alert_policies == []


def test_it_keeps_metadata_labels_and_annotations():
    text = with_service(
        SLO_TEXT.replace(
            "  name: checkout-availability\n",
            "  name: checkout-availability\n  displayName: Checkout\n  labels:\n"
            "    team: payments\n    tags: [web, money]\n  annotations:\n"
            "    ekkyo.dev/owner: alice\n",
        )
    )
    metadata = load_text(text).slos[0].metadata
    assert metadata.display_name == "Checkout"
    assert metadata.labels == {"team": "payments", "tags": ["web", "money"]}
    assert metadata.annotations == {"ekkyo.dev/owner": "alice"}


def test_it_loads_directories_recursively_and_only_yaml_files(tmp_path: Path):
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / "service.yml").write_text(SERVICE)
    (tmp_path / "nested" / "deeper" / "slo.yaml").write_text(SLO_TEXT)
    (tmp_path / "nested" / "notes.txt").write_text("not a spec")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "broken.yaml").write_text("kind: [")
    result = load_paths([tmp_path])
    assert result.ok, [str(p) for p in result.problems]
    assert sorted(Path(f).name for f in result.files) == ["service.yml", "slo.yaml"]
    assert [slo.name for slo in result.slos] == ["checkout-availability"]


def test_it_checks_references_across_files(tmp_path: Path):
    (tmp_path / "slo.yaml").write_text(SLO_BY_REF)
    (tmp_path / "sli.yaml").write_text(SLI_TEXT + "---\n" + DATA_SOURCE + "---\n" + SERVICE)
    assert load_paths([tmp_path / "slo.yaml", tmp_path / "sli.yaml"]).ok
    alone = load_paths([tmp_path / "slo.yaml"])
    assert [p.message for p in alone.problems] == [
        "spec.service: no Service named 'checkout' in the loaded files",
        "spec.indicatorRef: no SLI named 'checkout-errors' in the loaded files",
    ]


def test_it_reports_a_file_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: caf\xe9\n")
    result = load_paths([path])
    assert [(p.line, p.col, p.message) for p in result.problems] == [
        (4, 12, "not valid UTF-8 text")
    ]


def test_it_reports_a_path_that_cannot_be_read(tmp_path: Path):
    result = load_paths([tmp_path / "missing.yaml"])
    assert len(result.problems) == 1
    assert result.problems[0].path == str(tmp_path / "missing.yaml")
    assert result.problems[0].message.startswith("cannot read")


def test_it_loads_the_example_specs_without_problems():
    result = load_paths([EXAMPLES])
    assert result.ok, [str(p) for p in result.problems]
    assert len(result.files) == 5
    assert {slo.name for slo in result.slos} >= {
        "checkout-availability",
        "checkout-latency",
        "search-quality",
        "storefront-page-load",
        "myservice-requests-availability",
    }
    checkout = result.get(SLO, "checkout-availability")
    assert checkout is not None
    assert checkout.spec.alert_policies == [AlertPolicyRef(alert_policy_ref="checkout-fast-burn")]
