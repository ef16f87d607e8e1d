"""Fixtures of the fault tests: a migrated SQLite data directory, made once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults import kit

TEMPLATE = """
from django.core.management import call_command
from ekkyo.server.staticfiles import collect_if_changed

call_command("migrate", interactive=False, verbosity=0)
collect_if_changed()
"""


@pytest.fixture(scope="session")
def data_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a migrated SQLite database and collected static files:
    migrating and gzipping plotly.js take ~20 s, which every test would pay again."""
    template = tmp_path_factory.mktemp("faults-template")
    kit.run_django(kit.env_for(template), TEMPLATE)
    return template


@pytest.fixture
def data_dir(data_template: Path, tmp_path: Path) -> Callable[..., Path]:
    """``data_dir(database=True)``: a fresh copy of the template for this test."""

    def make(database: bool = True) -> Path:
        return kit.copy_data_dir(data_template, tmp_path / "data", database=database)

    return make
