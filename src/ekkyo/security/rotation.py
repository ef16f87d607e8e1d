"""Re-encrypt every stored secret with the newest key (``ekkyo rotate-key``).

Rotation: put a new key first in ``EKKYO_ENCRYPTION_KEY`` (keep the old ones after it),
restart, run this, then drop the old keys.  Values stored in plain text before
encryption existed are encrypted on the way.  All or nothing: one transaction, and a
value no key can decrypt stops the run before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from ekkyo.alerting.secrets import SecretField
from ekkyo.security import crypto


@dataclass(frozen=True)
class RotationReport:
    fields: int
    values: int
    were_plain: int


def secret_fields() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) whose field is a :class:`SecretField`."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, SecretField):
                found.append((model, field.name))
    return found


def rotate(keys: tuple[str, ...] | None = None) -> RotationReport:
    """Re-encrypt with the first of ``keys`` (default: the settings'); returns the counts."""
    fields = secret_fields()
    values = were_plain = 0
    with transaction.atomic():
        for model, name in fields:
            manager = model._base_manager
            # The stored text as is: a Cast skips the field's decryption on the way out.
            rows = manager.annotate(stored=Cast(name, models.TextField())).values_list(
                "pk", "stored"
            )
            for pk, stored in list(rows):
                if not stored:
                    continue
                fresh = crypto.reencrypt(stored, keys)
                were_plain += not crypto.is_encrypted(stored)
                # A Value expression is written as is (the field would encrypt it again).
                manager.filter(pk=pk).update(
                    **{name: models.Value(fresh, output_field=models.TextField())}
                )
                values += 1
    return RotationReport(len(fields), values, were_plain)
