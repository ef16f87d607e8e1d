"""Two Tokyo months of minutes for the report tests (personas from the web tests)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ekkyo.reports.periods import parse
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    add_slo,
    add_status,
    org,
    push_minutes,
    sign_in,
)

JAN = parse("2026-01", "Asia/Tokyo")
FEB = parse("2026-02", "Asia/Tokyo")


def two_months(
    slo: Any,
    *,
    seed: int = 1,
    bad_rate: float = 0.0005,
    outage: tuple[int, int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """January and February 2026 (Tokyo) of per-minute counts for ``slo``, pushed;
    ``outage`` is ``(first minute, minutes, failed requests each)``."""
    from datetime import UTC, datetime

    rng = np.random.default_rng(seed)
    n = (FEB.end - JAN.start) // 60
    total = rng.integers(50, 80, n).astype(np.float64)
    bad = rng.binomial(total.astype(np.int64), bad_rate).astype(np.float64)
    if outage is not None:
        first, minutes, failed = outage
        bad[first : first + minutes] = failed
    good = total - bad
    push_minutes(slo, datetime.fromtimestamp(JAN.start, UTC), good, total)
    return good, total
