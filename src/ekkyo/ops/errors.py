"""The one error the operations raise: its message is meant for the person at the terminal."""

from __future__ import annotations


class OpsError(Exception):
    """A backup or restore that cannot go on; ``str()`` says why and what to do."""
