"""A report as PDF (WeasyPrint, as the workshop record is), in Japanese or English.

WeasyPrint needs Pango at run time and Noto CJK for Japanese (``fonts-noto-cjk``);
nothing is fetched while rendering (the URL fetcher refuses everything).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ekkyo.reports.svg import met_bars


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report PDF fetches nothing ({url})")


def context(report: dict[str, Any]) -> dict[str, Any]:
    """What the page and the PDF both render (charts in the active language)."""
    return {
        "report": report,
        "chart": met_bars(report["trend"], label=_("Share of objectives that met the target")),
    }


def pdf(report: dict[str, Any], language: str) -> bytes:
    import weasyprint  # heavy: only when a PDF is asked for

    with translation.override(language):
        html = render_to_string("reports/print.html", {**context(report), "language": language})
    return bytes(weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf())
