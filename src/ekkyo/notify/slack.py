"""Slack incoming-webhook payloads: Block Kit blocks with a plain ``text`` fallback.

Slack shows ``text`` in notifications and where blocks cannot be drawn, so it carries the
whole summary.  Firing and resolved differ by a word and a marker of a different shape
(🔥/✅/⏳), never by colour alone.  The SLO link is a mrkdwn link rather than a button:
buttons on an app without interactivity show a warning when clicked.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from ekkyo.notify import texts
from ekkyo.notify.event import AlertEvent

# Slack's Block Kit limits (characters).
HEADER_MAX: Final = 150
SECTION_TEXT_MAX: Final = 3000
FIELD_MAX: Final = 2000
CONTEXT_MAX: Final = 2000


def escape(value: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves (for names users typed)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, label: str) -> str:
    # `|` and `>` end the link target in Slack's <url|label> syntax; keep the URL intact
    # by percent-encoding only those (and spaces), leaving an already valid URL unchanged.
    safe_url = quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")
    return f"<{safe_url}|{escape(label)}>"


def _field(label: str, value: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": texts.truncate(f"*{label}*\n{value}", FIELD_MAX)}


def _context(markdown: str) -> dict[str, Any]:
    element = {"type": "mrkdwn", "text": texts.truncate(markdown, CONTEXT_MAX)}
    return {"type": "context", "elements": [element]}


def slack_payload(event: AlertEvent) -> dict[str, Any]:
    """The JSON object to POST to a Slack incoming webhook for ``event``."""
    lang = event.language
    t = texts.text
    header = f"{texts.STATE_EMOJI[event.state]} {texts.state_label(event)} · "
    header += f"{texts.severity_label(event)} · {event.slo_display_name}"
    lead = f"*{_link(event.slo_url, event.slo_display_name)}* · {escape(event.objective)}\n"
    reason = texts.body(event)
    lead += escape(reason[:1].upper() + reason[1:])  # a sentence of its own here
    objective = t(
        "value.objective",
        lang,
        objective=event.objective,
        target=texts.percent(event.target, lang),
    )
    rule = t(
        "value.rule",
        lang,
        long_window=event.rule.long_window,
        short_window=event.rule.short_window,
        factor=texts.rate(event.rule.factor, lang),
    )
    fields = [
        _field(t("field.service", lang), escape(event.service)),
        _field(t("field.team", lang), escape(event.team)),
        _field(t("field.objective", lang), escape(objective)),
        _field(t("field.rule", lang), escape(rule)),
        _field(t("field.sli", lang), texts.percent(event.sli, lang)),
        _field(t("field.budget", lang), texts.percent(event.budget_remaining, lang, 1)),
        _field(t("field.started", lang), event.started_at),
    ]
    if event.state == "resolved":
        fields.append(_field(t("field.resolved", lang), event.occurred_at))
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": texts.truncate(header, HEADER_MAX),
                "emoji": True,
            },
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": texts.truncate(lead, SECTION_TEXT_MAX)},
        },
        {"type": "section", "fields": fields},
    ]
    if event.trial:
        blocks.append(_context(f"{texts.TRIAL_EMOJI} {t('trial.note', lang)}"))
    blocks.append(
        _context(
            _link(event.slo_url, t("link.slo", lang))
            + " · "
            + escape(t("footer", lang, key=event.dedup_key))
        )
    )
    return {"text": escape(texts.summary(event)), "blocks": blocks}
