"""Loading specs: files and texts in, objects and every problem out.

:func:`load_paths` is the only function in :mod:`ekkyo.specs` that touches the file
system, and it only reads (in :func:`_read_files`); everything else works on text.
Each document is recognised by its header:

- ``apiVersion: openslo/v1`` — one OpenSLO object, validated by its ``kind``;
- ``version: prometheus/v1`` — a Sloth service spec, imported (see :mod:`ekkyo.specs.sloth`);
- ``apiVersion: sloth.slok.dev/v1`` with ``kind: PrometheusServiceLevel`` — the same, as a
  Kubernetes resource;
- a YAML list of OpenSLO objects (as some OpenSLO tools write them).

Problems never stop the loading: every file, document and object is checked, and then
the checks across objects (:mod:`ekkyo.specs.validate`) run over everything that parsed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ekkyo.specs.messages import Issue, did_you_mean, issues_from
from ekkyo.specs.model import API_VERSION, KINDS, SLO, SpecObject
from ekkyo.specs.problems import Problem, describe
from ekkyo.specs.sloth import (
    SLOTH_CRD_API_VERSION,
    SLOTH_CRD_KIND,
    SLOTH_VERSION,
    SlothSpec,
    crd_to_spec_data,
    sloth_to_openslo,
)
from ekkyo.specs.validate import Record, build_index, check, resolve_slo
from ekkyo.specs.yaml import Document, Loc, Position, locate, parse_documents

SPEC_SUFFIXES = (".yaml", ".yml")
T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class LoadResult:
    """What loading found.

    ``objects``: every object that parsed, in file and document order (Sloth specs appear
    as their OpenSLO ``Service`` and ``SLO`` objects).  ``slos``: the SLOs among them, in
    the same order, each with its indicator inline (an ``indicatorRef`` resolved) so that
    ``slo.indicator`` needs no look-up; an SLO whose SLI is missing is left out.
    ``problems``: everything wrong, in file order then by position.  ``files``: the files
    read.
    """

    objects: tuple[SpecObject, ...]
    slos: tuple[SLO, ...]
    problems: tuple[Problem, ...]
    files: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def get(self, kind: type[T], name: str) -> T | None:
        """The first object of class ``kind`` named ``name`` (e.g. ``get(SLI, "latency")``)."""
        for obj in self.objects:
            if isinstance(obj, kind) and obj.metadata.name == name:
                return obj
        return None


def load_text(text: str, path: str = "<string>") -> LoadResult:
    """Load the documents of one text; ``path`` names it in problems.  No I/O."""
    return load_texts([(path, text)])


def load_paths(paths: Sequence[str | Path]) -> LoadResult:
    """Load files and directories (recursively: every ``*.yaml`` and ``*.yml`` in them,
    in sorted order, skipping names that start with a dot), all checked together."""
    texts, problems = _read_files(paths)
    return load_texts(texts, problems)


def load_texts(
    texts: Sequence[tuple[str, str]], read_problems: Iterable[Problem] = ()
) -> LoadResult:
    """Load ``(path, text)`` pairs together, as if read from those files."""
    problems = list(read_problems)
    records: list[Record] = []
    broken: set[tuple[str, str]] = set()
    for path, text in texts:
        docs, syntax_problems = parse_documents(text, path)
        problems.extend(syntax_problems)
        for doc in docs:
            loader = _DocumentLoader(path, doc)
            loader.load()
            records.extend(loader.records)
            problems.extend(loader.problems)
            broken |= loader.broken
    index = build_index(records, broken)
    for finding in check(records, index):
        record = finding.record
        problems.append(_problem(record.path, record.node, record.start, finding.issue))
    slos = [resolve_slo(r.obj, index) for r in records if isinstance(r.obj, SLO)]
    order = {path: i for i, (path, _) in enumerate(texts)}
    return LoadResult(
        objects=tuple(r.obj for r in records),
        slos=tuple(slo for slo in slos if slo is not None),
        problems=tuple(
            sorted(set(problems), key=lambda p: (order.get(p.path, -1), p.line, p.col, p.message))
        ),
        files=tuple(path for path, _ in texts),
    )


def _problem(path: str, node: Any, start: Position, issue: Issue) -> Problem:
    if issue.at == "parent":
        pos = locate(node, start, issue.loc[:-1]).key
    else:
        found = locate(node, start, issue.loc)
        pos = found.key if issue.at == "key" else found.value
    return Problem(path, pos.line, pos.col, issue.message)


class _DocumentLoader:
    """Turns one YAML document into records, or into problems."""

    def __init__(self, path: str, doc: Document) -> None:
        self.path = path
        self.doc = doc
        self.records: list[Record] = []
        self.problems: list[Problem] = []
        self.broken: set[tuple[str, str]] = set()

    def load(self) -> None:
        data = self.doc.data
        if isinstance(data, list):
            for i, item in enumerate(data):
                self._openslo_or_report(item, (i,))
            return
        if not isinstance(data, dict):
            self._report((), f"expected an OpenSLO or Sloth spec (a mapping), got {describe(data)}")
            return
        if "apiVersion" in data:
            api_version = data["apiVersion"]
            if api_version == API_VERSION:
                self._openslo(data, ())
            elif api_version == SLOTH_CRD_API_VERSION:
                self._sloth_crd(data)
            else:
                self._report(
                    ("apiVersion",),
                    f"apiVersion: unsupported {describe(api_version)}; ekkyo reads "
                    f"'{API_VERSION}' and Sloth's '{SLOTH_CRD_API_VERSION}'",
                )
        elif "version" in data:
            if data["version"] == SLOTH_VERSION:
                self._sloth(data, ())
            else:
                self._report(
                    ("version",),
                    f"version: unsupported {describe(data['version'])}; "
                    f"Sloth specs have version '{SLOTH_VERSION}'",
                )
        else:
            self._report(
                (), f"missing 'apiVersion' (OpenSLO: '{API_VERSION}') or 'version' (Sloth)"
            )

    def _openslo_or_report(self, data: Any, loc: Loc) -> None:
        if not isinstance(data, dict):
            self._report(loc, f"expected an OpenSLO object (a mapping), got {describe(data)}")
        elif data.get("apiVersion") != API_VERSION:
            field = (*loc, "apiVersion") if "apiVersion" in data else loc
            got = describe(data["apiVersion"]) if "apiVersion" in data else "none"
            self._report(field, f"apiVersion: expected '{API_VERSION}', got {got}")
        else:
            self._openslo(data, loc)

    def _openslo(self, data: dict[str, Any], loc: Loc) -> None:
        kind = data.get("kind")
        # A mapping or list as kind cannot be looked up (unhashable): it is no kind either.
        if not isinstance(kind, str) or kind not in KINDS:
            if "kind" not in data:
                self._report(loc, "missing required field 'kind'")
            else:
                kinds = ", ".join(KINDS)
                hint = did_you_mean(kind, KINDS) if isinstance(kind, str) else ""
                self._report((*loc, "kind"), f"kind: {describe(kind)} is not one of {kinds}{hint}")
            return
        model = KINDS[kind]
        node, start = self._node(loc)
        try:
            obj = model.model_validate(data, strict=True, by_alias=True, by_name=False)
        except ValidationError as exc:
            for issue in issues_from(exc, model):
                self.problems.append(_problem(self.path, node, start, issue))
            metadata = data.get("metadata")
            name = metadata.get("name") if isinstance(metadata, dict) else None
            if isinstance(name, str):
                self.broken.add((kind, name))
            return
        self.records.append(Record(obj, self.path, node, start))

    def _sloth_crd(self, data: dict[str, Any]) -> None:
        if data.get("kind") != SLOTH_CRD_KIND:
            self._report(
                ("kind",) if "kind" in data else (),
                f"kind: expected '{SLOTH_CRD_KIND}' for apiVersion '{SLOTH_CRD_API_VERSION}'",
            )
            return
        if "spec" not in data:
            self._report((), "missing required field 'spec'")
            return
        self._sloth(crd_to_spec_data(data["spec"]), ("spec",))

    def _sloth(self, data: Any, loc: Loc) -> None:
        node, start = self._node(loc)
        try:
            spec = SlothSpec.model_validate(data, strict=True)
        except ValidationError as exc:
            doc = self.doc
            for issue in issues_from(exc, SlothSpec):
                self.problems.append(_problem(self.path, doc.node, doc.start, issue.within(loc)))
            return
        objects = sloth_to_openslo(spec)
        # The Service stands for the whole spec; each SLO for its item under `slos`.
        self.records.append(Record(objects[0], self.path, node, start, from_sloth=True))
        for i, obj in enumerate(objects[1:]):
            item_node, item_start = self._node((*loc, "slos", i))
            self.records.append(Record(obj, self.path, item_node, item_start, from_sloth=True))

    def _node(self, loc: Loc) -> tuple[Any, Position]:
        node: Any = self.doc.node
        for part in loc:
            node = node[part]
        return node, locate(self.doc.node, self.doc.start, loc).value

    def _report(self, loc: Loc, message: str) -> None:
        pos = locate(self.doc.node, self.doc.start, loc).value
        self.problems.append(Problem(self.path, pos.line, pos.col, message))


# --- the file system ---------------------------------------------------------------------


def _read_files(paths: Sequence[str | Path]) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Read every spec file under ``paths``: the one place where specs touch the disk."""
    texts: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for path in _expand(paths):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            problems.append(Problem(path, 1, 1, f"cannot read: {exc.strerror or exc}"))
            continue
        try:
            texts.append((path, data.decode("utf-8-sig")))
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            problems.append(Problem(path, line, col, "not valid UTF-8 text"))
    return texts, problems


def _expand(paths: Sequence[str | Path]) -> list[str]:
    out: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(str(path))
            continue
        found = []
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [
                os.path.join(root, name)
                for name in files
                if name.endswith(SPEC_SUFFIXES) and not name.startswith(".")
            ]
        out.extend(sorted(found))
    return list(dict.fromkeys(out))
