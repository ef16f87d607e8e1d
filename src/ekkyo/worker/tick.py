"""``ekkyo worker``: keep every SLO's status current, the healthchecks ``sendalerts`` way.

Each tick runs four steps, each returning whether it found work:

1. **lease** — heartbeat, renew this worker's leases, claim free or expired SLOs up to a
   fair share, hand back any surplus (:mod:`ekkyo.worker.leases`);
2. **compact** — fold pending pushed batches into day chunks (:func:`store.compact`);
3. **pull** — Prometheus and New Relic SLOs whose pull is due (:mod:`ekkyo.worker.pulls`);
4. **evaluate** — every held SLO that is due: read the new data, evaluate incrementally,
   store one status per objective (:mod:`ekkyo.worker.evaluation`, ``snapshots``).

Statuses describe the minute boundary ``at = floor(now - delay)``: ``delay`` (60 s by
default) gives pushes and pulled sources time to deliver a minute before it is evaluated,
so data rarely arrives late.  The loop sleeps briefly when no step found work; SIGTERM or
SIGINT set :attr:`Worker.shutdown` and the loop stops after the current step, handing its
leases back.  A failing SLO is pushed back by ``retry`` and never stops the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils import timezone

from ekkyo.alerting.windows import WindowSpec
from ekkyo.catalog.models import SLO
from ekkyo.series import store
from ekkyo.worker import leases, snapshots
from ekkyo.worker.evaluation import Evaluations, Outcome, SloRef
from ekkyo.worker.models import PullState
from ekkyo.worker.pulls import PULLED_TYPES, Puller, PullReport

log = logging.getLogger("ekkyo.worker")

MINUTE = 60
#: Errors of a database that cannot be reached right now (connection refused or lost).
DB_UNAVAILABLE = (OperationalError, InterfaceError)
#: The longest pause between two tries while the database is unavailable.
DB_RETRY_MAX_S = 30.0


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[-64:]


@dataclass(frozen=True)
class Settings:
    """How a worker behaves; the defaults suit production."""

    name: str = field(default_factory=default_name)
    delay_s: int = 60
    lease_ttl_s: int = 120
    idle_s: float = 2.0
    retry_s: int = 300
    pull_budget_s: float = 30.0
    compact_budget_s: float = 10.0
    compact_batches: int = 100
    max_slos: int | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 64:
            raise ValueError("a worker name is 1 to 64 characters")
        if self.delay_s < 0 or self.lease_ttl_s < 10:
            raise ValueError("the delay must be ≥ 0 s and the lease at least 10 s")


@dataclass
class TickReport:
    """What one tick did (the loop logs it; tests read it)."""

    now: dt.datetime
    at: int
    owner: str = ""  # the worker's name: steps find what it holds through its leases
    found: dict[str, bool] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)
    held: int = 0
    claimed: int = 0
    released: int = 0
    compacted: int = 0
    pull: PullReport = field(default_factory=PullReport)
    outcome: Outcome | None = None
    saved: snapshots.Saved | None = None

    @property
    def evaluated(self) -> list[int]:
        return self.saved.stored if self.saved else []


Step = Callable[[TickReport], bool]


class Worker:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], dt.datetime] = timezone.now,
        env: Mapping[str, str] | None = None,
        extra_steps: Sequence[tuple[str, Step]] = (),
    ) -> None:
        """``extra_steps`` run after the evaluate step, in order, with the tick's report:
        ``report.outcome`` holds every objective's result and ``report.saved`` which SLOs
        were stored and which :class:`StateChange` rows were written (the alert seam)."""
        self.settings = settings or Settings()
        self.extra_steps = tuple(extra_steps)
        self.clock = clock
        self.shutdown = False
        self._wake = threading.Event()
        self.evaluations = Evaluations()
        self.puller = Puller(self.settings.name, delay_s=self.settings.delay_s, env=env)
        self.started_at = clock()
        self.held: dict[int, leases.Held] = {}
        self._ttl = dt.timedelta(seconds=self.settings.lease_ttl_s)
        self._leased_at: dt.datetime | None = None
        # The state last stored per (SLO, objective index), to tell state changes.
        self._states: dict[tuple[int, int], str] = {}
        self._surplus = 0
        self._refs: dict[int, SloRef] | None = None

    # -- the loop ------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.request_shutdown)

    def request_shutdown(self, *_: Any) -> None:
        self.shutdown = True
        self._wake.set()

    def run(self, *, once: bool = False) -> None:
        """Tick until :attr:`shutdown` (or once), then hand the leases back.

        A database that cannot be reached (restarted, failed over, locked past the busy
        timeout) does not end the loop: the tick is abandoned, the in-memory state is
        dropped (a step may have stopped half-way) and the worker tries again after a
        pause that doubles up to :data:`DB_RETRY_MAX_S`.  Django opens a new connection at
        the next query.  Leases outlive a short outage (renewals resume with the ticks).
        """
        outage = 0
        try:
            while not self.shutdown:
                try:
                    report = self.tick()
                except DB_UNAVAILABLE as exc:
                    if once:
                        raise
                    outage += 1
                    wait = min(DB_RETRY_MAX_S, self.settings.idle_s * 2 ** (outage - 1))
                    log.warning(
                        "database unavailable (%s); retrying in %.0f s", _first_line(exc), wait
                    )
                    self.reset()
                    self._wake.wait(wait)
                    continue
                if outage:
                    log.info("database reachable again after %d failed ticks", outage)
                    outage = 0
                if once:
                    break
                if not any(report.found.values()):
                    self._wake.wait(self.settings.idle_s)
        finally:
            self.stop()

    def reset(self) -> None:
        """Forget what this worker holds in memory and drop its database connections: the
        next tick re-reads its leases and cold-loads its SLOs from the store."""
        with contextlib.suppress(DatabaseError):
            connections.close_all()
        self.evaluations = Evaluations()
        self.held = {}
        self._refs = None
        self._leased_at = None
        self._states.clear()
        self._surplus = 0

    def stop(self) -> None:
        """Hand back every lease so another worker takes over at once."""
        try:
            released = leases.release(self.settings.name)
            leases.forget(self.settings.name)
        except DB_UNAVAILABLE as exc:
            log.warning(
                "worker %s stopped without handing back its leases (%s): they expire after %d s",
                self.settings.name,
                _first_line(exc),
                self.settings.lease_ttl_s,
            )
            return
        finally:
            self.held.clear()
        log.info("worker %s stopped; handed back %d leases", self.settings.name, released)

    def evaluation_time(self, now: dt.datetime) -> int:
        seconds = int(now.timestamp()) - self.settings.delay_s
        return seconds - seconds % MINUTE

    def tick(self, now: dt.datetime | None = None) -> TickReport:
        now = now or self.clock()
        report = TickReport(now, self.evaluation_time(now), self.settings.name)
        steps: Sequence[tuple[str, Step]] = (
            ("lease", self.lease_step),
            ("compact", self.compact_step),
            ("pull", self.pull_step),
            ("evaluate", self.evaluate_step),
            *self.extra_steps,
        )
        for name, step in steps:
            if self.shutdown:
                break
            t0 = time.perf_counter()
            report.found[name] = step(report)
            report.durations[name] = time.perf_counter() - t0
        _log(report)
        return report

    # -- steps ---------------------------------------------------------------------------

    def lease_step(self, report: TickReport) -> bool:
        s, now, name = self.settings, report.now, self.settings.name
        report.held = len(self.held)
        # Leases last `ttl`; renewing four times per lease keeps them well alive without
        # a write on every turn of the loop.
        if self._leased_at is not None and now - self._leased_at < self._ttl / 4:
            return False
        self._leased_at = now
        workers = leases.heartbeat(name, now, self.started_at, len(self.held), self._ttl)
        leases.renew(name, now, self._ttl)
        share = leases.fair_share(workers)
        if s.max_slos is not None:
            share = min(share, s.max_slos)
        known = {i: h.next_evaluation_at for i, h in self.held.items()}
        held = leases.held(name, known)
        self._surplus = 0
        self._refs: dict[int, SloRef] | None = None
        if len(held) < share:
            report.claimed = len(leases.claim(name, now, self._ttl, share - len(held)))
            held = leases.held(name, known)
        elif len(held) > share + max(1, share // 20):
            self._surplus = len(held) - share
        self._set_held(held)
        self._release_surplus(report)
        report.held = len(self.held)
        return bool(report.claimed or report.released)

    def _set_held(self, held: Sequence[leases.Held]) -> None:
        self.held = {h.id: h for h in held}
        self._refs = None
        self.evaluations.forget([i for i in self.evaluations.loaded if i not in self.held])

    def _release_surplus(self, report: TickReport) -> None:
        """Hand back SLOs beyond this worker's share, among those not due now: they were
        evaluated for this minute already, so their next holder starts with the next one."""
        if self._surplus <= 0:
            return
        spare = sorted(
            (h.id for h in self.held.values() if h.next_evaluation_at > report.now), reverse=True
        )[: self._surplus]
        if not spare:
            return
        released = leases.release(self.settings.name, spare)
        report.released += released
        self._surplus -= released
        self._set_held([h for i, h in self.held.items() if i not in set(spare)])

    def compact_step(self, report: TickReport) -> bool:
        deadline = time.perf_counter() + self.settings.compact_budget_s
        while True:
            result = store.compact(self.settings.compact_batches, now=report.now)
            report.compacted += result.batches
            if not result.more or time.perf_counter() > deadline:
                return report.compacted > 0

    def pull_step(self, report: TickReport) -> bool:
        pulled = {
            i: SloRef(h.id, h.name, h.spec_hash)
            for i, h in self.held.items()
            if h.source_type in PULLED_TYPES
        }
        if not pulled:
            return False
        report.pull = self.puller.step(pulled, report.now, report.at, self.settings.pull_budget_s)
        for slo_id, message in report.pull.errors.items():
            log.warning("pull failed for %s: %s", self.held[slo_id].name, message)
        return bool(report.pull.pulled or report.pull.failed)

    def evaluate_step(self, report: TickReport) -> bool:
        # A tick creates and drops a few hundred thousand small objects (result dicts);
        # the cyclic collector scanning them mid-step costs a quarter of the step.  Nothing
        # here makes cycles, so collect after the step instead.
        gc.disable()
        try:
            return self._evaluate(report)
        finally:
            gc.enable()

    def _evaluate(self, report: TickReport) -> bool:
        now = report.now
        due = [h.id for h in self.held.values() if h.next_evaluation_at <= now]
        if not due:
            return False
        if report.pull.pulled:
            self.compact_step(report)  # make what was just pulled readable as changes
        if self._refs is None:
            self._refs = {i: SloRef(h.id, h.name, h.spec_hash) for i, h in self.held.items()}
        outcome = self.evaluations.evaluate(self._refs, report.at, _documents, _budget)
        report.outcome = outcome
        for slo_id, message in outcome.errors.items():
            log.warning("cannot evaluate %s: %s", self.held[slo_id].name, message)
        t0 = time.perf_counter()
        next_at = dt.datetime.fromtimestamp(report.at + MINUTE + self.settings.delay_s, dt.UTC)
        report.saved = snapshots.save(
            self.settings.name,
            outcome,
            due,
            now=now,
            next_at=next_at,
            retry_at=now + dt.timedelta(seconds=self.settings.retry_s),
            lease_until=now + self._ttl,
            failing=_failing(self.settings.name, due),
            states=self._states,
        )
        outcome.durations["save"] = time.perf_counter() - t0
        held = self.held
        for slo_id in report.saved.stored:
            held[slo_id].next_evaluation_at = next_at
        retry = now + dt.timedelta(seconds=self.settings.retry_s)
        for slo_id in report.saved.pushed_back:
            held[slo_id].next_evaluation_at = retry
        if report.saved.dropped:
            self._set_held([h for i, h in held.items() if i not in set(report.saved.dropped)])
        self._release_surplus(report)
        return True


def _documents(ids: Sequence[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for i in range(0, len(ids), 2000):
        out.update(SLO.objects.filter(id__in=ids[i : i + 2000]).values_list("id", "spec"))
    return out


def _budget(ids: Sequence[int]) -> Mapping[int, tuple[WindowSpec, ...]]:
    from ekkyo.alerting.silences import budget_specs

    return budget_specs(ids)


def _failing(owner: str, ids: Sequence[int]) -> dict[int, snapshots.SourceFailure]:
    """Source failures of ``ids``: few rows, found through the lease, not an id list."""
    wanted = set(ids)
    rows = PullState.objects.filter(
        failing_since__isnull=False, slo__lease_owner=owner
    ).values_list("slo_id", "failing_since", "last_error")
    return {s: snapshots.SourceFailure(since, e) for s, since, e in rows if s in wanted}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def _log(report: TickReport) -> None:
    if not any(report.found.values()):
        log.debug("tick at %s: nothing to do", report.now.isoformat())
        return
    ms = {k: round(v * 1000) for k, v in report.durations.items()}
    o = report.outcome
    parts = [
        f"held={report.held}",
        f"claimed={report.claimed}",
        f"released={report.released}",
        f"compacted={report.compacted}",
        f"pulled={report.pull.pulled}",
        f"pull_failed={report.pull.failed}",
        f"pulled_buckets={report.pull.buckets}",
    ]
    if o is not None:
        parts += [
            f"evaluated={len(report.evaluated)}",
            f"loaded={len(o.reloaded)}",
            f"late={o.late}",
            f"errors={len(o.errors)}",
            f"changes={o.changes}",
        ]
        ms.update({f"evaluate.{k}": round(v * 1000) for k, v in o.durations.items()})
    timing = " ".join(f"{k}={v}ms" for k, v in ms.items())
    log.info("tick at=%s %s %s", report.at, " ".join(parts), timing)
