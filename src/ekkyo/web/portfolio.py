"""The portfolio: every product and SLO objective with its latest status, in a few queries.

One row per SLO objective (what people call "an SLO" when they read a target), built from
the catalog and the worker's :class:`~ekkyo.worker.models.SLOStatus` snapshots; nothing is
evaluated on a request.  The page, its htmx partial and its JSON twin all render the same
:class:`Portfolio`, so they cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from ekkyo.catalog.models import SLO, Lifecycle, Service
from ekkyo.teams.models import Team
from ekkyo.web import display
from ekkyo.web.objectives import names_and_targets
from ekkyo.web.plain import format_target
from ekkyo.worker.models import SLOStatus, State

STATES: tuple[str, ...] = (State.HEALTHY, State.AT_RISK, State.EXHAUSTED, State.NO_DATA)
SORTS: tuple[str, ...] = ("team", "budget", "-budget")


def slo_url(name: str) -> str:
    # One reverse() per script prefix, not one per row: SLO names are URL-safe (DNS labels).
    return _slo_url_prefix(get_script_prefix()) + name


@functools.cache
def _slo_url_prefix(script_prefix: str) -> str:
    return reverse("slo", args=["x"])[:-1]


@dataclass(frozen=True)
class Filters:
    team: str = ""
    product: str = ""
    lifecycle: str = ""
    status: str = ""
    sort: str = "team"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Filters from GET parameters; unknown values of the fixed lists are ignored."""
        lifecycle = query.get("lifecycle", "")
        status = query.get("status", "")
        sort = query.get("sort", "team")
        return cls(
            team=query.get("team", "").strip(),
            product=query.get("product", "").strip(),
            lifecycle=lifecycle if lifecycle in Lifecycle.values else "",
            status=status if status in STATES else "",
            sort=sort if sort in SORTS else "team",
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "team": self.team,
            "product": self.product,
            "lifecycle": self.lifecycle,
            "status": self.status,
            "sort": self.sort,
        }


@dataclass(frozen=True)
class Row:
    slo: str
    display_name: str
    objective: str
    objective_index: int
    objective_count: int
    team: Team
    product: Service
    lifecycle: str
    trial_ends_on: date | None
    target: float | None
    state: str
    sli: float | None
    remaining_ratio: float | None
    fastest_burn_rate: float | None
    alerts_firing: int
    computed_at: datetime | None

    # What the table prints, computed here: a template filter per cell costs too much on a
    # page of a thousand rows.
    @property
    def sli_text(self) -> str:
        return display.percent(self.sli, 3)

    @property
    def remaining_text(self) -> str:
        return display.percent(self.remaining_ratio, 1)

    @property
    def bar_width(self) -> str:
        return display.bar_width(self.remaining_ratio)

    @property
    def burn_text(self) -> str:
        return display.burn(self.fastest_burn_rate)

    @property
    def state_label(self) -> str:
        return display.state_label(self.state)

    @property
    def state_icon(self) -> str:
        return display.state_icon(self.state)

    @property
    def lifecycle_label(self) -> str:
        return display.lifecycle_label(self.lifecycle)

    @property
    def target_text(self) -> str:
        return display.NONE if self.target is None else format_target(self.target)

    @property
    def updated_text(self) -> str:
        if self.computed_at is None:
            return ""
        return timezone.localtime(self.computed_at).strftime("%Y-%m-%d %H:%M")

    @property
    def url(self) -> str:
        return slo_url(self.slo)

    def as_json(self) -> dict[str, Any]:
        return {
            "slo": self.slo,
            "display_name": self.display_name,
            "objective": self.objective,
            "objective_index": self.objective_index,
            "team": self.team.slug,
            "product": self.product.name,
            "lifecycle": self.lifecycle,
            "trial_ends_on": self.trial_ends_on.isoformat() if self.trial_ends_on else None,
            "target": self.target,
            "state": self.state,
            "sli": self.sli,
            "remaining_ratio": self.remaining_ratio,
            "fastest_burn_rate": self.fastest_burn_rate,
            "alerts_firing": self.alerts_firing,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }


@dataclass
class ProductGroup:
    product: Service
    rows: list[Row] = field(default_factory=list)


@dataclass
class TeamGroup:
    team: Team
    products: list[ProductGroup] = field(default_factory=list)


@dataclass
class Portfolio:
    filters: Filters
    rows: list[Row]
    groups: list[TeamGroup]
    summary: dict[str, int]
    teams: list[Team]
    products: list[Service]
    catalog_is_empty: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "filters": self.filters.as_dict(),
            "summary": self.summary,
            "rows": [row.as_json() for row in self.rows],
            "products": [
                {
                    "team": group.team.slug,
                    "name": pg.product.name,
                    "display_name": pg.product.display_name,
                    "rows": len(pg.rows),
                }
                for group in self.groups
                for pg in group.products
            ],
        }


def _rows_of(slo: SLO) -> Iterable[Row]:
    statuses = {s.objective_index: s for s in slo.statuses.all()}
    spec_objectives = {i: (name, target) for i, name, target in names_and_targets(slo.spec)}
    indices = sorted(set(spec_objectives) | set(statuses)) or [0]
    for i in indices:
        status = statuses.get(i)
        spec = spec_objectives.get(i)
        name = spec[0] if spec else (status.objective if status else "")
        yield Row(
            slo=slo.name,
            display_name=slo.display_name or slo.name,
            objective=name,
            objective_index=i,
            objective_count=len(indices),
            team=slo.service.team,
            product=slo.service,
            lifecycle=slo.lifecycle,
            trial_ends_on=slo.trial_ends_on,
            target=spec[1] if spec else None,
            state=status.state if status else State.NO_DATA,
            sli=status.sli if status else None,
            remaining_ratio=status.remaining_ratio if status else None,
            fastest_burn_rate=status.fastest_burn_rate if status else None,
            alerts_firing=status.alerts_firing if status else 0,
            computed_at=status.computed_at if status else None,
        )


def _budget_key(row: Row) -> tuple[bool, float, str, int]:
    # Rows without a number sort last whichever way the budget is sorted.
    missing = row.remaining_ratio is None
    return (missing, row.remaining_ratio or 0.0, row.slo, row.objective_index)


def build(filters: Filters, team_scope: Team | None = None) -> Portfolio:
    """The portfolio under ``filters`` (and only ``team_scope``'s products when given)."""
    teams = list(Team.objects.order_by("name"))
    # Every product, for the filter's choices; the listing filters them in Python.
    products = list(Service.objects.select_related("team").order_by("team__name", "name"))
    slos = SLO.objects.select_related("service__team").prefetch_related(
        Prefetch("statuses", queryset=SLOStatus.objects.defer("result"))
    )
    if team_scope is not None:
        products = [p for p in products if p.team_id == team_scope.pk]
        slos = slos.filter(service__team=team_scope)
    if filters.team:
        slos = slos.filter(service__team__slug=filters.team)
    if filters.product:
        slos = slos.filter(service__name=filters.product)
    if filters.lifecycle:
        slos = slos.filter(lifecycle=filters.lifecycle)
    service_list = [
        p
        for p in products
        if (not filters.team or p.team.slug == filters.team)
        and (not filters.product or p.name == filters.product)
    ]
    all_rows = [row for slo in slos.order_by("name") for row in _rows_of(slo)]

    summary = dict.fromkeys(STATES, 0)
    for row in all_rows:
        summary[row.state] += 1
    summary["total"] = len(all_rows)
    rows = [r for r in all_rows if not filters.status or r.state == filters.status]

    by_product: dict[int, list[Row]] = {}
    for row in rows:
        by_product.setdefault(row.product.pk, []).append(row)
    groups: list[TeamGroup] = []
    for service in service_list:
        product_rows = by_product.get(service.pk, [])
        # A status or lifecycle filter hides products it leaves empty; otherwise a
        # product without SLOs stays visible, with what to do next.
        if not product_rows and (filters.status or filters.lifecycle):
            continue
        if not groups or groups[-1].team.pk != service.team.pk:
            groups.append(TeamGroup(service.team))
        groups[-1].products.append(ProductGroup(service, product_rows))

    if filters.sort == "team":
        rows = [r for g in groups for pg in g.products for r in pg.rows]
    else:
        rows.sort(key=_budget_key)
        if filters.sort == "-budget":
            with_number = [r for r in rows if r.remaining_ratio is not None][::-1]
            rows = with_number + [r for r in rows if r.remaining_ratio is None]

    catalog_is_empty = not products and not SLO.objects.exists()
    return Portfolio(
        filters=filters,
        rows=rows,
        groups=groups,
        summary=summary,
        teams=teams,
        products=products,
        catalog_is_empty=catalog_is_empty,
    )
