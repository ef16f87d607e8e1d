"""``GET /metrics``: every SLO objective's numbers in Prometheus's text format.

Read from the worker's :class:`SLOStatus` snapshots (nothing is evaluated on a request).
Every sample has the labels ``slo``, ``objective``, ``service``, ``team`` and ``window``:
the SLO window as written in the spec (``28d``, ``1M``) for the SLI, the budget and the
target, the burn-rate window (``5m`` … ``3d``) for burn rates.  A number that is ``null``
(no data) has no sample, as Prometheus expects of a missing value.

Like the API it needs a signed-in user or ``Authorization: Bearer <token>`` of any role;
point a Prometheus scrape job at it with ``authorization: {credentials_file: …}``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from ekkyo.accounts.permissions import can_view
from ekkyo.api.auth import TokenAuth
from ekkyo.api.errors import error_body
from ekkyo.engine import BURN_WINDOW_NAMES
from ekkyo.worker.models import SLOStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

log = logging.getLogger("ekkyo.worker")

_FAMILIES = (
    ("ekkyo_slo_sli", "SLI over the SLO window (good / total events or slices)."),
    ("ekkyo_slo_target", "Objective target."),
    (
        "ekkyo_slo_error_budget_remaining_ratio",
        "Share of the error budget left in the SLO window (below 0 when overspent).",
    ),
    ("ekkyo_slo_burn_rate", "Error budget burn rate over the burn-rate window."),
    (
        "ekkyo_slo_evaluation_timestamp_seconds",
        "The minute boundary the numbers describe, in Unix seconds.",
    ),
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    return TokenAuth()(request)


def window_label(spec: Any, length_s: int) -> str:
    """The SLO window as the spec writes it; from its length when the spec gives none."""
    windows = spec.get("spec", {}).get("timeWindow") if isinstance(spec, dict) else None
    if isinstance(windows, list) and windows and isinstance(windows[0], dict):
        duration = windows[0].get("duration")
        if isinstance(duration, str) and duration:
            return duration
    if length_s % 86400 == 0:
        return f"{length_s // 86400}d"
    return f"{length_s}s"


def samples() -> Iterator[str]:
    rows = (
        SLOStatus.objects.select_related("slo__service__team")
        .order_by("slo__name", "objective_index")
        .only(
            "objective",
            "result",
            "slo__name",
            "slo__spec",
            "slo__service__name",
            "slo__service__team__slug",
        )
    )
    lines: dict[str, list[str]] = {name: [] for name, _ in _FAMILIES}
    for status in rows.iterator(chunk_size=2000):
        try:
            slo = status.slo
            result = status.result
            base = (
                f'slo="{_escape(slo.name)}",objective="{_escape(status.objective)}",'
                f'service="{_escape(slo.service.name)}",team="{_escape(slo.service.team.slug)}"'
            )
            window = _escape(window_label(slo.spec, int(result["window"]["length_s"])))
            own = f'{base},window="{window}"'
            if result.get("sli") is not None:
                lines["ekkyo_slo_sli"].append(f"ekkyo_slo_sli{{{own}}} {_number(result['sli'])}")
            lines["ekkyo_slo_target"].append(
                f"ekkyo_slo_target{{{own}}} {_number(result['target'])}"
            )
            remaining = result["error_budget"]["remaining_ratio"]
            if remaining is not None:
                lines["ekkyo_slo_error_budget_remaining_ratio"].append(
                    f"ekkyo_slo_error_budget_remaining_ratio{{{own}}} {_number(remaining)}"
                )
            for name in BURN_WINDOW_NAMES:
                rate = result["burn_rates"].get(name)
                if rate is not None:
                    lines["ekkyo_slo_burn_rate"].append(
                        f'ekkyo_slo_burn_rate{{{base},window="{name}"}} {_number(rate)}'
                    )
            end = _iso_seconds(result["window"]["end"])
            lines["ekkyo_slo_evaluation_timestamp_seconds"].append(
                f"ekkyo_slo_evaluation_timestamp_seconds{{{own}}} {end}"
            )
        except (KeyError, TypeError, ValueError):
            # One malformed stored result must not take every SLO's metrics down.
            log.warning("metrics: skipping a malformed status of SLO %s", status.slo.name)
    for name, help_text in _FAMILIES:
        yield f"# HELP {name} {help_text}\n"
        yield f"# TYPE {name} gauge\n"
        for line in lines[name]:
            yield line + "\n"


def _iso_seconds(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not can_view(_user(request)):
        return JsonResponse(
            error_body(
                "unauthenticated", "Send a valid API token as 'Authorization: Bearer <token>'."
            ),
            status=401,
        )
    return HttpResponse("".join(samples()), content_type=CONTENT_TYPE)
