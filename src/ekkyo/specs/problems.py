"""The one shape every spec error takes: a file, a 1-based line and column, and a message."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_core import PydanticCustomError

# Messages quote what the author wrote: a hostile value (100,000 characters, a newline or
# a right-to-left override in a key) must not make them long, multi-line or misleading.
MAX_MESSAGE = 300


def readable(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` on one line and at most about ``limit`` characters: characters that are
    not printable escaped as in Python literals, an overlong middle left out."""
    if message.isprintable() and len(message) <= limit:
        return message
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
    if len(out) > limit:
        head = (limit * 2) // 3
        out = out[:head] + " […] " + out[-(limit - head - 5) :]
    return out


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in a spec file, at ``path:line:col`` (both 1-based)."""

    path: str
    line: int
    col: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", readable(self.message))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def to_dict(self) -> dict[str, str | int]:
        return {"path": self.path, "line": self.line, "col": self.col, "message": self.message}


def spec_error(message: str, *, field: str | None = None) -> PydanticCustomError:
    """A validation error raised inside a model, with a message for people.

    ``field`` names the key (by its YAML spelling) the error is about, when the error is
    raised by a validator of the enclosing mapping; the loader then points at that key.
    The message goes through the context rather than the template so that braces in user
    text (``{{.window}}``) are left alone.
    """
    context: dict[str, str] = {"message": message}
    if field is not None:
        context["field"] = field
    return PydanticCustomError("ekkyo", "{message}", context)


def describe(value: object) -> str:
    """A short description of a YAML value for messages: ``string 'abc'``, ``integer 5``."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"{type(value).__name__} {value}"
