"""Start Django from the CLI: only the commands that need the database call this."""

from __future__ import annotations

import os


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ekkyo.server.settings")
    import django

    django.setup()
