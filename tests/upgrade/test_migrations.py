"""Migrations with care (STYLE.md, habit 13): none missing, and data migrations reversible."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import migrations
from django.db.migrations.loader import MigrationLoader


def _ekkyo_migrations() -> list[Any]:
    from django.apps import apps

    ours = {c.label for c in apps.get_app_configs() if c.name.startswith("ekkyo.")}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [m for (app, _name), m in sorted(loader.disk_migrations.items()) if app in ours]


def irreversible(found: Iterable[Any]) -> list[str]:
    """``app.migration: operation`` for each RunPython/RunSQL without a reverse."""
    out = []
    for migration in found:
        for op in migration.operations:
            if isinstance(op, migrations.RunPython | migrations.RunSQL) and not op.reversible:
                out.append(f"{migration.app_label}.{migration.name}: {op.describe()}")
    return out


@pytest.mark.django_db
def test_it_has_a_migration_for_every_model_change():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(
            "models changed without a migration: run "
            "`DJANGO_SETTINGS_MODULE=ekkyo.server.settings python -m django makemigrations`"
            f"\n{out.getvalue()}"
        )


def test_it_can_reverse_every_data_migration():
    assert irreversible(_ekkyo_migrations()) == [], (
        "give each RunPython a reverse_code (migrations.RunPython.noop when nothing to undo) "
        "and each RunSQL a reverse_sql"
    )


def test_it_finds_a_data_migration_without_a_reverse():
    def forwards(apps, schema_editor):  # pragma: no cover - never run
        pass

    migration = migrations.Migration("0009_fill", "catalog")
    migration.operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunPython(forwards),
        migrations.RunSQL("UPDATE x SET y = 1"),
    ]

    assert [line.split(": ")[0] for line in irreversible([migration])] == [
        "catalog.0009_fill",
        "catalog.0009_fill",
    ]


def test_it_checks_the_migrations_of_every_ekkyo_app():
    labels = {m.app_label for m in _ekkyo_migrations()}

    assert {"catalog", "series", "worker", "alerting", "workshops", "reviews"} <= labels
