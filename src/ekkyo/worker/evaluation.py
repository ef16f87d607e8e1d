"""The worker's running evaluation: every held SLO objective, one minute at a time.

Objectives live in *cohorts*: one :class:`~ekkyo.engine.IncrementalEvaluator` each, for
up to a few hundred objectives loaded together.  Each tick

1. reads what compaction added since the last tick (:func:`store.batches_since`, from a
   cursor) and keeps the rows of the series it evaluates as *pending*;
2. feeds every cohort the pending minutes between its end and the evaluation time ``at``
   (``append``; minutes without data are empty);
3. (re)loads, from :func:`store.read_snapshot` and ``IncrementalEvaluator.from_history``,
   the SLOs that are new here, whose spec changed (``spec_hash``), or that received *late*
   data — minutes before a cohort's end but still inside a window, which an incremental
   evaluator cannot take back.  Their old rows are marked dead; cohorts that are mostly
   dead, or too many small ones, are reloaded together;
4. evaluates every cohort at ``at`` and returns the result objects per SLO.

Maintenance windows excluded from the error budget (``budget``, per SLO) make their
minutes "no data" (docs/alerting.md): the history read at a load and the rows fed later
are masked alike, and an SLO whose windows change is reloaded, since minutes already fed
cannot be taken back.

A snapshot says up to which compacted batch (``seq``) it holds; changes of that series up
to that ``seq`` are skipped afterwards, so nothing is counted twice.  Data for minutes at
or after ``at`` waits as pending until ``at`` passes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pydantic

from ekkyo import engine, toolkit
from ekkyo.alerting.windows import BoolArray, WindowError, WindowSpec, minute_mask, occurrences
from ekkyo.engine import Buckets, IncrementalEvaluator, ResultBlock
from ekkyo.series import store
from ekkyo.series.objectives import layout_of
from ekkyo.worker.feeding import IntArray, Rows, RowTable, append_minutes
from ekkyo.worker.status import result_dicts

log = logging.getLogger(__name__)

MINUTE = 60
DAY = 86_400
# Burn-rate windows look back three days whatever the SLO window is.
MIN_HISTORY_S = 3 * DAY
# Snapshots also read this far past `at`, so early data (the push API accepts up to a
# day ahead) is kept pending instead of being lost.
FUTURE_S = 2 * DAY
# A cohort's warm start holds rows × minutes of history in memory three times over:
# 256 objectives of 30 days is about 270 MB.
COHORT_ELEMENTS = 256 * 30 * 1440
CHANGES_PER_READ = 50


@dataclass(frozen=True)
class SloRef:
    """What the worker knows of a held SLO before reading its spec."""

    id: int
    name: str
    spec_hash: str


@dataclass(frozen=True)
class Plan:
    """An SLO as evaluated: its engine objectives and the series key of each."""

    ref: SloRef
    objectives: tuple[toolkit.NamedObjective, ...]
    keys: tuple[str, ...]


def plan_of(ref: SloRef, document: Mapping[str, Any]) -> Plan:
    """The :class:`Plan` of a stored OpenSLO document; ValueError when it cannot be one."""
    objectives = tuple(toolkit.objectives_of_document(document))
    if not objectives:
        raise ValueError("the SLO has no objectives")
    layout = layout_of(dict(document))
    keys = tuple(
        layout.objectives[n.index][1] if n.index < len(layout.objectives) else ""
        for n in objectives
    )
    return Plan(ref, objectives, keys)


def history_s(objective: engine.Objective, at: int) -> int:
    """How far back from ``at`` data still counts in some window of ``objective``."""
    window = objective.window
    if isinstance(window, engine.RollingWindow):
        span = window.length_s
    else:
        span = at - engine.period_containing(window, at - MINUTE).start
    return max(MIN_HISTORY_S, span)


def plan_history_s(plan: Plan, at: int) -> int:
    return max(history_s(n.objective, at) for n in plan.objectives)


@dataclass
class _Cohort:
    evaluator: IncrementalEvaluator
    slo_ids: list[int]  # per row
    objective_indexes: list[int]  # per row: which of its SLO's objectives (spec order)
    alive: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.alive = np.ones(len(self.slo_ids), dtype=bool)

    @property
    def live(self) -> int:
        return int(self.alive.sum())


@dataclass
class _Loaded:
    plan: Plan
    cohort: _Cohort
    # Row of each objective in the cohort, in objective order.
    positions: list[int]
    # Snapshot seq per series key: changes up to it are in the loaded history.
    seqs: dict[str, int]
    # The maintenance windows excluded from the budget when it was loaded.
    excluded: tuple[WindowSpec, ...] = ()


@dataclass(frozen=True)
class ObjectiveResult:
    index: int
    name: str
    objective: engine.Objective
    result: dict[str, Any]


@dataclass
class Outcome:
    """One evaluation pass: results per SLO id (objectives in spec order), and failures."""

    at: int
    results: dict[int, list[ObjectiveResult]] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    # SLOs loaded from the store in this pass (new, spec changed, late data, merged).
    reloaded: set[int] = field(default_factory=set)
    late: int = 0
    changes: int = 0
    durations: dict[str, float] = field(default_factory=dict)


Documents = Callable[[Sequence[int]], Mapping[int, Mapping[str, Any]]]
#: SLO ids -> the maintenance windows excluded from each one's budget (absent: none).
BudgetWindows = Callable[[Sequence[int]], Mapping[int, tuple[WindowSpec, ...]]]


def excluded_minutes(specs: Sequence[WindowSpec], start: int, n: int) -> BoolArray:
    """Mask of the ``n`` minutes from ``start`` that ``specs`` touch (unusable ones skipped:
    the budget then keeps those minutes rather than the SLO failing)."""
    found: list[tuple[int, int]] = []
    for spec in specs:
        try:
            found.extend(occurrences(spec, start, start + n * MINUTE))
        except WindowError as exc:
            log.warning("maintenance window unusable, its minutes stay in the budget: %s", exc)
    return minute_mask(found, start, n)


def _message(exc: BaseException) -> str:
    """One line for people: a spec's validation errors name their fields."""
    if isinstance(exc, pydantic.ValidationError):
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]]
        return "; ".join(problems)[:300]
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


class Evaluations:
    """The incremental state of one worker (see the module docstring)."""

    def __init__(self, *, cohort_elements: int = COHORT_ELEMENTS) -> None:
        self.cohort_elements = cohort_elements
        self.cursor: int | None = None
        self.loaded: dict[int, _Loaded] = {}
        self.cohorts: list[_Cohort] = []
        # Rows read but not fed yet (minutes at or after the evaluation time).
        self.pending = Rows.empty()
        self.key_ids: dict[str, int] = {"": 0}
        self._table: RowTable | None = None
        self.excluded: Mapping[int, tuple[WindowSpec, ...]] = {}

    # -- bookkeeping ---------------------------------------------------------------------

    def forget(self, ids: Sequence[int]) -> None:
        """Drop SLOs this worker no longer evaluates."""
        if not len(ids):
            return
        for slo_id in ids:
            loaded = self.loaded.pop(slo_id, None)
            if loaded is not None:
                loaded.cohort.alive[loaded.positions] = False
        if len(self.pending):
            self.pending = self.pending.take(~np.isin(self.pending.slo, np.asarray(ids)))
        self.cohorts = [c for c in self.cohorts if c.live]
        self._table = None

    def key_id(self, key: str) -> int:
        return self.key_ids.setdefault(key, len(self.key_ids))

    def _row_table(self) -> RowTable:
        if self._table is None:
            index = {id(c): i for i, c in enumerate(self.cohorts)}
            self._table = RowTable(
                [
                    (slo_id, self.key_id(key), index[id(loaded.cohort)], pos)
                    for slo_id, loaded in self.loaded.items()
                    for pos, key in zip(loaded.positions, loaded.plan.keys, strict=True)
                ]
            )
        return self._table

    @property
    def rows(self) -> int:
        return sum(c.live for c in self.cohorts)

    # -- one pass ------------------------------------------------------------------------

    def evaluate(
        self,
        slos: Mapping[int, SloRef],
        at: int,
        documents: Documents,
        budget: BudgetWindows | None = None,
    ) -> Outcome:
        """Bring every SLO of ``slos`` to ``at`` and evaluate it there."""
        outcome = Outcome(at)
        clock = time.perf_counter
        t0 = clock()
        self.forget([i for i in self.loaded if i not in slos])
        self.excluded = dict(budget(list(slos))) if budget is not None else {}
        reload = {
            i
            for i, ref in slos.items()
            if i not in self.loaded
            or self.loaded[i].plan.ref.spec_hash != ref.spec_hash
            or self.loaded[i].excluded != self.excluded.get(i, ())
        }
        if self.cursor is None:
            self.cursor = store.last_seq()
        else:
            try:
                outcome.changes = self._read_changes(reload)
            except store.ChangesExpired:
                log.warning("fell behind the store's change retention: reloading every SLO")
                self.cursor = store.last_seq()
                reload = set(slos)
        t1 = clock()
        late = self._feed(at, reload)
        outcome.late = len(late - reload)
        reload |= late
        t2 = clock()
        self._load(sorted(reload), slos, at, documents, outcome)
        t3 = clock()
        self._evaluate_all(at, outcome)
        t4 = clock()
        outcome.durations = {"read": t1 - t0, "feed": t2 - t1, "load": t3 - t2, "evaluate": t4 - t3}
        return outcome

    def _read_changes(self, skip: set[int]) -> int:
        """Keep the rows compaction added since the cursor for the series this worker
        evaluates (column-wise: a batch may hold a minute of 10,000 series)."""
        assert self.cursor is not None
        count = 0
        parts: list[Rows] = []
        while True:
            batches = store.batches_since(self.cursor, limit=CHANGES_PER_READ)
            if not batches:
                break
            for batch in batches:
                cols = batch.columns
                slo_ids, keys, accept = [], [], []
                for slo_id, key in cols.series:
                    loaded = self.loaded.get(slo_id)
                    slo_ids.append(slo_id)
                    keys.append(self.key_id(key))
                    # Not evaluated here, reloaded this pass, already in the snapshot it
                    # was loaded from, or a series no objective reads: skip.
                    accept.append(
                        loaded is not None
                        and slo_id not in skip
                        and batch.compacted_seq > loaded.seqs.get(key, batch.compacted_seq)
                    )
                count += len(cols.series)
                rows = np.asarray(accept, dtype=bool)[cols.index]
                if rows.any():
                    which = cols.index[rows]
                    parts.append(
                        Rows(
                            slo=np.asarray(slo_ids, dtype=np.int64)[which],
                            key=np.asarray(keys, dtype=np.int64)[which],
                            t=cols.t[rows],
                            good=cols.good[rows],
                            total=cols.total[rows],
                            value=cols.value[rows],
                        )
                    )
            self.cursor = max(self.cursor, batches[-1].compacted_seq)
        self.pending = Rows.concat_all([self.pending, *parts])
        return count

    def _feed(self, at: int, reload: set[int]) -> set[int]:
        """Append pending minutes before ``at`` to every cohort; the SLOs with late data."""
        late: set[int] = set()
        rows = self.pending
        fed_by_cohort: dict[int, tuple[IntArray, Rows]] = {}
        if len(rows):
            table = self._row_table()
            lo, count = table.lookup(rows)
            if not len(table.code):
                count = np.zeros_like(count)
            known = (count > 0) & ~np.isin(rows.slo, np.fromiter(reload, np.int64, len(reload)))
            ends = np.array([c.evaluator.end for c in self.cohorts] + [0], dtype=np.int64)
            cohort = np.where(known, table.cohort[np.minimum(lo, len(table.code) - 1)], -1)
            end = ends[cohort]
            future = rows.t >= at
            early = known & (rows.t < end)
            for slo_id in np.unique(rows.slo[early]).tolist():
                plan = self.loaded[slo_id].plan
                mine = early & (rows.slo == slo_id)
                if bool(np.any(rows.t[mine] >= at - plan_history_s(plan, at))):
                    late.add(slo_id)
            fed = known & ~future & ~early
            self.pending = rows.take(known & future)
            if fed.any():
                taken = self._masked(rows.take(fed))
                which, coh, pos = table.expand(lo[fed], count[fed])
                order = np.argsort(coh, kind="stable")  # keeps acceptance order per cohort
                which, coh, pos = which[order], coh[order], pos[order]
                cuts = np.flatnonzero(np.diff(coh)) + 1
                for part in np.split(np.arange(len(coh)), cuts):
                    if len(part):
                        fed_by_cohort[int(coh[part[0]])] = (pos[part], taken.take(which[part]))
        for i, c in enumerate(self.cohorts):
            ev = c.evaluator
            if ev.end > at:
                # The clock went back: this cohort cannot go back with it.
                late.update(c.slo_ids[j] for j in np.flatnonzero(c.alive))
                continue
            got = fed_by_cohort.get(i)
            if got is None:
                ev.advance_to(at)
            else:
                pos, r = got
                append_minutes(ev, at, pos, r.t, r.good, r.total, r.value)
        return late

    def _masked(self, rows: Rows) -> Rows:
        """``rows`` with those in excluded maintenance minutes turned into no data."""
        if not self.excluded or not len(rows):
            return rows
        drop = np.zeros(len(rows), dtype=bool)
        for slo_id in np.unique(rows.slo).tolist():
            specs = self.excluded.get(slo_id)
            if not specs:
                continue
            mine = np.flatnonzero(rows.slo == slo_id)
            minute = rows.t[mine] // MINUTE * MINUTE
            lo = int(minute.min())
            mask = excluded_minutes(specs, lo, int(minute.max() - lo) // MINUTE + 1)
            drop[mine[mask[(minute - lo) // MINUTE]]] = True
        if not drop.any():
            return rows
        return Rows(
            slo=rows.slo,
            key=rows.key,
            t=rows.t,
            good=np.where(drop, 0.0, rows.good),
            total=np.where(drop, 0.0, rows.total),
            value=np.where(drop, np.nan, rows.value),
        )

    def _load(
        self,
        ids: list[int],
        slos: Mapping[int, SloRef],
        at: int,
        documents: Documents,
        outcome: Outcome,
    ) -> None:
        if not ids:
            return
        self.forget(ids)
        merged = self._to_merge(len(ids))
        self.forget(sorted(merged))
        ids = sorted(set(ids) | merged)
        docs = documents(ids)
        plans: list[tuple[Plan, int]] = []
        for slo_id in ids:
            try:
                document = docs.get(slo_id)
                if document is None:
                    raise ValueError("the SLO was deleted")
                plan = plan_of(slos[slo_id], document)
                plans.append((plan, plan_history_s(plan, at)))
            except Exception as exc:  # one bad spec never stops the others
                outcome.errors[slo_id] = f"cannot evaluate the spec: {_message(exc)}"
        # Similar histories together, so no cohort holds much more than its rows need.
        plans.sort(key=lambda p: (p[1], p[0].ref.id))
        group: list[tuple[Plan, int]] = []
        rows = 0
        for plan, hist in plans:
            n = len(plan.objectives)
            if group and (rows + n) * (hist // MINUTE) > self.cohort_elements:
                self._build(group, at, outcome)
                group, rows = [], 0
            group.append((plan, hist))
            rows += n
        if group:
            self._build(group, at, outcome)

    def _to_merge(self, incoming: int) -> set[int]:
        """SLOs of cohorts worth rebuilding now: mostly dead ones, and small ones."""
        out: set[int] = set()
        keep = []
        for cohort in self.cohorts:
            size = len(cohort.slo_ids)
            if cohort.live * 2 < size and size - cohort.live >= 8:
                out.update(cohort.slo_ids[i] for i in np.flatnonzero(cohort.alive))
            else:
                keep.append(cohort)
        # Every reload makes a cohort; fold the smallest into this one while they are many.
        keep.sort(key=lambda c: c.live)
        while len(keep) > 8 and keep[0].live <= max(incoming, 16):
            cohort = keep.pop(0)
            out.update(cohort.slo_ids[i] for i in np.flatnonzero(cohort.alive))
        return out

    def _build(self, group: list[tuple[Plan, int]], at: int, outcome: Outcome) -> None:
        hist = max(h for _, h in group)
        start = at - hist
        minutes = hist // MINUTE
        n_rows = sum(len(p.objectives) for p, _ in group)
        good = np.zeros((n_rows, minutes))
        total = np.zeros((n_rows, minutes))
        value = None
        if any(n.objective.threshold is not None for p, _ in group for n in p.objectives):
            value = np.full((n_rows, minutes), np.nan)
        objectives: list[engine.Objective] = []
        slo_ids: list[int] = []
        indexes: list[int] = []
        members: list[tuple[Plan, list[int], dict[str, int]]] = []
        future: list[tuple[int, int, Buckets]] = []
        for plan, plan_hist in group:
            rows = list(range(len(objectives), len(objectives) + len(plan.objectives)))
            try:
                seqs = self._read_history(
                    plan, plan_hist, rows, start, at, good, total, value, future
                )
            except Exception as exc:  # a broken chunk fails its SLO only
                outcome.errors[plan.ref.id] = f"cannot read the SLO's data: {_message(exc)}"
                for r in rows:
                    good[r] = total[r] = 0.0
                    if value is not None:
                        value[r] = np.nan
                seqs = None
            objectives.extend(n.objective for n in plan.objectives)
            slo_ids.extend([plan.ref.id] * len(plan.objectives))
            indexes.extend(range(len(plan.objectives)))
            if seqs is not None:
                members.append((plan, rows, seqs))
        evaluator = IncrementalEvaluator.from_history(objectives, start, good, total, value)
        cohort = _Cohort(evaluator, slo_ids, indexes)
        cohort.alive[:] = False
        for plan, rows, seqs in members:
            cohort.alive[rows] = True
            excluded = self.excluded.get(plan.ref.id, ())
            self.loaded[plan.ref.id] = _Loaded(plan, cohort, rows, seqs, excluded)
            outcome.reloaded.add(plan.ref.id)
        if cohort.live:
            self.cohorts.append(cohort)
        self.pending = self.pending.concat(Rows.of([f for f in future if f[0] in self.loaded]))
        self._table = None

    def _read_history(
        self,
        plan: Plan,
        hist: int,
        rows: list[int],
        start: int,
        at: int,
        good: np.ndarray,
        total: np.ndarray,
        value: np.ndarray | None,
        future: list[tuple[int, int, Buckets]],
    ) -> dict[str, int]:
        seqs: dict[str, int] = {}
        slo_id = plan.ref.id
        for key in dict.fromkeys(plan.keys):
            snap = store.read_snapshot(slo_id, key, at - hist, at + FUTURE_S)
            seqs[key] = snap.seq
            b = snap.buckets
            past = b.t < at
            idx = (b.t[past] - start) // MINUTE
            g = np.nan_to_num(b.good[past], nan=0.0)
            t = np.nan_to_num(b.total[past], nan=0.0)
            v = b.value[past]
            for r, k in zip(rows, plan.keys, strict=True):
                if k != key:
                    continue
                good[r, idx] = g
                total[r, idx] = t
                if value is not None:
                    value[r, idx] = v
            if (~past).any():
                # Masked as they are fed (they pass through `_feed`).
                ahead = Buckets(b.t[~past], b.good[~past], b.total[~past], b.value[~past])
                future.append((slo_id, self.key_id(key), ahead))
        specs = self.excluded.get(slo_id)
        if specs:
            mask = excluded_minutes(specs, start, good.shape[1])
            for r in rows:
                good[r, mask] = 0.0
                total[r, mask] = 0.0
                if value is not None:
                    value[r, mask] = np.nan
        return seqs

    def _evaluate_all(self, at: int, outcome: Outcome) -> None:
        blocks: list[ResultBlock] = []
        owners: list[tuple[int, int]] = []
        for cohort in self.cohorts:
            cohort.evaluator.advance_to(at)
            alive = np.flatnonzero(cohort.alive)
            blocks.append(cohort.evaluator.evaluate(at).take(alive))
            owners += [(cohort.slo_ids[p], cohort.objective_indexes[p]) for p in alive.tolist()]
        if not owners:
            return
        plans = [self.loaded[slo_id].plan for slo_id, _ in owners]
        dicts = result_dicts(
            _concat(blocks),
            [plan.ref.name for plan in plans],
            [plan.objectives[i].name for plan, (_, i) in zip(plans, owners, strict=True)],
        )
        results = outcome.results
        for plan, (slo_id, i), result in zip(plans, owners, dicts, strict=True):
            named = plan.objectives[i]
            results.setdefault(slo_id, []).append(
                ObjectiveResult(named.index, named.name, named.objective, result)
            )


def _concat(blocks: list[ResultBlock]) -> ResultBlock:
    if len(blocks) == 1:
        return blocks[0]
    return ResultBlock(
        **{
            f.name: np.concatenate([getattr(b, f.name) for b in blocks])
            for f in fields(ResultBlock)
        }
    )
