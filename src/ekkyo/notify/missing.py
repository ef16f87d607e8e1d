"""The "SLI data missing" message: an SLO's pulled source has been failing for a while.

A burn-rate alert cannot fire on data that does not arrive, so a silent source would
otherwise go unnoticed until someone looks at the SLO page.  The worker raises one
:class:`DataMissingEvent` (``firing``) when an SLO's Prometheus or New Relic source has
failed for some minutes, and one ``resolved`` when data arrives again; the outbox delivers
them like alerts.  It is a ``ticket``: people should fix the source, nobody needs to be
woken.  Payloads follow the burn-rate alert's shapes (docs/alerting.md, "Data missing"):

* Slack: the same Block Kit layout, with the source's error;
* PagerDuty: a ``trigger``/``resolve`` with its own ``dedup_key`` and class
  ``slo-data-missing``;
* webhook: ``type`` ``slo.data_missing``, version 1.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Final, Literal

from ekkyo.notify import texts
from ekkyo.notify.event import (
    DEDUP_PREFIX,
    LANGUAGES,
    AlertEvent,
    Language,
    _check_choice,
    _check_iso_utc,
)
from ekkyo.notify.pagerduty import CLIENT, SEVERITY
from ekkyo.notify.slack import HEADER_MAX, SECTION_TEXT_MAX, _context, _field, _link, escape
from ekkyo.notify.webhook import WEBHOOK_VERSION

KIND: Final = "data_missing"
EVENT_TYPE: Final = "slo.data_missing"
EVENT_CLASS: Final = "slo-data-missing"
EMOJI: Final[dict[str, str]] = {"firing": "📭", "resolved": "✅"}
#: How much of the source's error a message quotes.
ERROR_MAX: Final = 300


@dataclass(frozen=True)
class DataMissingEvent:
    """The SLI data of ``slo`` has not arrived since ``since``, or (``resolved``) arrives again.

    ``since`` is when its source started failing and ``occurred_at`` when this change
    happened (ISO-8601 UTC like ``2026-03-02T09:00:00Z``); ``error`` is the source's last
    message, which never holds credentials.
    """

    slo: str
    slo_display_name: str
    service: str
    team: str
    state: Literal["firing", "resolved"]
    since: str
    occurred_at: str
    error: str
    slo_url: str
    language: Language = "en"
    trial: bool = False

    severity: ClassVar[str] = "ticket"

    def __post_init__(self) -> None:
        for name in ("slo", "slo_display_name", "service", "team"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name}: expected a non-empty string")
        _check_choice("state", self.state, ("firing", "resolved"))
        _check_choice("language", self.language, LANGUAGES)
        _check_iso_utc("since", self.since)
        _check_iso_utc("occurred_at", self.occurred_at)
        if self.since > self.occurred_at:  # same fixed format: text order is time order
            raise ValueError("since: must not be after occurred_at")
        if not isinstance(self.error, str):
            raise ValueError("error: expected a string")
        if not self.slo_url.startswith(("https://", "http://")):
            raise ValueError("slo_url: expected an http:// or https:// URL")
        if not isinstance(self.trial, bool):
            raise ValueError("trial: expected true or false")

    @property
    def dedup_key(self) -> str:
        """``"ekkyo:v1:" + sha256('["data_missing","<slo>"]')``: one per SLO, apart from its
        burn-rate alerts' keys (which hash five names)."""
        canonical = json.dumps([KIND, self.slo], ensure_ascii=False, separators=(",", ":"))
        return DEDUP_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def event_id(self) -> str:
        raw = f"{self.dedup_key}|{self.state}|{self.occurred_at}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able values with ``"kind": "data_missing"`` (see :func:`event_from_dict`)."""
        return {"kind": KIND, **{f.name: getattr(self, f.name) for f in fields(self)}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DataMissingEvent:
        values = {k: v for k, v in data.items() if k != "kind"}
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"{unknown[0]}: not a field of a data-missing event")
        try:
            return cls(**values)
        except TypeError as exc:  # a required field is missing
            raise ValueError(f"data-missing event: {exc}") from None


Event = AlertEvent | DataMissingEvent


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """The event an outbox row holds: a data-missing one by its ``kind``, else an alert."""
    if data.get("kind") == KIND:
        return DataMissingEvent.from_dict(data)
    return AlertEvent.from_dict(data)


# --------------------------------------------------------------------------- texts


def _error(event: DataMissingEvent) -> str:
    return texts.truncate(" ".join(event.error.split()), ERROR_MAX) or "—"


def body(event: DataMissingEvent) -> str:
    return texts.text(
        f"missing.body.{event.state}", event.language, since=event.since, error=_error(event)
    )


def tags(event: DataMissingEvent) -> str:
    state = texts.text(f"missing.state.{event.state}", event.language)
    parts = [state, texts.text("severity.ticket", event.language)]
    if event.trial:
        parts.append(texts.text("trial.tag", event.language))
    return "".join(f"[{p}]" for p in parts)


def summary(event: DataMissingEvent) -> str:
    line = texts.text(
        "missing.summary",
        event.language,
        tags=tags(event),
        title=event.slo_display_name,
        body=body(event),
    )
    return texts.truncate(line, texts.SUMMARY_MAX)


# --------------------------------------------------------------------------- payloads


def slack_payload(event: DataMissingEvent) -> dict[str, Any]:
    lang = event.language
    t = texts.text
    state = t(f"missing.state.{event.state}", lang)
    header = f"{EMOJI[event.state]} {state} · {t('severity.ticket', lang)} · "
    header += event.slo_display_name
    reason = body(event)
    lead = f"*{_link(event.slo_url, event.slo_display_name)}*\n"
    lead += escape(reason[:1].upper() + reason[1:])
    fields_ = [
        _field(t("field.service", lang), escape(event.service)),
        _field(t("field.team", lang), escape(event.team)),
        _field(t("missing.field.since", lang), event.since),
    ]
    if event.state == "resolved":
        fields_.append(_field(t("field.resolved", lang), event.occurred_at))
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
        {"type": "section", "fields": fields_},
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
    return {"text": escape(summary(event)), "blocks": blocks}


def pagerduty_payload(event: DataMissingEvent, routing_key: str) -> dict[str, Any]:
    if event.state == "resolved":
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": event.dedup_key}
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": event.dedup_key,
        "client": CLIENT,
        "client_url": event.slo_url,
        "links": [
            {
                "href": event.slo_url,
                "text": texts.text("pagerduty.link", event.language, name=event.slo_display_name),
            }
        ],
        "payload": {
            "summary": summary(event),
            "source": event.service,
            "severity": SEVERITY[event.severity],
            "timestamp": event.occurred_at,
            "component": event.slo,
            "group": event.team,
            "class": EVENT_CLASS,
            "custom_details": {
                "slo": event.slo,
                "slo_display_name": event.slo_display_name,
                "missing_since": event.since,
                "source_error": event.error,
                "trial": event.trial,
                "slo_url": event.slo_url,
            },
        },
    }


def webhook_payload(event: DataMissingEvent) -> dict[str, Any]:
    return {
        "version": WEBHOOK_VERSION,
        "type": EVENT_TYPE,
        "id": event.event_id,
        "dedup_key": event.dedup_key,
        "state": event.state,
        "severity": event.severity,
        "summary": summary(event),
        "language": event.language,
        "slo": {
            "name": event.slo,
            "display_name": event.slo_display_name,
            "service": event.service,
            "team": event.team,
            "url": event.slo_url,
            "trial": event.trial,
        },
        "missing_since": event.since,
        "source_error": event.error,
        "occurred_at": event.occurred_at,
    }
