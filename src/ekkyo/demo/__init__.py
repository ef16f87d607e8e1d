"""The demo organisation: Sakura Retail's teams, OpenSLO specs and generated SLI data.

- :mod:`ekkyo.demo.org`: teams (Team Topologies type, SRE engagement), members and the demo
  sign-ins, as plain data;
- ``specs/*.yaml``: one OpenSLO v1 file per product (``Service`` and its ``SLO`` s), shipped as
  package data; :func:`spec_paths` lists them;
- :func:`generate`: per-minute buckets for every demo SLO (see :mod:`ekkyo.demo.profiles` for
  the story they tell) and :func:`write_csv` to write them as a bucket CSV.

Every demo SLO is fed by :func:`generate`.  Most have ``metricSource.type: push``; the few
with a Prometheus or New Relic query (to show what such a spec looks like) carry the
annotation ``ekkyo.dev/demo-data: generated``: the demo feeds them like push sources and
nothing should pull them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ekkyo.demo.data import generate, write_csv

DEMO_DATA_ANNOTATION = "ekkyo.dev/demo-data"

__all__ = ["DEMO_DATA_ANNOTATION", "generate", "spec_paths", "specs_dir", "write_csv"]


def specs_dir() -> Path:
    """The directory of the demo's OpenSLO files (inside the installed package)."""
    return Path(str(resources.files("ekkyo.demo") / "specs"))


def spec_paths() -> list[Path]:
    """The demo's OpenSLO files, one per product, in name order."""
    return sorted(specs_dir().glob("*.yaml"))
