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
