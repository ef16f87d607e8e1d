"""Bucket CSV files into the store (``ekkyo ingest``), without the command-line parts.

A file is one batch whose idempotency key is its content hash, so ingesting the same
file twice counts its buckets once.  Everything is checked before anything is written;
all files of one call are written in one transaction.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from ekkyo.catalog.models import SLO
from ekkyo.engine.buckets import Buckets
from ekkyo.series import store
from ekkyo.series.objectives import ObjectiveError, layout_of

_READ = 1 << 20


@dataclass
class FilePlan:
    """What one file will write, and why some rows will not be."""

    path: str
    digest: str
    rows_read: int = 0
    rows_skipped: int = 0
    problems: list[str] = field(default_factory=list)
    series: list[tuple[int, str, Buckets]] = field(default_factory=list)
    duplicate_of: str = ""  # when the file was ingested before: when that was

    @property
    def key(self) -> str:
        return f"csv:sha256:{self.digest}"

    @property
    def buckets(self) -> int:
        return sum(len(b) for _, _, b in self.series)


@dataclass(frozen=True)
class FileResult:
    path: str
    accepted: int
    duplicate: bool


def file_digest(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_READ):
            h.update(block)
    return h.hexdigest()


def _kind_problems(name: str, buckets: Buckets, kind: str) -> str | None:
    if kind == "counts" and not np.isnan(buckets.value).all():
        n = int((~np.isnan(buckets.value)).sum())
        return f"SLO {name!r} has a ratio indicator, but {n} rows carry a value"
    if kind == "value" and not np.isnan(buckets.total).all():
        n = int((~np.isnan(buckets.total)).sum())
        return f"SLO {name!r} has a threshold indicator, but {n} rows carry good/total"
    return None


def plan_file(
    path: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_problems: int = 1000,
) -> FilePlan:
    """Read and check one file against the catalog; writes nothing."""
    from ekkyo.series.models import IngestBatch
    from ekkyo.sources.csvfile import read_bucket_csv

    plan = FilePlan(path=path, digest=file_digest(path))
    seen = (
        IngestBatch.objects.filter(idempotency_key=plan.key)
        .values_list("received_at", flat=True)
        .first()
    )
    if seen is not None:
        plan.duplicate_of = seen.isoformat(timespec="seconds")
        if progress is not None:
            size = os.path.getsize(path)
            progress(size, size)
        return plan
    slos = dict(SLO.objects.values_list("name", "id"))
    csv = read_bucket_csv(path, known_slos=set(slos), progress=progress, max_problems=max_problems)
    plan.rows_read = csv.rows_read
    plan.rows_skipped = csv.rows_skipped
    plan.problems = [str(p) for p in csv.problems]
    if csv.rows_skipped > len(csv.problems):
        plan.problems.append(f"{path}: … and {csv.rows_skipped - len(csv.problems)} more")
    specs = dict(SLO.objects.filter(name__in=list(csv.by_slo)).values_list("name", "spec"))
    for name, buckets in csv.by_slo.items():
        slo_id = slos[name]
        layout = layout_of(specs.get(name, {}))
        try:
            key = layout.resolve(None)
        except ObjectiveError as exc:
            plan.problems.append(f"{path}: SLO {name!r}: {exc} (the CSV has no objective column)")
            plan.rows_skipped += len(buckets)
            continue
        wrong = _kind_problems(name, buckets, layout.kind(key))
        if wrong:
            plan.problems.append(f"{path}: {wrong}")
            plan.rows_skipped += len(buckets)
            continue
        plan.series.append((slo_id, key, buckets))
    return plan


def write_plans(plans: list[FilePlan], *, actor: str = "cli") -> list[FileResult]:
    """Write every plan that is not a repeat, all in one transaction."""
    results = []
    with transaction.atomic():
        for plan in plans:
            if plan.duplicate_of:
                results.append(FileResult(plan.path, 0, True))
                continue
            outcome = store.append(
                plan.series, idempotency_key=plan.key, body_hash=plan.digest, actor=actor
            )
            results.append(FileResult(plan.path, outcome.accepted, outcome.duplicate))
    return results
