"""Errors every source raises, so the worker can tell "unreachable" from "bad answer"."""

from __future__ import annotations


class SourceError(Exception):
    """A pull failed. ``message`` is for people and never contains credentials."""

    retryable: bool = False


class SourceUnavailable(SourceError):
    """The source could not be reached, timed out, or answered 429/5xx after retries."""

    retryable = True


class SourceResponseError(SourceError):
    """The source answered, but with an error or something that is not what we asked for."""


class SourceConfigError(SourceError):
    """The SLO's metric source or data source settings cannot work (missing URL, query...)."""
