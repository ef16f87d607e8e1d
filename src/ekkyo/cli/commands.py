"""Imports every command module in this package so that each registers its commands.

A new command group is a new module in `ekkyo.cli` that decorates functions with
`@app.command()` (or adds a sub-Typer); nothing here needs editing.
"""

from __future__ import annotations

import importlib
import pkgutil

import ekkyo.cli as _cli

for _info in pkgutil.iter_modules(_cli.__path__):
    if _info.name not in {"commands"} and not _info.name.startswith("_"):
        importlib.import_module(f"ekkyo.cli.{_info.name}")
