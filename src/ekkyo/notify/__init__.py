"""Notifications: alert events, payload builders, and one-shot HTTP senders.

No Django here: the alerting worker (and its durable outbox) builds :class:`AlertEvent`
values, then calls :func:`send` for each target and records the :class:`DeliveryResult`.
See docs/notifications.md for the payloads and the webhook signature.
"""

from ekkyo.notify.event import AlertEvent, BurnRule, Language, Severity, State, dedup_key
from ekkyo.notify.missing import DataMissingEvent, event_from_dict
from ekkyo.notify.pagerduty import UnsupportedEvent, pagerduty_payload
from ekkyo.notify.send import DEFAULT_TIMEOUT, DeliveryResult, OutgoingRequest, prepare, send
from ekkyo.notify.signing import SIGNATURE_HEADER, sign, verify_signature
from ekkyo.notify.slack import slack_payload
from ekkyo.notify.targets import PagerDutyTarget, SlackTarget, Target, WebhookTarget, redact
from ekkyo.notify.webhook import WEBHOOK_VERSION, webhook_payload

__all__ = [
    "DEFAULT_TIMEOUT",
    "SIGNATURE_HEADER",
    "WEBHOOK_VERSION",
    "AlertEvent",
    "BurnRule",
    "DataMissingEvent",
    "DeliveryResult",
    "Language",
    "OutgoingRequest",
    "PagerDutyTarget",
    "Severity",
    "SlackTarget",
    "State",
    "Target",
    "UnsupportedEvent",
    "WebhookTarget",
    "dedup_key",
    "event_from_dict",
    "pagerduty_payload",
    "prepare",
    "redact",
    "send",
    "sign",
    "slack_payload",
    "verify_signature",
    "webhook_payload",
]
