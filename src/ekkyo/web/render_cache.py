"""A small per-process cache for the portfolio's rendered results, keyed by a data version.

Rendering the portfolio of a thousand SLOs costs a few hundred milliseconds, yet what it
shows changes only when the worker stores new statuses (about once a minute) or someone
changes the catalog.  :func:`data_version` reads, in one query, counts, largest ids and
latest timestamps of the tables the portfolio reads; an entry is used only while that
version is unchanged, and never after ``ttl_s`` — the bound on how long a change that
leaves no trace in those numbers (renaming a team or a product) can go unseen.

Entries are whole rendered strings, a few hundred kilobytes each, so the cache holds few.
Each process has its own; nothing is shared or written anywhere.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def _version_sql() -> str:
    from ekkyo.catalog.models import SLO, Service
    from ekkyo.teams.models import Team
    from ekkyo.worker.models import SLOStatus

    quote = connection.ops.quote_name
    parts = []
    for model, columns in (
        (Team, ("COUNT(*)", "MAX(id)")),
        (Service, ("COUNT(*)", "MAX(id)", "MAX(created_at)")),
        # Catalog services set updated_at on every change, creation included.
        (SLO, ("COUNT(*)", "MAX(id)", "MAX(updated_at)")),
        (SLOStatus, ("COUNT(*)", "MAX(id)", "MAX(computed_at)")),
    ):
        table = quote(model._meta.db_table)
        parts += [f"(SELECT {column} FROM {table})" for column in columns]
    # Plain SQL that SQLite and PostgreSQL both run: one round trip instead of four.
    return "SELECT " + ", ".join(parts)


def data_version() -> tuple[object, ...]:
    """What changes whenever the portfolio's numbers or catalog rows change."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        row = cursor.fetchone()
    return tuple(row)


class RenderCache:
    """Least-recently-used values by key, each kept at most ``ttl_s`` seconds.

    One thread renders a missing key while the others asking for it wait for its result,
    so a change of version costs one render per process, not one per waiting request; an
    entry past its TTL is still served to others while one thread renders it again.
    """

    def __init__(
        self, size: int = 16, ttl_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._rendering: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], T]) -> T:
        while True:
            with self._lock:
                found = self._entries.get(key)
                busy = self._rendering.get(key)
                if found is not None and (self.clock() - found[0] < self.ttl_s or busy is not None):
                    # Fresh, or only past its TTL (same data version) while another thread
                    # renders it again: the reader need not wait for that.
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return found[1]  # type: ignore[return-value]
                if busy is None:
                    self._rendering[key] = threading.Event()
                    self.misses += 1
                    break
            # Another thread renders this key: wait for it, then read what it stored (or,
            # if it failed, render in its place).
            busy.wait(timeout=60)
        try:
            value = render()
            with self._lock:
                self._entries[key] = (self.clock(), value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._rendering.pop(key).set()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
