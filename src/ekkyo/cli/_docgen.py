"""Generate docs/cli.md from the commands themselves, so the reference cannot rot.

Run ``python -m ekkyo.cli._docgen > docs/cli.md``; tests/test_docs.py fails when the file
differs from what this prints.
"""

from __future__ import annotations

from typing import Any

import typer.main

from ekkyo.cli import _register, app

HEADER = """\
# Command-line reference

Generated from the commands' own help by `python -m ekkyo.cli._docgen > docs/cli.md`
(`make docs`); a test fails when it is out of date. Every command also answers `--help`.
"""


def _param_line(param: Any) -> str:
    # Duck-typed: Typer ships its own copy of click, so isinstance checks against the
    # installed click would fail.
    if param.param_type_name == "argument":
        name = (param.metavar or param.name).upper()
        required = "required" if param.required else "optional"
        many = ", one or more" if param.nargs == -1 else ""
        help_text = (param.help or "").strip()
        return f"- `{name}` ({required}{many}): {help_text}"
    flags = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
    help_text = (param.help or "").strip()
    extras = []
    if param.required:
        extras.append("required")
    if param.multiple:
        extras.append("repeatable")
    if not param.is_flag and param.default not in (None, (), [], "") and not param.required:
        extras.append(f"default: `{param.default}`")
    suffix = f" ({'; '.join(extras)})" if extras else ""
    return f"- {flags}: {help_text}{suffix}"


def _command(path: str, command: Any) -> list[str]:
    lines = [f"## `{path}`", ""]
    help_text = (command.help or "").strip()
    if help_text:
        lines += [help_text, ""]
    params = [p for p in command.params if p.name != "help"]
    if params:
        lines += [_param_line(p) for p in params] + [""]
    return lines


def _walk(prefix: str, command: Any) -> list[tuple[str, Any]]:
    if hasattr(command, "commands"):
        out: list[tuple[str, Any]] = []
        for name in sorted(command.commands):
            out += _walk(f"{prefix} {name}", command.commands[name])
        return out
    return [(prefix, command)]


def render() -> str:
    _register()
    root = typer.main.get_command(app)
    lines = [HEADER]
    for path, command in _walk("ekkyo", root):
        lines += _command(path, command)
    return "\n".join(lines).rstrip() + "\n"


def commands() -> list[str]:
    _register()
    return [path for path, _ in _walk("ekkyo", typer.main.get_command(app))]


if __name__ == "__main__":
    print(render(), end="")
