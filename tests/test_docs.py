"""Docs that cannot rot: the CLI reference, settings and API endpoints are checked."""

from __future__ import annotations

import re
from pathlib import Path

from ekkyo.cli import _docgen

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_the_cli_reference_is_generated_from_the_current_commands():
    assert (DOCS / "cli.md").read_text() == _docgen.render(), (
        "docs/cli.md is out of date: run `make docs`"
    )


def _settings_read_in_code() -> set[str]:
    pattern = re.compile(r"env_(?:str|bool|int|list|secret)\(\s*\"([A-Z][A-Z0-9_]+)\"")
    names: set[str] = set()
    for path in (ROOT / "src" / "ekkyo").rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_setting_is_documented():
    names = _settings_read_in_code()
    assert {"EKKYO_DATA_DIR", "DATABASE_URL", "EKKYO_SECRET_KEY"} <= names
    documented = (DOCS / "settings.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert not missing, f"settings without an entry in docs/settings.md: {missing}"


def test_every_api_endpoint_is_documented():
    from ekkyo.api.main import api

    paths = set(api.get_openapi_schema()["paths"])
    documented = (DOCS / "api.md").read_text()
    missing = sorted(p for p in paths if f"`{p}`" not in documented)
    assert not missing, f"endpoints without an entry in docs/api.md: {missing}"


def test_every_command_that_api_md_promises_exists():
    api_md = ROOT.parent / "shared" / "API.md"
    promised = {
        "ekkyo validate", "ekkyo convert", "ekkyo evaluate", "ekkyo compile prometheus",
        "ekkyo compile newrelic", "ekkyo compile grafana", "ekkyo backtest", "ekkyo import",
        "ekkyo export", "ekkyo ingest", "ekkyo migrate", "ekkyo serve", "ekkyo worker",
        "ekkyo demo", "ekkyo user add", "ekkyo token create",
    }  # fmt: skip
    if api_md.exists():  # shared/ lies beside the clone in CI and in development
        text = api_md.read_text()
        assert all(c.split(" compile ")[0] in text for c in promised)
    missing = promised - set(_docgen.commands())
    assert not missing, f"commands API.md names but ekkyo lacks: {sorted(missing)}"
