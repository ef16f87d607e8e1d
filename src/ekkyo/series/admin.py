"""Read-only admin views of the bucket store: for looking, never for editing.

Chunks and batches are written only by :mod:`ekkyo.series.store`; an edit here would
break the compaction sequence, so every change permission is off.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ekkyo.series.models import Chunk, CompactionState, IngestBatch


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Chunk)
class ChunkAdmin(_ReadOnly):
    list_display = ["slo", "objective_key", "day", "size", "last_seq", "updated_at"]
    list_filter = ["day"]
    search_fields = ["slo__name"]
    list_select_related = ["slo"]
    exclude = ["data"]
    readonly_fields = ["size"]

    @admin.display(description="bytes")
    def size(self, obj: Chunk) -> int:
        return len(obj.data or b"")


@admin.register(IngestBatch)
class IngestBatchAdmin(_ReadOnly):
    list_display = [
        "id",
        "received_at",
        "actor",
        "n_buckets",
        "idempotency_key",
        "compacted_seq",
        "compacted_at",
        "payload_kept",
    ]
    search_fields = ["idempotency_key", "actor"]
    exclude = ["payload"]
    readonly_fields = ["payload_kept"]

    @admin.display(boolean=True, description="payload kept")
    def payload_kept(self, obj: IngestBatch) -> bool:
        return obj.payload is not None


@admin.register(CompactionState)
class CompactionStateAdmin(_ReadOnly):
    list_display = ["last_seq", "updated_at"]
