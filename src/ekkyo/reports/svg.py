"""Server-side SVG of a report's trend: the share of objectives meeting their target per
period, as bars with the number on each (readable in the PDF and in print)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 560, 170
PAD_L, PAD_R, PAD_T, PAD_B = 36, 8, 14, 26


def met_bars(points: Sequence[dict[str, Any]], *, label: str) -> SafeString:
    n = max(len(points), 1)
    slot = (WIDTH - PAD_L - PAD_R) / n
    inner = HEIGHT - PAD_T - PAD_B

    def bar(i: int, p: dict[str, Any]) -> dict[str, Any]:
        share = p.get("met_share")
        h = 0.0 if share is None else inner * share
        x = PAD_L + i * slot + slot * 0.15
        return {
            "x": f"{x:.1f}",
            "y": f"{PAD_T + inner - h:.1f}",
            "w": f"{slot * 0.7:.1f}",
            "h": f"{h:.1f}",
            "tx": f"{x + slot * 0.35:.1f}",
            "ty": f"{PAD_T + inner - h - 3:.1f}",
            "text": "—" if share is None else f"{share * 100:.0f}%",
            "period": p.get("period", ""),
            "py": HEIGHT - 8,
        }

    bars = format_html_join(
        "",
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#009e73"/>'
        '<text x="{tx}" y="{ty}" font-size="10" text-anchor="middle" fill="#1d1d1f">{text}</text>'
        '<text x="{tx}" y="{py}" font-size="10" text-anchor="middle"'
        ' fill="#5f6368">{period}</text>',
        (bar(i, p) for i, p in enumerate(points)),
    )
    return format_html(
        '<svg class="bars" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{label}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        '<line x1="{l}" x2="{r}" y1="{b}" y2="{b}" stroke="#5f6368"/>{bars}</svg>',
        w=WIDTH,
        h=HEIGHT,
        label=label,
        l=PAD_L,
        r=WIDTH - PAD_R,
        b=PAD_T + inner,
        bars=bars,
    )
