"""Static files shipped inside installed Python packages, served by the app itself.

The charts use plotly.js from the ``plotly`` PyPI package (``plotly/package_data``): many
intranets have no CDN, and a vendored copy in the repository would go stale.  This finder
exposes that one file as ``vendor/plotly/plotly.min.js`` to ``{% static %}``, the
development server and ``collectstatic`` (whitenoise then serves it hashed and compressed).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage

PLOTLY_PREFIX = "vendor/plotly"
PLOTLY_FILE = "plotly.min.js"
PLOTLY_PATH = f"{PLOTLY_PREFIX}/{PLOTLY_FILE}"


def plotly_package_data() -> Path | None:
    """The ``package_data`` folder of the installed ``plotly`` package, without importing it."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "package_data"
    return folder if (folder / PLOTLY_FILE).is_file() else None


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = plotly_package_data()

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if self.folder is None:
            return [
                Error(
                    "plotly.js is missing: the web pages draw their charts with it.",
                    hint="Install ekkyo's dependencies again (pip install -e .): they include "
                    "the 'plotly' package, which ships plotly.min.js.",
                    id="ekkyo.web.E001",
                )
            ]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        # Django 5.2 renamed ``all`` to ``find_all``; accept both.
        find_all = find_all or bool(kwargs.get("all", False))
        if path != PLOTLY_PATH or self.folder is None:
            return [] if find_all else ""
        found = str(self.folder / PLOTLY_FILE)
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        if self.folder is None:
            return
        storage = FileSystemStorage(location=str(self.folder))
        # collectstatic copies to ``prefix/path``; only the one file, not the datasets.
        storage.prefix = PLOTLY_PREFIX  # type: ignore[attr-defined]
        yield PLOTLY_FILE, storage
