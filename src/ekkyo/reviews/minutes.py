"""Minutes of a session, as a page's context and as Markdown for the team's wiki.

Both are written in the session's language and its series' time zone, whoever reads
them.  In Markdown, everything people typed goes through :mod:`ekkyo.reviews.markdown`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ekkyo.reviews import markdown as md
from ekkyo.reviews.cadence import zone
from ekkyo.reviews.models import TOPIC_KINDS, ActionItem, ReviewSession
from ekkyo.reviews.presenters import notes_by_topic
from ekkyo.reviews.templatetags.reviews_tags import (
    budget_share,
    entry_kind_label,
    item_status_label,
    section_titles,
    session_status_label,
    severity_label,
)
from ekkyo.web import display


def context(session: ReviewSession) -> dict[str, Any]:
    series = session.series
    entries = list(session.entries.select_related("slo").order_by("created_at", "id"))
    titles = section_titles()
    return {
        "session": session,
        "series": series,
        "zone": zone(series.time_zone),
        "local_start": session.starts_at.astimezone(zone(series.time_zone)),
        "attendance": list(session.attendance.select_related("user", "team")),
        "notes": [
            (titles.get(topic, "") or _("Other notes"), items)
            for topic, items in notes_by_topic(entries).items()
        ],
        "topics": [e for e in entries if e.kind in TOPIC_KINDS],
        "raised": list(session.raised_items.select_related("team", "owner", "slo")),
        "closed": list(session.closed_items.select_related("team", "owner", "slo")),
        "agenda_sections": [
            (titles.get(s.get("kind"), s.get("kind")), len(s.get("entries") or []))
            for s in session.agenda.get("sections") or []
        ],
    }


def _who(user: Any) -> str:
    if user is None:
        return _("nobody yet")
    return user.get_full_name() or user.get_username()


def _item_line(item: ActionItem) -> str:
    parts = [md.escape(item.title)]
    facts = [
        _("owner: %(owner)s") % {"owner": md.escape(_who(item.owner))},
        _("team: %(team)s") % {"team": md.escape(item.team.slug)},
        _("status: %(status)s") % {"status": item_status_label(item.status)},
    ]
    if item.due_on:
        facts.append(_("due: %(day)s") % {"day": item.due_on.isoformat()})
    if item.slo:
        facts.append(_("SLO: %(slo)s") % {"slo": md.escape(item.slo.name)})
    parts.append("(" + ", ".join(facts) + ")")
    if item.external_url:
        parts.append(md.link(_("issue"), item.external_url))
    return "- " + " ".join(parts)


def _agenda_lines(session: ReviewSession) -> list[str]:
    titles = section_titles()
    lines: list[str] = []
    for section in session.agenda.get("sections") or []:
        kind = section.get("kind")
        entries = section.get("entries") or []
        lines.append(f"- {md.escape(titles.get(kind, str(kind)))}: {len(entries)}")
        for e in entries[:10]:
            if kind in ("burned", "at_risk"):
                text = f"{e.get('display_name') or e.get('slo')} / {e.get('objective', '')}"
                extra = (
                    _("burned %(share)s of the budget") % {"share": budget_share(e["burned"])}
                    if "burned" in e
                    else _("%(share)s of the budget left")
                    % {"share": budget_share(e.get("remaining_ratio"))}
                )
                lines.append(f"    - {md.escape(text)}: {extra}")
            elif kind == "alerts":
                text = f"{e.get('slo')} / {e.get('objective', '')}"
                lines.append(f"    - {md.escape(text)}: {severity_label(e.get('severity', ''))}")
            elif kind == "trials":
                lines.append(f"    - {md.escape(e.get('slo', ''))}: {e.get('trial_ends_on', '')}")
            elif kind == "maintenance":
                lines.append(
                    f"    - {md.escape(e.get('scope', ''))}: {md.escape(e.get('reason', ''))}"
                )
            elif kind == "action_items":
                lines.append(f"    - {md.escape(e.get('title', ''))}")
    return lines


def markdown(session: ReviewSession) -> str:
    """The minutes as Markdown, in the session's language and the series' time zone."""
    series = session.series
    tz = zone(series.time_zone)
    with translation.override(session.language), timezone.override(tz):
        c = context(session)
        local = c["local_start"]
        out = [
            md.heading(1, f"{series.name} {local:%Y-%m-%d}"),
            "",
            f"- {_('When')}: {local:%Y-%m-%d %H:%M} ({md.escape(series.time_zone)})",
            f"- {_('Status')}: {session_status_label(session.status)}",
            f"- {_('Facilitator')}: {md.escape(_who(session.facilitator))}",
        ]
        people = ", ".join(
            md.escape(a.user.get_username()) + (f" ({md.escape(a.team.slug)})" if a.team else "")
            for a in c["attendance"]
        )
        out.append(f"- {_('Attendees')}: {people or '—'}")
        if session.ice_break:
            out.append(f"- {_('Ice-break')}: {md.escape(session.ice_break)}")
        out += ["", md.heading(2, _("Agenda")), "", *_agenda_lines(session)]
        out += ["", md.heading(2, _("Notes and findings")), ""]
        if not c["notes"]:
            out.append(_("No notes."))
        for title, entries in c["notes"]:
            out += [md.heading(3, title), ""]
            for e in entries:
                label = entry_kind_label(e.kind)
                slo = f" [{md.escape(e.slo.name)}]" if e.slo else ""
                out.append(f"- {label}{slo}: {md.block(e.text, '  ')}")
            out.append("")
        out += ["", md.heading(2, _("Topics shared")), ""]
        for e in c["topics"]:
            out.append(f"- {entry_kind_label(e.kind)}: {md.block(e.text, '  ')}")
        if not c["topics"]:
            out.append(_("No topics."))
        out += ["", md.heading(2, _("New action items")), ""]
        out += [_item_line(i) for i in c["raised"]] or [_("None.")]
        out += ["", md.heading(2, _("Action items closed in this session")), ""]
        out += [_item_line(i) for i in c["closed"]] or [_("None.")]
        if session.summary:
            out += ["", md.heading(2, _("Summary")), "", md.block(session.summary)]
        generated = display.NONE
        if session.agenda_generated_at:
            generated = f"{session.agenda_generated_at.astimezone(tz):%Y-%m-%d %H:%M}"
        out += ["", "---", _("Agenda generated %(at)s by ekkyo.") % {"at": generated}, ""]
    return "\n".join(out)
