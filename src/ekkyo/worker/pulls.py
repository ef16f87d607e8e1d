"""Pulls: SLI minutes from Prometheus and New Relic into the bucket store.

For each held SLO whose metric source is Prometheus or New Relic (and that is not fed by
the demo), the worker pulls ``[pulled_until, at)`` — the first time, the whole history
its windows need — and stores it through :mod:`ekkyo.series.store`, so pulled minutes
show up exactly like pushed ones.  Connection details come from the ``DataSource`` the
metric source names (``metricSourceRef``, kept as a catalog ``SpecObject``); secrets
from the environment variables named there, never from YAML.

Exactly once: each piece (at most a day) is stored in one transaction together with
moving ``PullState.pulled_until`` from the value the pull started at, after re-checking
the lease.  A worker killed in between stores nothing of that piece and its successor
pulls it again; two workers can never both store it.

A failing source records ``failing_since``, ``last_error`` (the source's message, which
never holds credentials) and retries after 1, 2, 4 … minutes (at most 30); other SLOs go
on.  Prometheus ratio SLIs of one DataSource that pull the same minutes are fetched in
one batch (``pull_ratios``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce

from ekkyo.catalog.models import SLO, SpecObject
from ekkyo.engine import Buckets
from ekkyo.series import store
from ekkyo.sources import newrelic, prometheus
from ekkyo.sources.errors import SourceConfigError, SourceError
from ekkyo.worker.evaluation import Plan, SloRef, plan_history_s, plan_of
from ekkyo.worker.models import PullState

log = logging.getLogger(__name__)

MINUTE = 60
PULLED_TYPES = frozenset({"prometheus", "newrelic"})
DEMO_DATA_ANNOTATION = "ekkyo.dev/demo-data"
# A backfill is stored a day at a time, so an interrupted one keeps what it fetched.
PIECE_S = 86_400
RETRY_FIRST_S = 60
RETRY_MAX_S = 1800
# A failing source is retried on the worker's own schedule (above), so one pull tries a
# request at most twice and waits at most a few seconds in between: a source that is
# rate-limited (429 with a long Retry-After) or failing (5xx) must not hold up the tick,
# in which every other SLO waits for it.  A longer Retry-After fails the pull at once.
PROMETHEUS_RETRIES = 1
NEWRELIC_OPTIONS: dict[str, Any] = {"max_retries": 1, "max_backoff_s": 5.0}


def retry_after_s(failures: int) -> int:
    """Wait before the next try after ``failures`` failed pulls in a row."""
    return min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** max(0, failures - 1))


def is_demo_fed(document: Mapping[str, Any]) -> bool:
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, Mapping):
        return False
    return str(annotations.get(DEMO_DATA_ANNOTATION, "")).lower() == "generated"


@dataclass(frozen=True)
class Source:
    """What to pull for one SLO: its kind, queries and the DataSource they name."""

    kind: str  # "prometheus" | "newrelic"
    queries: Any
    data_source: str

    @property
    def batchable(self) -> bool:
        return self.kind == "prometheus" and isinstance(self.queries, prometheus.RatioQueries)


def source_of(document: Mapping[str, Any]) -> Source | None:
    """The :class:`Source` of a stored SLO document; None when nothing should pull it."""
    if is_demo_fed(document):
        return None
    spec = document.get("spec")
    indicator = spec.get("indicator") if isinstance(spec, Mapping) else None
    ind_spec = indicator.get("spec") if isinstance(indicator, Mapping) else None
    kind = _source_type(ind_spec)
    if kind not in PULLED_TYPES:
        return None
    path = "spec.indicator.spec"
    queries: Any
    if kind == "prometheus":
        queries = prometheus.read_indicator(ind_spec, path=path)
    else:
        queries = newrelic.read_indicator(ind_spec, path=path)
    ref = queries.data_source_ref
    if not ref:
        raise SourceConfigError(
            f"{path}: the metricSource needs a metricSourceRef naming the DataSource to pull from"
        )
    return Source(kind, queries, ref)


def _source_type(ind_spec: Any) -> str:
    if not isinstance(ind_spec, Mapping):
        return ""
    for metric in (ind_spec.get("ratioMetric"), ind_spec.get("thresholdMetric")):
        if not isinstance(metric, Mapping):
            continue
        candidates = [metric.get("metricSource")]
        candidates += [(metric.get(p) or {}).get("metricSource") for p in ("good", "bad", "total")]
        for ms in candidates:
            if isinstance(ms, Mapping) and isinstance(ms.get("type"), str):
                return str(ms["type"]).lower()
    return ""


class Clients:
    """One client per DataSource for the length of a pull step; closes them all."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env
        self._open: dict[str, Any] = {}

    def get(self, source: Source) -> Any:
        client = self._open.get(source.data_source)
        if client is None:
            doc = (
                SpecObject.objects.filter(kind="DataSource", name=source.data_source)
                .values_list("spec", flat=True)
                .first()
            )
            if doc is None:
                raise SourceConfigError(
                    f"metricSourceRef: no DataSource named {source.data_source!r} in the catalog"
                )
            if source.kind == "prometheus":
                client = prometheus.client_from_data_source(
                    doc, env=self.env, retries=PROMETHEUS_RETRIES
                )
            else:
                client = newrelic.client_for(
                    newrelic.read_data_source(doc), self.env, **NEWRELIC_OPTIONS
                )
            self._open[source.data_source] = client
        return client

    def close(self) -> None:
        for client in self._open.values():
            client.close()
        self._open.clear()


def fetch(clients: Clients, source: Source, start: int, end: int) -> Buckets:
    """The buckets of ``[start, end)`` for one SLO (network I/O)."""
    client = clients.get(source)
    q = source.queries
    if source.kind == "prometheus":
        if isinstance(q, prometheus.ThresholdQuery):
            return prometheus.pull_values(client, q.query, start, end)
        return prometheus.pull_ratio(
            client, good=q.good, bad=q.bad, total=q.total, counter=q.counter, start=start, end=end
        )
    return newrelic.backfill(client, q, start, end)


@dataclass
class PullReport:
    pulled: int = 0
    buckets: int = 0
    failed: int = 0
    skipped: int = 0
    errors: dict[int, str] = field(default_factory=dict)


@dataclass
class _Due:
    slo_id: int
    name: str
    source: Source
    start: int
    state_id: int
    was: dt.datetime | None  # pulled_until when the pull started


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


class Puller:
    """The pull step of one worker (see the module docstring)."""

    def __init__(
        self,
        owner: str,
        *,
        delay_s: int,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.owner = owner
        self.delay_s = delay_s
        self.env = env
        self.clock = clock
        # Per SLO: the spec hash read, its Source (None: not pulled; an exception: a spec
        # that cannot be pulled) and its plan (for the history a first pull fills).
        self._sources: dict[int, tuple[str, Source | Exception | None, Plan | None]] = {}

    def _read_sources(self, slos: Mapping[int, SloRef]) -> None:
        """Parse the specs of ``slos`` whose hash is new to this puller."""
        stale = [i for i, ref in slos.items() if self._sources.get(i, ("",))[0] != ref.spec_hash]
        for i in range(0, len(stale), 1000):
            rows = SLO.objects.filter(id__in=stale[i : i + 1000]).values_list("id", "spec")
            for slo_id, document in rows:
                ref = slos[slo_id]
                source: Source | Exception | None
                plan: Plan | None = None
                try:
                    source = source_of(document)
                    if source is not None:
                        plan = plan_of(ref, document)
                except Exception as exc:
                    source = exc
                self._sources[slo_id] = (ref.spec_hash, source, plan)

    def step(
        self, slos: Mapping[int, SloRef], now: dt.datetime, at: int, budget_s: float
    ) -> PullReport:
        report = PullReport()
        deadline = self.clock() + budget_s
        due = self._due(slos, now, at, report)
        clients = Clients(self.env)
        try:
            singles = [d for d in due if not d.source.batchable or at - d.start > PIECE_S]
            batches: dict[tuple[str, int], list[_Due]] = {}
            for d in due:
                if d not in singles:
                    batches.setdefault((d.source.data_source, d.start), []).append(d)
            for (_, start), group in batches.items():
                if self.clock() > deadline:
                    break
                self._pull_batch(clients, group, start, at, now, report)
            for d in singles:
                if self.clock() > deadline:
                    break
                self._pull_one(clients, d, at, now, deadline, report)
        finally:
            clients.close()
        return report

    def _due(
        self, slos: Mapping[int, SloRef], now: dt.datetime, at: int, report: PullReport
    ) -> list[_Due]:
        # Found through the lease rather than an id list: a worker may hold thousands.
        states = {
            s.slo_id: s
            for s in PullState.objects.filter(slo__lease_owner=self.owner)
            if s.slo_id in slos
        }
        waiting = [
            i
            for i in slos
            if i not in states or states[i].next_pull_at is None or states[i].next_pull_at <= now
        ]
        if not waiting:
            return []
        self._read_sources({i: slos[i] for i in waiting})
        out = []
        for slo_id in waiting:
            cached = self._sources.get(slo_id)
            if cached is None:
                continue  # deleted meanwhile
            _, source, plan = cached
            state = states.get(slo_id)
            if source is None:
                report.skipped += 1
                continue
            if state is None:
                state, _ = PullState.objects.get_or_create(slo_id=slo_id)
            if isinstance(source, Exception):  # a spec that cannot be pulled fails only itself
                self._failed(state.pk, slo_id, source, now, report)
                continue
            if state.pulled_until is not None:
                start = _seconds(state.pulled_until)
            else:
                # The first pull fills every window the SLO's objectives look at.
                start = at - (plan_history_s(plan, at) if plan is not None else 0)
            if start >= at:
                PullState.objects.filter(pk=state.pk).update(next_pull_at=self._next(at))
                continue
            out.append(_Due(slo_id, slos[slo_id].name, source, start, state.pk, state.pulled_until))
        return out

    def _next(self, at: int) -> dt.datetime:
        # The next minute can be pulled once it is `delay` old.
        return _utc(at + MINUTE + self.delay_s)

    def _pull_batch(
        self,
        clients: Clients,
        group: list[_Due],
        start: int,
        at: int,
        now: dt.datetime,
        report: PullReport,
    ) -> None:
        try:
            client = clients.get(group[0].source)
            got = prometheus.pull_ratios(
                client, [d.source.queries for d in group], start=start, end=at
            )
        except Exception as exc:
            for d in group:
                self._failed(d.state_id, d.slo_id, exc, now, report)
            return
        pulled = []
        for d, result in zip(group, got, strict=True):
            if isinstance(result, SourceError):
                self._failed(d.state_id, d.slo_id, result, now, report)
            else:
                pulled.append((d, result))
        if pulled:
            self._save_many(pulled, start, at, now, report)

    def _pull_one(
        self,
        clients: Clients,
        d: _Due,
        at: int,
        now: dt.datetime,
        deadline: float,
        report: PullReport,
    ) -> None:
        piece_start = d.start
        while piece_start < at and self.clock() <= deadline:
            piece_end = min(at, piece_start + PIECE_S)
            try:
                buckets = fetch(clients, d.source, piece_start, piece_end)
            except Exception as exc:
                self._failed(d.state_id, d.slo_id, exc, now, report)
                return
            if not self._save(d, piece_start, piece_end, at, buckets, now, report):
                return
            d.was = _utc(piece_end)
            piece_start = piece_end

    def _save(
        self,
        d: _Due,
        start: int,
        end: int,
        at: int,
        buckets: Buckets,
        now: dt.datetime,
        report: PullReport,
    ) -> bool:
        """Store one piece and move ``pulled_until`` to ``end``, together or not at all."""
        return bool(self._save_many([(d, buckets)], start, end, now, report, at=at))

    def _save_many(
        self,
        pulled: list[tuple[_Due, Buckets]],
        start: int,
        end: int,
        now: dt.datetime,
        report: PullReport,
        *,
        at: int | None = None,
    ) -> int:
        """Store the pieces ``[start, end)`` of several SLOs in one transaction and batch.

        An SLO whose lease moved, or whose ``pulled_until`` another pull moved first, is
        left out (and logged); the others are stored with their cursors moved.
        """
        until = _utc(end)
        done = at is None or end >= at
        next_pull = self._next(end) if done else now
        try:
            with transaction.atomic():
                ids = [d.slo_id for d, _ in pulled]
                lease = SLO.objects.filter(pk__in=ids, lease_owner=self.owner)
                if connection.vendor == "postgresql":
                    lease = lease.select_for_update()
                mine = set(lease.values_list("id", flat=True))
                kept = []
                for d, buckets in pulled:
                    if d.slo_id not in mine:
                        log.info("pull of %s dropped: the lease passed to another worker", d.name)
                        continue
                    moved = PullState.objects.filter(pk=d.state_id, pulled_until=d.was).update(
                        pulled_until=until,
                        last_success_at=now,
                        failing_since=None,
                        last_error="",
                        consecutive_failures=0,
                        next_pull_at=next_pull,
                    )
                    if moved != 1:
                        log.info("pull of %s dropped: another pull stored it first", d.name)
                        continue
                    kept.append((d, buckets))
                rows = [(d.slo_id, "", b) for d, b in kept if len(b)]
                if rows:
                    key = ",".join(str(d.slo_id) for d, _ in kept)
                    store.append_columns(
                        store.columns_from_series(rows),
                        idempotency_key=f"pull:{start}:{end}:{hashlib.sha256(key.encode()).hexdigest()[:32]}",
                        now=now,
                    )
        except Exception as exc:
            for d, _ in pulled:
                self._failed(d.state_id, d.slo_id, exc, now, report)
            return 0
        report.pulled += len(kept)
        report.buckets += sum(len(b) for _, b in kept)
        return len(kept)

    def _failed(
        self, state_id: int, slo_id: int, exc: BaseException, now: dt.datetime, report: PullReport
    ) -> None:
        if isinstance(exc, SourceError):
            message = str(exc)
        else:
            # Not a source's own message: it could quote anything, so name the type only.
            message = f"internal error ({type(exc).__name__}); see the worker log"
            log.error("pull of SLO id %s failed with %s", slo_id, type(exc).__name__)
        message = message[:1000]
        state = (
            PullState.objects.filter(pk=state_id)
            .values_list("consecutive_failures", flat=True)
            .first()
        )
        failures = (state or 0) + 1
        PullState.objects.filter(pk=state_id).update(
            failing_since=Coalesce(F("failing_since"), now),
            last_error=message,
            consecutive_failures=failures,
            next_pull_at=now + dt.timedelta(seconds=retry_after_s(failures)),
        )
        report.failed += 1
        report.errors[slo_id] = message
