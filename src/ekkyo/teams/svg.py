"""A small server-side SVG of a scorecard's trend: the score per week, level bands behind.

No script, so it reads the same on the page, in print and in a screenshot; the numbers
are in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 520, 140
PAD_L, PAD_R, PAD_T, PAD_B = 40, 10, 10, 22


def _y(value: float) -> float:
    return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - value)


def _anchor(i: int, n: int) -> str:
    if n > 1 and i == 0:
        return "start"
    return "end" if n > 1 and i == n - 1 else "middle"


def trend(
    points: Sequence[tuple[str, float | None]],
    *,
    practising: float,
    self_sufficient: float,
    label: str,
) -> SafeString:
    """Score (0–1) per week; dashed lines at the two level thresholds."""
    n = max(len(points), 2)
    step = (WIDTH - PAD_L - PAD_R) / (n - 1)
    xy = [
        (PAD_L + i * step, _y(score))
        for i, (_week, score) in enumerate(points)
        if score is not None
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" fill="#0072b2"/>',
        ((f"{x:.1f}", f"{y:.1f}") for x, y in xy),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="{}" fill="#5f6368">{}</text>',
        (
            # The first and last labels lean inwards so the chart's edges do not cut them.
            (f"{PAD_L + i * step:.1f}", HEIGHT - 6, _anchor(i, len(points)), week[5:])
            for i, (week, _s) in enumerate(points)
            if i in (0, len(points) - 1) or len(points) <= 8
        ),
    )
    guides = format_html_join(
        "",
        '<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="{c}" stroke-dasharray="5 4"/>'
        '<text x="{tx}" y="{ty}" font-size="10" text-anchor="end" fill="{c}">{p}</text>',
        (
            {
                "l": PAD_L,
                "r": WIDTH - PAD_R,
                "y": f"{_y(v):.1f}",
                "c": c,
                "tx": PAD_L - 4,
                "ty": f"{_y(v) + 3:.1f}",
                "p": f"{v * 100:.0f}%",
            }
            for v, c in ((practising, "#8a5a00"), (self_sufficient, "#006e50"))
        ),
    )
    return format_html(
        '<svg class="trend" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        '<rect x="{l}" y="{t}" width="{iw}" height="{ih}" fill="#fff" stroke="#dadce0"/>'
        '{guides}<polyline points="{line}" fill="none" stroke="#0072b2" stroke-width="2"/>'
        "{dots}{ticks}</svg>",
        w=WIDTH,
        h=HEIGHT,
        label=label,
        l=PAD_L,
        t=PAD_T,
        iw=WIDTH - PAD_L - PAD_R,
        ih=HEIGHT - PAD_T - PAD_B,
        guides=guides,
        line=line,
        dots=dots,
        ticks=ticks,
    )
