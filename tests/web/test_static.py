"""plotly.js comes from the installed plotly package, never from the repository."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command

from ekkyo.web.staticfinder import PLOTLY_PATH, PlotlyFinder

REPO = Path(__file__).resolve().parents[2]


def test_it_finds_plotly_inside_the_installed_package():
    found = Path(finders.find(PLOTLY_PATH))
    assert found.name == "plotly.min.js"
    assert "site-packages" in found.parts or "dist-packages" in found.parts
    assert not found.is_relative_to(REPO / "src")
    assert found.stat().st_size > 1_000_000


def test_it_keeps_no_copy_of_plotly_in_the_repository():
    assert list((REPO / "src").rglob("plotly*.js")) == []


def test_it_collects_plotly_and_nothing_else_of_the_package(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "vendor" / "plotly" / "plotly.min.js").is_file()
    assert [p.name for p in (tmp_path / "vendor" / "plotly").iterdir()] == ["plotly.min.js"]
    assert (tmp_path / "web" / "slo.js").is_file() and (tmp_path / "web" / "ekkyo.css").is_file()


def test_it_finds_nothing_else_under_its_prefix():
    finder = PlotlyFinder()
    assert finder.find("vendor/plotly/datasets/iris.csv") == ""
    assert finder.find("vendor/plotly/datasets/iris.csv", find_all=True) == []
    assert finder.check() == []


def test_it_reports_a_missing_plotly_with_a_hint(monkeypatch):
    monkeypatch.setattr("ekkyo.web.staticfinder.plotly_package_data", lambda: None)
    errors = PlotlyFinder().check()
    assert [e.id for e in errors] == ["ekkyo.web.E001"]
    assert "pip install" in errors[0].hint
