"""The team map's layout: teams as nodes, interactions as edges (pure: no Django, no I/O).

A simple deterministic layered layout in the spirit of Team Topologies' drawings:
stream-aligned teams in the top row, complicated-subsystem teams below them, platform
teams at the bottom, and enabling teams in a column on the right, beside the teams they
help.  Within a row teams are ordered by the mean position of the teams they interact
with in the rows already placed (one barycentre pass, ties by name), which keeps most
edges short without anything random: the same teams always give the same picture.

Edges are straight segments between the nodes' borders; several edges between one pair
are drawn side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ROWS = ("stream-aligned", "complicated-subsystem", "platform")
SIDE = "enabling"

NODE_W = 168.0
NODE_H = 56.0
GAP_X = 56.0
GAP_Y = 96.0
MARGIN = 32.0
PARALLEL = 14.0


@dataclass(frozen=True)
class Node:
    slug: str
    name: str
    type: str


@dataclass(frozen=True)
class Edge:
    id: int
    source: str
    target: str
    mode: str
    embedded_sre: bool = False


@dataclass(frozen=True)
class PlacedNode:
    slug: str
    name: str
    type: str
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    @property
    def hexagon(self) -> str:
        """SVG points of a hexagon filling the box (complicated-subsystem teams)."""
        cut = min(14.0, self.w / 4)
        corners = [
            (self.x, self.cy),
            (self.x + cut, self.y),
            (self.x + self.w - cut, self.y),
            (self.x + self.w, self.cy),
            (self.x + self.w - cut, self.y + self.h),
            (self.x + cut, self.y + self.h),
        ]
        return " ".join(f"{x:g},{y:g}" for x, y in corners)


@dataclass(frozen=True)
class PlacedEdge:
    id: int
    source: str
    target: str
    mode: str
    embedded_sre: bool
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def mx(self) -> float:
        return (self.x1 + self.x2) / 2

    @property
    def my(self) -> float:
        return (self.y1 + self.y2) / 2


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "width": self.width,
            "height": self.height,
            "nodes": [
                {
                    "slug": n.slug,
                    "name": n.name,
                    "type": n.type,
                    "x": n.x,
                    "y": n.y,
                    "w": n.w,
                    "h": n.h,
                }
                for n in self.nodes
            ],
            "edges": [
                {
                    "id": e.id,
                    "source": e.source,
                    "target": e.target,
                    "mode": e.mode,
                    "embedded_sre": e.embedded_sre,
                    "x1": e.x1,
                    "y1": e.y1,
                    "x2": e.x2,
                    "y2": e.y2,
                }
                for e in self.edges
            ],
        }


def _row_of(node: Node) -> int | None:
    return ROWS.index(node.type) if node.type in ROWS else None


def _order(
    row: list[Node], placed: dict[str, float], neighbours: dict[str, set[str]]
) -> list[Node]:
    def key(node: Node) -> tuple[float, str]:
        xs = [placed[n] for n in neighbours.get(node.slug, ()) if n in placed]
        return (sum(xs) / len(xs) if xs else math.inf, node.name.lower() + node.slug)

    return sorted(row, key=key)


def _clip(a: PlacedNode, tx: float, ty: float) -> tuple[float, float]:
    """Where the segment from ``a``'s centre towards ``(tx, ty)`` leaves ``a``'s box."""
    dx, dy = tx - a.cx, ty - a.cy
    if dx == 0 and dy == 0:
        return a.cx, a.cy
    scale = min(
        (a.w / 2) / abs(dx) if dx else math.inf,
        (a.h / 2) / abs(dy) if dy else math.inf,
    )
    return a.cx + dx * scale, a.cy + dy * scale


def layout(nodes: Sequence[Node], edges: Sequence[Edge]) -> Layout:
    """Positions for every node and edge (edges to unknown teams are left out)."""
    by_slug = {n.slug: n for n in nodes}
    neighbours: dict[str, set[str]] = {}
    for e in edges:
        if e.source in by_slug and e.target in by_slug and e.source != e.target:
            neighbours.setdefault(e.source, set()).add(e.target)
            neighbours.setdefault(e.target, set()).add(e.source)
    rows: list[list[Node]] = [[] for _ in ROWS]
    side: list[Node] = []
    for n in sorted(nodes, key=lambda n: (n.name.lower(), n.slug)):
        index = _row_of(n)
        (side if index is None else rows[index]).append(n)

    placed_x: dict[str, float] = {}
    ordered_rows = []
    for row in rows:
        ordered = _order(row, placed_x, neighbours)
        for i, n in enumerate(ordered):
            placed_x[n.slug] = float(i)
        ordered_rows.append(ordered)
    # With teams above and below it, the middle row sits in the gaps between columns, so
    # a straight edge from a platform team to the stream-aligned team above it does not
    # run through a complicated-subsystem team.
    between = bool(ordered_rows[0] and ordered_rows[1] and ordered_rows[2])
    slots = [len(r) + (1 if between and k == 1 else 0) for k, r in enumerate(ordered_rows)]
    widest = max([*slots, 1])
    main_w = widest * NODE_W + (widest - 1) * GAP_X

    out: list[PlacedNode] = []
    y = MARGIN
    used_rows = [(k, r) for k, r in enumerate(ordered_rows) if r]
    for k, row in used_rows:
        count = slots[k]
        row_w = count * NODE_W + (count - 1) * GAP_X
        x0 = MARGIN + (main_w - row_w) / 2  # centred under the widest row
        if count > len(row):
            x0 += (NODE_W + GAP_X) / 2
        for i, n in enumerate(row):
            out.append(
                PlacedNode(n.slug, n.name, n.type, x0 + i * (NODE_W + GAP_X), y, NODE_W, NODE_H)
            )
        y += NODE_H + GAP_Y
    main_h = max(y - GAP_Y - MARGIN, 0.0)

    side_x = MARGIN + (main_w + GAP_X * 1.5 if used_rows else 0.0)
    side_h = len(side) * NODE_H + max(len(side) - 1, 0) * (GAP_Y / 2)
    sy = MARGIN + max((main_h - side_h) / 2, 0.0)
    centre = {p.slug: p.cy for p in out}
    side_sorted = sorted(
        side,
        key=lambda n: (
            _mean([centre[m] for m in neighbours.get(n.slug, ()) if m in centre]),
            n.name.lower() + n.slug,
        ),
    )
    for i, n in enumerate(side_sorted):
        out.append(
            PlacedNode(
                n.slug, n.name, n.type, side_x, sy + i * (NODE_H + GAP_Y / 2), NODE_W, NODE_H
            )
        )

    width = max((p.x + p.w for p in out), default=0.0) + MARGIN
    height = max((p.y + p.h for p in out), default=0.0) + MARGIN
    return Layout(width, height, tuple(out), _place_edges(out, edges))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.inf


def _place_edges(nodes: list[PlacedNode], edges: Sequence[Edge]) -> tuple[PlacedEdge, ...]:
    at = {n.slug: n for n in nodes}
    pairs: dict[frozenset[str], list[Edge]] = {}
    for e in sorted(edges, key=lambda e: e.id):
        if e.source in at and e.target in at and e.source != e.target:
            pairs.setdefault(frozenset((e.source, e.target)), []).append(e)
    out = []
    for group in pairs.values():
        for k, e in enumerate(group):
            a, b = at[e.source], at[e.target]
            # Side by side: offsets ..., -1, 0, 1, ... times PARALLEL, perpendicular to the
            # line, measured in one direction for the pair whichever way each edge points.
            lo, hi = sorted((a, b), key=lambda n: n.slug)
            dx, dy = hi.cx - lo.cx, hi.cy - lo.cy
            length = math.hypot(dx, dy) or 1.0
            nx, ny = -dy / length, dx / length
            shift = (k - (len(group) - 1) / 2) * PARALLEL
            ox, oy = nx * shift, ny * shift
            x1, y1 = _clip(a, b.cx + ox, b.cy + oy)
            x2, y2 = _clip(b, a.cx + ox, a.cy + oy)
            out.append(
                PlacedEdge(
                    e.id,
                    e.source,
                    e.target,
                    e.mode,
                    e.embedded_sre,
                    round(x1 + ox, 1),
                    round(y1 + oy, 1),
                    round(x2 + ox, 1),
                    round(y2 + oy, 1),
                )
            )
    return tuple(sorted(out, key=lambda e: e.id))
