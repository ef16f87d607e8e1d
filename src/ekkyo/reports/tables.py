"""Report tables as CSV: every table a report page shows, with unrounded numbers.

Text that people typed (reasons, actions) could start with ``=``, ``+``, ``-`` or ``@``,
which spreadsheets run as formulas; such cells get a leading apostrophe.  Numbers are
written as they are (a negative budget left stays ``-0.25``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Table = tuple[Sequence[str], Iterable[Sequence[Any]]]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(table: Table) -> str:
    header, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _slos(r: dict[str, Any]) -> Table:
    header = [
        "slo",
        "product",
        "team",
        "objective",
        "lifecycle",
        "target",
        "sli",
        "met",
        "good",
        "total",
        "budget_used",
        "remaining_ratio",
        "complete",
    ]
    return header, ([s[h] for h in header] for s in r["slos"])


def _trend(r: dict[str, Any]) -> Table:
    header = ["slo", "objective", "period", "target", "sli", "met", "budget_used", "complete"]
    return header, (
        [
            s["slo"],
            s["objective"],
            p["period"],
            s["target"],
            p["sli"],
            p["met"],
            p["budget_used"],
            p["complete"],
        ]
        for s in r["slos"]
        for p in s["trend"]
    )


def _months(r: dict[str, Any]) -> Table:
    header = ["slo", "objective", "month", "target", "sli", "met", "budget_used", "complete"]
    return header, (
        [
            s["slo"],
            s["objective"],
            p["period"],
            s["target"],
            p["sli"],
            p["met"],
            p["budget_used"],
            p["complete"],
        ]
        for s in r["slos"]
        for p in s["months"]
    )


def _simple(key: str, header: Sequence[str]) -> Callable[[dict[str, Any]], Table]:
    def table(r: dict[str, Any]) -> Table:
        return header, ([row.get(h) for h in header] for row in r[key])

    return table


def _trials(r: dict[str, Any]) -> Table:
    header = ["change", "slo", "product", "at", "from", "to", "reason"]
    return header, (
        [change, t["slo"], t["product"], t["at"], t["from"], t["to"], t["reason"]]
        for change in ("started", "ended")
        for t in r["trials"][change]
    )


REPORT_TABLES: dict[str, Callable[[dict[str, Any]], Table]] = {
    "slos": _slos,
    "trend": _trend,
    "months": _months,
    "incidents": _simple(
        "incidents", ["slo", "product", "objective", "start", "end", "duration_s", "budget_share"]
    ),
    "policy_actions": _simple(
        "policy_actions",
        [
            "at",
            "slo",
            "objective",
            "policy",
            "kind",
            "from_level",
            "to_level",
            "level_label",
            "action",
            "who",
            "budget_share",
            "action_item",
        ],
    ),
    "exceptions": _simple(
        "exceptions",
        ["policy", "slo", "starts_at", "ends_at", "caused_by", "reason", "recorded_by"],
    ),
    "trials": _trials,
    "summary": lambda r: (
        ["period", "objectives", "met", "met_share"],
        ([p["period"], p["objectives"], p["met"], p["met_share"]] for p in r["trend"]),
    ),
}


def health_table(data: dict[str, Any]) -> Table:
    header = [
        "group",
        "objectives",
        "healthy",
        "at_risk",
        "exhausted",
        "no_data",
        "healthy_share",
        "at_risk_share",
        "exhausted_share",
        "no_data_share",
    ]
    return header, (
        [
            g["name"],
            g["total"],
            g["healthy"],
            g["at_risk"],
            g["exhausted"],
            g["no_data"],
            g["shares"]["healthy"],
            g["shares"]["at_risk"],
            g["shares"]["exhausted"],
            g["shares"]["no_data"],
        ]
        for g in data["groups"]
    )
