"""Structure-aware fuzzing of specs: valid files with one node made hostile.

Each example takes a valid file (the examples shipped with ekkyo and a test spec), picks
one node of one document (a mapping, list or scalar at any depth) and replaces it with a
hostile value, deletes it, renames its key or buries it in deep nesting.  The loader must
answer with clear problems (a position and a short, one-line message) and never raise,
within a per-example deadline; what it accepts must go on through the toolkit (engine
objectives, emitting OpenSLO, one evaluation) without an exception.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ekkyo import toolkit
from ekkyo.specs import LoadResult, emit_openslo, load_texts
from ekkyo.specs.problems import MAX_MESSAGE
from tests.fuzz.hostile import deep, hostile_values, to_yaml
from tests.specs.helpers import SERVICE, SLO

ROOT = Path(__file__).resolve().parents[2]
AT = 1_772_323_200  # a fixed evaluation time (2026-03-01T00:00:00Z)
# Per example: loading plus, when accepted, the toolkit.  The worst case seen is 0.6 s on
# an idle machine (2,000 unknown keys); the margin is for a loaded CI machine.
DEADLINE_MS = 5000
FUZZ = settings(
    max_examples=150,
    deadline=DEADLINE_MS,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _seeds() -> list[tuple[str, list[Any]]]:
    yaml = YAML(typ="safe", pure=True)
    files = sorted((ROOT / "examples").rglob("*.yaml"))
    seeds = [(p.name, [d for d in yaml.load_all(p.read_text()) if d is not None]) for p in files]
    seeds.append(("helpers.yaml", [yaml.load(SERVICE), yaml.load(SLO)]))
    return seeds


SEEDS = _seeds()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, list[Any], str]:
    """(file name, its documents with one node changed, what was done)."""
    name, docs = draw(st.sampled_from(SEEDS))
    docs = copy.deepcopy(docs)
    index = draw(st.integers(0, len(docs) - 1))
    path = draw(st.sampled_from(_paths(docs[index])))
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "rename", "bury"]))
    if action == "delete" and path:
        parent = docs[index]
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    elif action == "rename" and path and isinstance(path[-1], str):
        parent = docs[index]
        for step in path[:-1]:
            parent = parent[step]
        parent[draw(hostile_values().map(str))[:1000]] = parent.pop(path[-1])
    elif action == "bury":
        old = docs[index]
        for step in path:
            old = old[step]
        docs[index] = _set(docs[index], path, deep(draw(st.integers(50, 300)), leaf=old))
    else:
        docs[index] = _set(docs[index], path, draw(hostile_values()))
        action = "replace"
    return name, docs, f"{action} {'.'.join(map(str, path)) or '<document>'}"


def to_yaml_docs(docs: list[Any]) -> str:
    return "\n---\n".join(to_yaml(d) for d in docs) + "\n"


def _assert_clear(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    assert result.ok == (not result.problems)
    for p in result.problems:
        assert p.line >= 1 and p.col >= 1, p
        assert p.message.strip(), p
        assert "\n" not in p.message, f"a problem spans several lines: {p.message[:200]!r}"
        assert len(p.message) <= MAX_MESSAGE, f"a problem of {len(p.message)} characters"


def _use(result: LoadResult) -> None:
    """What `ekkyo validate`, `evaluate` and the worker do next with accepted specs."""
    for slo in result.slos:
        toolkit.window_of(slo)
        toolkit.objectives_of(slo)
    emit_openslo(result.objects)
    toolkit.evaluate(result, {}, at=AT)


@pytest.mark.slow
@FUZZ
@given(mutated_files())
def test_it_answers_a_hostile_node_with_clear_problems_only(case):
    name, docs, _what = case
    text = to_yaml_docs(docs)
    started = time.perf_counter()

    result = load_texts([(name, text)])

    _assert_clear(result)
    if result.ok:
        _use(result)
    assert time.perf_counter() - started < DEADLINE_MS / 1000


def test_it_can_spell_every_hostile_value_in_yaml():
    yaml = YAML(typ="safe", pure=True)
    value = {"n": 10**400, "f": [float("inf"), -0.0], "s": "\u202e\x00", "d": deep(300)}

    back = yaml.load(to_yaml(value))

    assert back["n"] == 10**400
    assert back["f"][0] == float("inf")
    assert back["s"] == "\u202e\x00"
    depth, node = 0, back["d"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert depth == 300
