"""Small helpers for spec tests: valid texts to start from and finding a token's position."""

from __future__ import annotations

import textwrap

from ekkyo.specs import LoadResult


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the ``nth`` occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def value_at(text: str, key_and_value: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, col) of the value in the ``nth`` ``"key: value"`` of ``text``."""
    line, col = at(text, key_and_value, nth)
    return line, col + key_and_value.index(": ") + 2


def positions(result: LoadResult) -> list[tuple[int, int, str]]:
    return [(p.line, p.col, p.message) for p in result.problems]


def only_problem(result: LoadResult) -> tuple[int, int, str]:
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    problem = result.problems[0]
    return problem.line, problem.col, problem.message


def yaml(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


SERVICE = yaml(
    """
    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: checkout
    spec:
      description: Checkout
    """
)

# A valid SLO with an inline ratio SLI; tests replace one line to break it.
SLO = yaml(
    """
    apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: checkout-availability
    spec:
      service: checkout
      indicator:
        metadata:
          name: checkout-errors
        spec:
          ratioMetric:
            counter: true
            bad:
              metricSource:
                type: Prometheus
                spec:
                  query: sum(rate(errors_total[1m]))
            total:
              metricSource:
                type: Prometheus
                spec:
                  query: sum(rate(requests_total[1m]))
      timeWindow:
        - duration: 28d
          isRolling: true
      budgetingMethod: Occurrences
      objectives:
        - displayName: availability
          target: 0.99
    """
)


def with_service(text: str) -> str:
    """``text`` followed by the Service its SLOs refer to."""
    return text + "---\n" + SERVICE
