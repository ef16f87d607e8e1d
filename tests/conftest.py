"""Shared test helpers.

Real-component tests (Prometheus, PostgreSQL, Chromium) call :func:`require_binary`.
On a developer's machine without the component the test is skipped with a hint; in CI
(``CI=true``) a missing component *fails* the run, because CI installs all of them.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_binary(name: str, hint: str = "") -> str:
    """Return the path of executable ``name``; fail in CI, skip elsewhere, when absent."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed{': ' + hint if hint else ''}"
    if in_ci():
        pytest.fail(f"{message} (CI must install it: see .ci/run)")
    pytest.skip(message)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-only",
        action="store_true",
        help="Run only the tests that use the database (the PostgreSQL pass of `make test`).",
    )


_DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "django_user_model"}


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(_DB_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--db-only"):
        return
    selected = [item for item in items if _uses_database(item)]
    deselected = [item for item in items if not _uses_database(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected
