from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ekkyo.catalog.importer import export_catalog, import_paths
from ekkyo.catalog.models import SLO, AuditEvent, Service, SpecObject
from ekkyo.cli import _register, app
from ekkyo.teams.models import Team

pytestmark = pytest.mark.django_db
_register()

SERVICE = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: shop
  labels:
    team: checkout
spec:
  description: The shop
"""
SLO_DOC = """\
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
  annotations:
    ekkyo.dev/lifecycle: {lifecycle}
spec:
  service: shop
  indicator:
    metadata:
      name: {name}-sli
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: ok_total
        total:
          metricSource:
            type: Prometheus
            spec:
              query: all_total
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: {target}
"""


def _write(tmp_path, *, target="0.99", lifecycle="trial", name="checkout", extra=""):
    path = tmp_path / "shop.yaml"
    path.write_text(SERVICE + SLO_DOC.format(name=name, target=target, lifecycle=lifecycle) + extra)
    return path


def test_it_creates_teams_services_and_slos_with_their_lifecycle(tmp_path):
    report = import_paths([_write(tmp_path)])
    assert report.ok, report.problems
    assert report.created == ["Service shop", "SLO checkout"]
    assert report.teams_created == ["checkout"]
    slo = SLO.objects.get(name="checkout")
    assert (slo.lifecycle, slo.service.team.slug, slo.version) == ("trial", "checkout", 1)
    assert "annotations" not in slo.spec["metadata"]  # lifecycle is state, not spec


def test_it_changes_nothing_when_importing_the_same_files_twice(tmp_path):
    path = _write(tmp_path)
    import_paths([path])
    events = AuditEvent.objects.count()
    report = import_paths([path])
    assert (report.created, report.updated) == ([], [])
    assert report.unchanged == ["Service shop", "SLO checkout"]
    assert AuditEvent.objects.count() == events
    assert SLO.objects.get(name="checkout").version == 1


def test_it_makes_a_new_version_when_a_target_changes(tmp_path):
    import_paths([_write(tmp_path)])
    report = import_paths([_write(tmp_path, target="0.995")], reason="tighter")
    assert report.updated == ["SLO checkout"]
    slo = SLO.objects.get(name="checkout")
    assert slo.version == 2
    assert slo.versions.get(number=2).reason == "tighter"


def test_it_imports_nothing_from_a_set_with_one_bad_file_and_reports_every_problem(tmp_path):
    good = _write(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SLO_DOC.format(name="b", target="1.5", lifecycle="draft").replace("28d", "28x"))
    report = import_paths([good, bad])
    assert not report.ok
    assert any("bad.yaml:" in p and "target" in p for p in report.problems)
    assert any("bad.yaml:" in p and "28x" in p for p in report.problems)
    assert not SLO.objects.exists() and not Service.objects.exists()


def test_it_rolls_back_everything_when_a_service_has_no_team(tmp_path):
    path = _write(tmp_path)
    path.write_text(path.read_text().replace("  labels:\n    team: checkout\n", ""))
    report = import_paths([path])
    assert report.problems == [
        "Service 'shop': no owning team; add metadata.labels.team to it or pass --team"
    ]
    assert not SLO.objects.exists() and not Team.objects.exists()


def test_it_rejects_an_unknown_lifecycle_annotation(tmp_path):
    report = import_paths([_write(tmp_path, lifecycle="beta")])
    assert "must be one of active, draft, retired, trial, not 'beta'" in report.problems[0]
    assert not Service.objects.exists()


def test_it_keeps_other_openslo_objects_for_export(tmp_path):
    extra = (
        "---\napiVersion: openslo/v1\nkind: DataSource\nmetadata:\n  name: prom\n"
        "spec:\n  type: Prometheus\n  connectionDetails:\n    url: http://prom:9090\n"
    )
    import_paths([_write(tmp_path, extra=extra)])
    row = SpecObject.objects.get(kind="DataSource", name="prom")
    assert row.spec["spec"]["connectionDetails"] == {"url": "http://prom:9090"}


def test_it_exports_what_it_imported_so_a_reimport_changes_nothing(tmp_path):
    import_paths([_write(tmp_path)])
    SLO.objects.filter(name="checkout").update(lifecycle="active")
    written = export_catalog(tmp_path / "out")
    assert [p.name for p in written] == ["shop.yaml"]
    assert "ekkyo.dev/lifecycle: active" in written[0].read_text()
    report = import_paths([tmp_path / "out"])
    assert report.ok and report.created == [] and report.updated == []


def test_the_cli_reports_counts_and_fails_with_problems(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["import", str(_write(tmp_path))])
    assert ok.exit_code == 0, ok.output
    assert "2 created, 0 updated, 0 unchanged" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: SLO\n")
    failed = runner.invoke(app, ["import", str(bad)])
    assert failed.exit_code == 1
    assert "nothing was imported" in failed.stderr
