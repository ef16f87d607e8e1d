"""The bucket store: accepted batches, and day chunks they are compacted into.

See ``docs/data.md`` ("Bucket store and push API") for the design and its size math, and
:mod:`ekkyo.series.store` for the only code that should read or write these tables.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ekkyo.catalog.models import SLO


class Chunk(models.Model):
    """One UTC day of one series: 1,440 per-minute buckets in one compressed blob.

    A series is ``(slo, objective_key)``; ``objective_key`` is ``""`` for the SLO's own
    indicator (see :mod:`ekkyo.series.objectives`).  ``last_seq`` is the
    ``compacted_seq`` of the last batch folded into this chunk: it lets a reader tell
    which batches a chunk already holds (see :func:`ekkyo.series.store.read_snapshot`).
    """

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="chunks")
    objective_key = models.CharField(max_length=253, blank=True, default="")
    day = models.DateField()
    data = models.BinaryField()
    last_seq = models.BigIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slo", "objective_key", "day"], name="series_chunk_unique_day"
            )
        ]

    def __str__(self) -> str:
        key = f"/{self.objective_key}" if self.objective_key else ""
        return f"{self.slo_id}{key} {self.day}"


class IngestBatch(models.Model):
    """One accepted push (API call, CSV file or pull): written in one short transaction.

    Acknowledged means committed here.  Compaction folds the payload into chunks and
    stamps ``compacted_seq`` (1, 2, 3 … in fold order); after a retention period the
    payload is dropped but the row stays, so its idempotency key keeps working.
    """

    idempotency_key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    body_hash = models.CharField(max_length=64)
    actor = models.CharField(max_length=150, blank=True, default="")
    n_buckets = models.PositiveIntegerField()
    # Unix seconds of the first and last bucket, so a read skips batches outside its range.
    t_min = models.BigIntegerField()
    t_max = models.BigIntegerField()
    payload = models.BinaryField(null=True)
    received_at = models.DateTimeField(default=timezone.now)
    compacted_seq = models.BigIntegerField(null=True, blank=True, unique=True)
    compacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Compaction and reads look for the (few) batches not yet compacted.
            models.Index(
                fields=["id"],
                condition=Q(compacted_seq__isnull=True),
                name="series_batch_pending",
            ),
            # Dropping old payloads looks only at batches that still have one.
            models.Index(
                fields=["compacted_at"],
                condition=Q(payload__isnull=False),
                name="series_batch_payload_kept",
            ),
        ]
        verbose_name_plural = "ingest batches"

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.n_buckets} buckets)"


class CompactionState(models.Model):
    """The singleton row (``pk=1``) that serialises compaction and holds its sequence."""

    last_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"compacted up to {self.last_seq}"
