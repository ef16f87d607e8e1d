"""Personas, catalog builders and Playwright fixtures for the web pages' tests."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ekkyo.catalog.models import Service
from ekkyo.catalog.services import create_slo
from ekkyo.engine import Buckets
from ekkyo.teams.models import Team
from ekkyo.worker.models import SLOStatus
from tests.factories import make_team, make_user

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# A fixed evaluation time: the worker's last run in the tests that need one.
EVALUATED_AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def openslo(
    name: str,
    service: str,
    *,
    target: float = 0.999,
    window: str = "30d",
    objectives: list[dict[str, Any]] | None = None,
    display_name: str = "",
) -> dict[str, Any]:
    """A valid OpenSLO v1 SLO document with a push-fed ratio indicator."""
    metadata: dict[str, Any] = {"name": name}
    if display_name:
        metadata["displayName"] = display_name
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": metadata,
        "spec": {
            "service": service,
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        "good": {"metricSource": {"type": "push", "spec": {}}},
                        "total": {"metricSource": {"type": "push", "spec": {}}},
                    }
                },
            },
            "timeWindow": [{"duration": window, "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": objectives or [{"displayName": "availability", "target": target}],
        },
    }


def add_slo(
    name: str,
    team: Team,
    product: str = "shop",
    *,
    lifecycle: str = "active",
    **spec: Any,
) -> Any:
    service, _ = Service.objects.get_or_create(name=product, defaults={"team": team})
    return create_slo(openslo(name, product, **spec), service, lifecycle=lifecycle)


def add_status(
    slo: Any,
    state: str,
    *,
    index: int = 0,
    objective: str = "availability",
    sli: float | None = 0.9995,
    remaining: float | None = 0.5,
    burn: float | None = 1.0,
    alerts: int = 0,
    at: dt.datetime = EVALUATED_AT,
    result: dict[str, Any] | None = None,
) -> SLOStatus:
    return SLOStatus.objects.create(
        slo=slo,
        objective_index=index,
        objective=objective,
        computed_at=at,
        state=state,
        sli=sli,
        remaining_ratio=remaining,
        fastest_burn_rate=burn,
        alerts_firing=alerts,
        result=result
        or {
            "slo": slo.name,
            "objective": objective,
            "target": 0.999,
            "window": {
                "start": (at - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "length_s": 30 * 86400,
            },
            "sli": sli,
            "burn_rates": {w: burn for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")},
            "alerts": [],
            "time_to_exhaustion_s": None,
        },
    )


@pytest.fixture
def org(db: Any) -> dict[str, Any]:
    """Two teams with a product each, and the five personas."""
    checkout = make_team("checkout", name="Checkout", name_ja="決済")
    search = make_team("search", name="Search", topology_type="platform")
    return {
        "checkout": checkout,
        "search": search,
        "viewer": make_user("bea", "viewer"),
        "member": make_user("dev", "member", ("checkout",)),
        "outsider": make_user("oli", "member", ("search",)),
        "admin": make_user("sre", "admin"),
    }


def sign_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def push_minutes(slo: Any, start: dt.datetime, good: np.ndarray, total: np.ndarray) -> None:
    """Per-minute buckets into the store, from ``start`` on."""
    from ekkyo.series.store import append

    t0 = int(start.timestamp())
    t = t0 + 60 * np.arange(len(total), dtype=np.int64)
    append([(slo.pk, "", Buckets.counts(t, good, total))], body_hash=f"test-{slo.pk}-{t0}")


# --- Playwright ----------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, for one test module.

    Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses
    ORM calls while one runs.  The tests and the live server only touch the database
    between browser steps, never concurrently from that loop, so the check is lifted for
    the module's lifetime only (module scope keeps it out of every other test).
    """
    from tests.conftest import require_binary

    executable = require_binary("chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    # No request may leave the machine: the pages need nothing but the live server.
    context.route(
        re.compile(r"^(?!http://(localhost|127\.0\.0\.1)[:/]).*"), lambda route: route.abort()
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
