"""Every human-readable word of a notification, in English and Japanese, in one place.

The catalogue is keyed by a message id with one template per language, so it can move to
Django's i18n later (the English template becomes the msgid) without touching the builders.
Number formatting for display lives here too: the event carries unrounded numbers.
"""

from __future__ import annotations

from typing import Final

from ekkyo.notify.event import AlertEvent, Language

#: PagerDuty's limit for ``payload.summary``.
SUMMARY_MAX: Final = 1024
ELLIPSIS: Final = "…"

CATALOG: Final[dict[str, dict[Language, str]]] = {
    "state.pending": {"en": "PENDING", "ja": "保留中"},
    "state.firing": {"en": "FIRING", "ja": "発生中"},
    "state.resolved": {"en": "RESOLVED", "ja": "解消"},
    "severity.page": {"en": "page", "ja": "呼び出し"},
    "severity.ticket": {"en": "ticket", "ja": "チケット"},
    "trial.tag": {"en": "trial: pages no one", "ja": "仮運用: 誰も呼び出しません"},
    "trial.note": {
        "en": "Trial SLO: this alert pages no one.",
        "ja": "仮運用中のSLOです。このアラートで誰かが呼び出されることはありません。",
    },
    "body.firing": {
        "en": "error budget burning at {long_rate} ({long_window}) and {short_rate} "
        "({short_window}), above {factor}",
        "ja": "エラーバジェットを {long_rate}（{long_window}）と {short_rate}（{short_window}）"
        "で消費中、しきい値 {factor} 超過",
    },
    "body.pending": {
        "en": "error budget burning at {long_rate} ({long_window}) and {short_rate} "
        "({short_window}), above {factor}; confirming before it fires",
        "ja": "エラーバジェットを {long_rate}（{long_window}）と {short_rate}（{short_window}）"
        "で消費中、しきい値 {factor} 超過。発生と判断する前に確認中",
    },
    "body.resolved": {
        "en": "burn rates {long_rate} ({long_window}) and {short_rate} ({short_window}), "
        "no longer both above {factor}",
        "ja": "バーンレートは {long_rate}（{long_window}）と {short_rate}（{short_window}）で、"
        "しきい値 {factor} を同時には超えていません",
    },
    "budget.left": {"en": "{value} of the budget left", "ja": "残りバジェット {value}"},
    "summary": {"en": "{tags} {title}: {body}; {budget}", "ja": "{tags} {title}: {body}。{budget}"},
    "field.service": {"en": "Service", "ja": "サービス"},
    "field.team": {"en": "Team", "ja": "チーム"},
    "field.objective": {"en": "Objective", "ja": "目標"},
    "field.sli": {"en": "SLI", "ja": "SLI"},
    "field.budget": {"en": "Error budget left", "ja": "残りエラーバジェット"},
    "field.rule": {"en": "Rule", "ja": "ルール"},
    "field.started": {"en": "Started", "ja": "開始"},
    "field.resolved": {"en": "Resolved", "ja": "解消"},
    "value.objective": {
        "en": "{objective} (target {target})",
        "ja": "{objective}（目標 {target}）",
    },
    "value.rule": {
        "en": "{long_window} and {short_window} above {factor}",
        "ja": "{long_window} と {short_window} が {factor} 超",
    },
    "link.slo": {"en": "Open the SLO page", "ja": "SLOページを開く"},
    "footer": {"en": "ekkyo · alert key {key}", "ja": "ekkyo · アラートキー {key}"},
    "no_data": {"en": "no data", "ja": "データなし"},
    "pagerduty.link": {"en": "SLO page: {name}", "ja": "SLOページ: {name}"},
    # "SLI data missing" (ekkyo.notify.missing): the SLO's source has been failing.
    "missing.state.firing": {"en": "NO DATA", "ja": "データなし"},
    "missing.state.resolved": {"en": "RESOLVED", "ja": "解消"},
    "missing.body.firing": {
        "en": "no SLI data since {since}: the data source fails ({error})",
        "ja": "{since} から SLI データが届いていません。データソースのエラー: {error}",
    },
    "missing.body.resolved": {
        "en": "SLI data arrives again (missing since {since})",
        "ja": "SLI データが再び届いています（{since} から欠落していました）",
    },
    "missing.summary": {"en": "{tags} {title}: {body}", "ja": "{tags} {title}: {body}"},
    "missing.field.since": {"en": "Missing since", "ja": "欠落の開始"},
}

#: Colour-blind-safe markers: they differ in shape, and a word always goes with them.
STATE_EMOJI: Final[dict[str, str]] = {"pending": "⏳", "firing": "🔥", "resolved": "✅"}
TRIAL_EMOJI: Final = "🧪"


def text(message_id: str, language: Language, /, **values: object) -> str:
    """The catalogue's template for ``message_id`` in ``language``, filled with ``values``."""
    return CATALOG[message_id][language].format(**values)


def truncate(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters, an ellipsis marking a cut."""
    if len(value) <= limit:
        return value
    return value[: limit - len(ELLIPSIS)] + ELLIPSIS


def _trim_number(formatted: str) -> str:
    return formatted.rstrip("0").rstrip(".") if "." in formatted else formatted


def percent(ratio: float | None, language: Language, digits: int = 3) -> str:
    """``0.99873`` → ``"99.873%"``; trailing zeros dropped (``0.999`` → ``"99.9%"``)."""
    if ratio is None:
        return text("no_data", language)
    return _trim_number(f"{ratio * 100:.{digits}f}") + "%"


def rate(value: float | None, language: Language) -> str:
    """A burn rate or factor with two decimals at most: ``14.4×``, ``6×``, ``0.05×``."""
    if value is None:
        return text("no_data", language)
    return _trim_number(f"{value:.2f}") + "×"


def state_label(event: AlertEvent) -> str:
    return text(f"state.{event.state}", event.language)


def severity_label(event: AlertEvent) -> str:
    return text(f"severity.{event.severity}", event.language)


def body(event: AlertEvent) -> str:
    """The sentence that says why: the rule's two burn rates against its factor."""
    lang = event.language
    return text(
        f"body.{event.state}",
        lang,
        long_rate=rate(event.long_burn_rate, lang),
        long_window=event.rule.long_window,
        short_rate=rate(event.short_burn_rate, lang),
        short_window=event.rule.short_window,
        factor=rate(event.rule.factor, lang),
    )


def budget_left(event: AlertEvent) -> str:
    return text(
        "budget.left", event.language, value=percent(event.budget_remaining, event.language, 1)
    )


def tags(event: AlertEvent) -> str:
    """``[FIRING][page]`` and, for a trial SLO, ``[trial: pages no one]``: first, so a cut
    summary still says what matters."""
    parts = [state_label(event), severity_label(event)]
    if event.trial:
        parts.append(text("trial.tag", event.language))
    return "".join(f"[{p}]" for p in parts)


def title(event: AlertEvent) -> str:
    """``Checkout availability / availability``: the SLO and its objective."""
    return f"{event.slo_display_name} / {event.objective}"


def summary(event: AlertEvent) -> str:
    """One line for PagerDuty's summary, Slack's fallback text and the webhook: ≤ 1024."""
    line = text(
        "summary",
        event.language,
        tags=tags(event),
        title=title(event),
        body=body(event),
        budget=budget_left(event),
    )
    return truncate(line, SUMMARY_MAX)
