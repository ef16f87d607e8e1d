"""Small server-side SVG charts of an exploration: no script, readable in the PDF too.

Each chart is a line over the explored days with a reference line (the target, or an
empty budget) and carries its numbers in a table beside it on the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 640, 180
PAD_L, PAD_R, PAD_T, PAD_B = 58, 12, 12, 24


def _scale(lo: float, hi: float, value: float) -> float:
    span = hi - lo or 1.0
    return PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - (value - lo) / span)


def line_chart(
    values: Sequence[float | None],
    *,
    reference: float,
    reference_label: str,
    label: str,
    percent_digits: int = 2,
    floor: float | None = None,
) -> SafeString:
    """A line of ``values`` (None: a gap) with a dashed horizontal ``reference`` line."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo = min([*finite, reference]) if finite else reference - 0.01
    hi = max([*finite, reference]) if finite else reference + 0.01
    if floor is not None:
        lo = max(lo, floor)
    pad = (hi - lo) * 0.08 or 0.001
    lo, hi = lo - pad, hi + pad
    n = max(len(values), 2)
    step = (WIDTH - PAD_L - PAD_R) / (n - 1)
    segments: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            if segments[-1]:
                segments.append([])
            continue
        y = _scale(lo, hi, max(v, lo))
        segments[-1].append(f"{PAD_L + i * step:.1f},{y:.1f}")
    paths = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="#0072b2" stroke-width="2"/>',
        ((" ".join(s),) for s in segments if len(s) > 1),
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="2.5" fill="#0072b2"/>',
        ((p.split(",")[0], p.split(",")[1]) for s in segments if len(s) == 1 for p in s),
    )
    ref_y = _scale(lo, hi, reference)
    axis = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#5f6368">{}</text>',
        (
            (PAD_L - 6, f"{_scale(lo, hi, v) + 4:.1f}", f"{v * 100:.{percent_digits}f}%")
            for v in (hi - pad, lo + pad)
        ),
    )
    return format_html(
        '<svg class="spark" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        '<rect x="{l}" y="{t}" width="{iw}" height="{ih}" fill="#ffffff" stroke="#dadce0"/>'
        '<line x1="{l}" x2="{r}" y1="{ry}" y2="{ry}" stroke="#d55e00"'
        ' stroke-dasharray="6 4" stroke-width="1.5"/>'
        '<text x="{r}" y="{ty}" font-size="11" text-anchor="end" fill="#a33b00">{rl}</text>'
        "{axis}{paths}{dots}</svg>",
        w=WIDTH,
        h=HEIGHT,
        label=label,
        l=PAD_L,
        t=PAD_T,
        r=WIDTH - PAD_R,
        iw=WIDTH - PAD_L - PAD_R,
        ih=HEIGHT - PAD_T - PAD_B,
        ry=f"{ref_y:.1f}",
        ty=f"{ref_y - 4:.1f}",
        rl=reference_label,
        axis=axis,
        paths=paths,
        dots=dots,
    )
