from __future__ import annotations

import pytest

from ekkyo.series.api import forget_cached_slos


@pytest.fixture(autouse=True)
def _fresh_slo_cache():
    # The push API caches SLO lookups per process for a couple of seconds; a test's SLOs
    # must not be confused with the previous test's (same names, other ids).
    forget_cached_slos()
    yield
    forget_cached_slos()
