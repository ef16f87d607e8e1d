"""A workshop's record as Markdown and PDF, in the workshop's language, for those who were
not there.

Markdown is written here, every user text escaped (HTML as entities, Markdown syntax with
backslashes, queries in fences longer than any backtick run in them), so a pasted
``<script>`` or ``# heading`` stays text.  The PDF is the record's print template rendered
by WeasyPrint (Pango underneath, Noto CJK for Japanese); nothing is fetched while it
renders.
"""

from __future__ import annotations

import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ekkyo.catalog.models import Lifecycle
from ekkyo.web.plain import format_target
from ekkyo.workshops.models import Workshop
from ekkyo.workshops.record import as_dict
from ekkyo.workshops.wording import evidence_lines

_INLINE = re.compile(r"([\\`*_\[\]|~])")
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    """User text as literal Markdown text: no HTML, no emphasis, no links, no headings."""
    lines = []
    for line in str(text).splitlines() or [""]:
        line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        line = _INLINE.sub(r"\\\1", line)
        line = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
        lines.append(line)
    # Two trailing spaces keep the author's line breaks inside one paragraph.
    return "  \n".join(lines)


def md_cell(text: str) -> str:
    return md_escape(text).replace("  \n", " ")


def md_code(text: str, info: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _lines(out: list[str], *items: str) -> None:
    out.extend(items)


def _context_section(data: dict[str, Any], out: list[str]) -> None:
    questions = [
        ("users", _("Who uses the service?")),
        ("impact", _("What happens when they cannot?")),
        ("worth", _("What is it worth?")),
        ("promises", _("What has been promised already (SLAs, informal expectations)?")),
        ("outages", _("Past outages and their business impact")),
    ]
    answered = [(q, data["context"][k]) for k, q in questions if data["context"][k].strip()]
    _lines(out, f"## {_('Business context')}", "")
    if not answered:
        _lines(out, _("Nothing was recorded."), "")
    for question, answer in answered:
        _lines(out, f"**{question}**", "", md_escape(answer), "")


def _sli_section(sli: dict[str, Any], out: list[str]) -> None:
    impl = sli["implementation"]
    _lines(out, f"#### {md_escape(sli['type_label'])}", "", md_escape(sli["specification"]), "")
    source = {"prometheus": "Prometheus (PromQL)", "newrelic": "New Relic (NRQL)"}.get(
        impl["source"], _("Push API")
    )
    _lines(out, f"- {_('Data source')}: {source}")
    if impl["kind"] == "threshold":
        _lines(out, f"- {_('Good when the value is')}: {impl['op']} {impl['value']}")
    _lines(out, "")
    queries = [
        (_("Good events query"), impl["good_query"]),
        (_("Total events query"), impl["total_query"]),
        (_("Value query"), impl["threshold_query"]),
    ]
    for label, query in queries:
        if query:
            _lines(out, f"{label}:", "", md_code(query), "")
    if sli["failure_modes"].strip():
        _lines(
            out,
            f"**{_('Failure modes this implementation would miss')}**",
            "",
            md_escape(sli["failure_modes"]),
            "",
        )
    if sli["target"] is not None:
        _lines(
            out,
            f"**{_('Target')}**: {format_target(sli['target'])} / "
            f"{_('%(days)s days') % {'days': sli['window_days']}}",
            "",
        )
        for line in evidence_lines(sli["evidence"] or {}):
            _lines(out, f"- {md_escape(line)}")
        _lines(out, "")


def _agreement_section(data: dict[str, Any], out: list[str]) -> None:
    agreement = data["agreement"]
    agreed = [s for j in data["journeys"] for s in j["slis"] if s["in_agreement"]]
    _lines(out, f"## {_('Agreement')}", "")
    if not agreed:
        _lines(out, _("No SLO has been chosen yet."), "")
    else:
        _lines(
            out,
            f"| {_('SLO')} | {_('Target')} | {_('Window')} | {_('Why this target')} | "
            f"{_('Lifecycle')} |",
            "|---|---|---|---|---|",
        )
        labels = dict(Lifecycle.choices)
        for s in agreed:
            target = format_target(s["target"]) if s["target"] is not None else "—"
            life = str(labels.get(s["slo_lifecycle"], "—")) if s["slo_lifecycle"] else "—"
            if s["trial_ends_on"] and s["slo_lifecycle"] == Lifecycle.TRIAL:
                life += " " + _("until %(day)s") % {"day": s["trial_ends_on"]}
            _lines(
                out,
                f"| {md_cell(s['slo'] or s['slo_name'])} | {target} | "
                f"{_('%(days)s days') % {'days': s['window_days']}} | "
                f"{md_cell(s['reasoning']) or '—'} | {life} |",
            )
        _lines(out, "")
    if agreement["revisit_on"]:
        _lines(out, f"{_('Revisit on')}: {agreement['revisit_on']}", "")
    if agreement["notes"].strip():
        _lines(out, md_escape(agreement["notes"]), "")
    _lines(out, f"### {_('Sign-off')}", "")
    if not agreement["signoffs"]:
        _lines(out, _("Nobody has signed yet."), "")
    for s in agreement["signoffs"]:
        comment = f": {md_cell(s['comment'])}" if s["comment"].strip() else ""
        _lines(
            out,
            f"- {md_cell(s['name'])} ({s['side_label']}), {s['signed_at'][:16].replace('T', ' ')}"
            f"{comment}",
        )
    _lines(
        out,
        "",
        _(
            "Agreed SLOs start in trial operation: no one is paged for them until the trial "
            "review promotes them."
        ),
        "",
    )


def markdown(workshop: Workshop) -> str:
    """The whole record as Markdown, in the workshop's language."""
    with translation.override(workshop.language):
        data = as_dict(workshop)
        out: list[str] = [
            f"# {md_escape(data['title'])}",
            "",
            f"{_('SLI/SLO workshop')} · {md_escape(data['product_name'])} · {data['held_on']}",
            "",
            f"## {_('Participants')}",
            "",
            f"| {_('Name')} | {_('Side')} | {_('Role')} |",
            "|---|---|---|",
        ]
        for p in data["participants"]:
            _lines(out, f"| {md_cell(p['name'])} | {p['side_label']} | {p['role_label']} |")
        _lines(out, "")
        _context_section(data, out)
        _lines(out, f"## {_('Critical user journeys')}", "")
        for journey in data["journeys"]:
            _lines(out, f"### {md_escape(journey['name'])}", "")
            for i, step in enumerate(journey["steps"], 1):
                _lines(out, f"{i}. {md_cell(step)}")
            if journey["steps"]:
                _lines(out, "")
            if journey["words"].strip():
                _lines(out, "> " + md_escape(journey["words"]).replace("\n", "\n> "), "")
            for sli in journey["slis"]:
                _sli_section(sli, out)
        _agreement_section(data, out)
        _lines(out, f"## {_('Parking lot')}", "")
        for item in data["parking_lot"]:
            box = "x" if item["resolved"] else " "
            owner = f" ({md_cell(item['owner'])})" if item["owner"] else ""
            _lines(out, f"- [{box}] {md_cell(item['question'])}{owner}")
        if not data["parking_lot"]:
            _lines(out, _("No open questions."))
        _lines(out, "", f"## {_('Feedback')}", "")
        for f in data["feedback"]:
            author = f" — {md_cell(f['author'])}" if f["author"] else ""
            _lines(
                out, f"- {'★' * f['rating']}{'☆' * (5 - f['rating'])} {md_cell(f['text'])}{author}"
            )
        if not data["feedback"]:
            _lines(out, _("No feedback yet."))
        return "\n".join(out).rstrip() + "\n"


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the workshop PDF fetches nothing ({url})")


def pdf(workshop: Workshop) -> bytes:
    """The record as PDF (WeasyPrint), in the workshop's language."""
    import weasyprint  # heavy: only when a PDF is asked for

    with translation.override(workshop.language):
        data = as_dict(workshop)
        html = render_to_string(
            "workshops/print.html", {"data": data, "language": workshop.language}
        )
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetch)
    return bytes(document.write_pdf())
