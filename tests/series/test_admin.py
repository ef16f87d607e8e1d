from __future__ import annotations

import pytest

from ekkyo.engine.buckets import Buckets
from ekkyo.series import store
from ekkyo.series.models import Chunk, IngestBatch
from tests.series.helpers import ratio_slo

pytestmark = pytest.mark.django_db


def test_it_lists_chunks_and_batches_in_the_admin_without_letting_anyone_edit(admin_client):
    slo = ratio_slo()
    store.append([(slo.id, "", Buckets.counts([1_714_521_600], [1], [2]))], body_hash="x")
    store.compact()
    chunk = Chunk.objects.get()

    listing = admin_client.get("/admin/series/chunk/")
    batches = admin_client.get("/admin/series/ingestbatch/")
    add = admin_client.get("/admin/series/ingestbatch/add/")
    delete = admin_client.post(f"/admin/series/chunk/{chunk.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert "checkout-availability" in listing.content.decode()
    assert batches.status_code == 200
    assert add.status_code == 403
    assert delete.status_code == 403
    assert Chunk.objects.count() == 1
    assert IngestBatch.objects.count() == 1
