"""The team map's layout: deterministic, layered by type, edges on the nodes' borders."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from ekkyo.teams.graph import NODE_H, NODE_W, Edge, Node, layout

TYPES = ["stream-aligned", "platform", "enabling", "complicated-subsystem"]


def test_it_places_stream_aligned_above_subsystems_above_platforms_and_enabling_aside():
    nodes = [
        Node("pay", "Pay", "stream-aligned"),
        Node("core", "Core", "platform"),
        Node("sre", "SRE", "enabling"),
        Node("ml", "ML", "complicated-subsystem"),
    ]
    placed = {n.slug: n for n in layout(nodes, []).nodes}
    assert placed["pay"].y < placed["ml"].y < placed["core"].y
    assert placed["sre"].x > max(placed[s].x + NODE_W for s in ("pay", "ml", "core"))


def test_it_orders_a_row_after_the_teams_it_works_with():
    nodes = [
        Node("a", "A", "stream-aligned"),
        Node("b", "B", "stream-aligned"),
        Node("p", "P", "platform"),
        Node("q", "Q", "platform"),
    ]
    # Q serves A, P serves B: Q goes under A (left), P under B (right), not by name.
    edges = [Edge(1, "q", "a", "x-as-a-service"), Edge(2, "p", "b", "x-as-a-service")]
    placed = {n.slug: n for n in layout(nodes, edges).nodes}
    assert placed["a"].x < placed["b"].x and placed["q"].x < placed["p"].x


def test_it_ends_edges_on_the_nodes_borders():
    nodes = [Node("a", "A", "stream-aligned"), Node("p", "P", "platform")]
    out = layout(nodes, [Edge(1, "p", "a", "x-as-a-service")])
    a, p = (n for n in sorted(out.nodes, key=lambda n: n.slug))
    e = out.edges[0]
    assert math.isclose(e.y1, p.y, abs_tol=0.1)  # leaves the platform's top
    assert math.isclose(e.y2, a.y + a.h, abs_tol=0.1)  # reaches the stream's bottom


def test_it_draws_two_edges_of_one_pair_side_by_side():
    nodes = [Node("a", "A", "stream-aligned"), Node("p", "P", "platform")]
    edges = [Edge(1, "p", "a", "x-as-a-service"), Edge(2, "a", "p", "collaboration")]
    one, two = layout(nodes, edges).edges
    assert abs(one.x1 - two.x2) > 10 and abs(one.x2 - two.x1) > 10


def test_it_leaves_out_edges_to_unknown_teams_and_to_itself():
    nodes = [Node("a", "A", "stream-aligned")]
    edges = [Edge(1, "a", "gone", "collaboration"), Edge(2, "a", "a", "collaboration")]
    assert layout(nodes, edges).edges == ()


@given(
    st.lists(
        st.tuples(st.sampled_from(TYPES), st.text("abcdef", min_size=1, max_size=4)),
        max_size=14,
        unique_by=lambda t: t[1],
    ),
    st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), max_size=20),
)
def test_it_never_overlaps_nodes_and_gives_the_same_picture_for_any_input_order(teams, pairs):
    nodes = [Node(slug, slug.upper(), kind) for kind, slug in teams]
    edges = [
        Edge(i, nodes[a].slug, nodes[b].slug, "collaboration")
        for i, (a, b) in enumerate(pairs)
        if a < len(nodes) and b < len(nodes)
    ]
    out = layout(nodes, edges)
    boxes = out.nodes
    for i, m in enumerate(boxes):
        assert m.x >= 0 and m.x + m.w <= out.width and m.y >= 0 and m.y + m.h <= out.height
        for n in boxes[i + 1 :]:
            apart_x = m.x + NODE_W <= n.x or n.x + NODE_W <= m.x
            apart_y = m.y + NODE_H <= n.y or n.y + NODE_H <= m.y
            assert apart_x or apart_y
    assert layout(list(reversed(nodes)), list(reversed(edges))) == out
