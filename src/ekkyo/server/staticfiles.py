"""Static files: hashed names and gzip through whitenoise, collected only when they change."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

FINGERPRINT = ".ekkyo-static-fingerprint"


class GzipManifestStorage(CompressedManifestStaticFilesStorage):
    """Whitenoise's manifest storage with gzip only.

    Brotli at whitenoise's maximum quality takes about a minute for the plotly.js bundle on
    a small machine, on every start; gzip saves nearly as much and takes a second.
    """

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)


def _fingerprint() -> str:
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_if_changed() -> bool:
    """Run ``collectstatic`` unless the collected files match the sources; True if it ran."""
    from django.conf import settings
    from django.core.management import call_command

    marker = Path(settings.STATIC_ROOT) / FINGERPRINT
    current = _fingerprint()
    if marker.exists() and marker.read_text() == current:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(current)
    return True
