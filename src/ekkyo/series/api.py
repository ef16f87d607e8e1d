"""``POST /api/v1/buckets``: the push API (API.md).

The body is parsed and checked by hand (:mod:`ekkyo.series.push`) rather than by a ninja
schema, so that every problem is reported with its item index and field, and so that a
1,000-bucket push costs a few milliseconds.  The OpenAPI document still describes it.
"""

from __future__ import annotations

import difflib
import json
import threading
import time
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router, Schema

from ekkyo.accounts.models import Role
from ekkyo.accounts.permissions import editable_team_ids, role_of
from ekkyo.api.errors import ApiError
from ekkyo.catalog.models import SLO
from ekkyo.series import push, store
from ekkyo.series.objectives import SeriesLayout, layout_of

router = Router(tags=["buckets"])


class PushAccepted(Schema):
    accepted: int
    duplicate: bool | None = None


class ErrorBody(Schema):
    error: dict[str, Any]


_COUNTS = {"type": "integer", "minimum": 0, "description": "Events in the minute."}
_ITEM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["slo", "t"],
    "properties": {
        "slo": {"type": "string", "description": "The SLO's metadata.name."},
        "objective": {
            "oneOf": [{"type": "string"}, {"type": "integer", "minimum": 0}],
            "description": "The objective's displayName or index; optional when the SLO's "
            "objectives share its indicator.",
        },
        "t": {
            "oneOf": [
                {"type": "string", "format": "date-time"},
                {"type": "integer", "multipleOf": 60},
            ],
            "description": "Start of the minute: ISO-8601 with a zone, or Unix seconds.",
        },
        "good": _COUNTS,
        "total": _COUNTS,
        "value": {"type": "number", "description": "Threshold SLIs: the minute's value."},
    },
}
_BODY_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["buckets"],
    "properties": {
        "idempotency_key": {
            "type": "string",
            "minLength": 1,
            "maxLength": push.MAX_KEY_LENGTH,
            "description": "A repeat with the same key and body changes nothing.",
        },
        "buckets": {
            "type": "array",
            "minItems": 1,
            "maxItems": push.MAX_BUCKETS,
            "items": _ITEM,
        },
    },
}

# Layouts parsed from SLO specs, by (id, spec_hash): a changed spec is a new entry.
_layouts: dict[tuple[int, str], SeriesLayout] = {}
# name -> (target, fetched at).  Looking 1,000 names up costs more than the rest of a
# push, so a server process reuses what it found for a couple of seconds.  Only names it
# found are kept, so a new SLO is found at once; a renamed, moved or deleted one may be
# taken under its old identity for up to DIRECTORY_TTL_S (and compaction drops the rows
# of SLOs deleted in the meantime).
_directory: dict[str, tuple[push.SloTarget, float]] = {}
_lock = threading.Lock()
_MAX_ENTRIES = 50_000
DIRECTORY_TTL_S = 2.0


def forget_cached_slos() -> None:
    """Empty this process's SLO cache (tests; and after catalog changes in-process)."""
    with _lock:
        _directory.clear()
        _layouts.clear()


def lookup_targets(names: set[str]) -> dict[str, push.SloTarget]:
    """The SLOs named in a push, with their series layout."""
    now = time.monotonic()
    found: dict[str, push.SloTarget] = {}
    for name in names:
        entry = _directory.get(name)
        if entry is not None and now - entry[1] < DIRECTORY_TTL_S:
            found[name] = entry[0]
    missing = names - found.keys()
    if not missing:
        return found
    rows = list(
        SLO.objects.filter(name__in=missing).values_list(
            "id", "name", "spec_hash", "service__team_id"
        )
    )
    unparsed = [(r[0], r[2]) for r in rows if (r[0], r[2]) not in _layouts]
    specs = (
        dict(SLO.objects.filter(id__in=[u[0] for u in unparsed]).values_list("id", "spec"))
        if unparsed
        else {}
    )
    with _lock:
        if len(_directory) > _MAX_ENTRIES or len(_layouts) > _MAX_ENTRIES:
            _directory.clear()
            _layouts.clear()
        for slo_id, digest in unparsed:
            if slo_id in specs:
                _layouts[(slo_id, digest)] = layout_of(specs[slo_id])
        for slo_id, name, digest, team_id in rows:
            layout = _layouts.get((slo_id, digest))
            if layout is None:  # deleted between the two queries
                continue
            found[name] = push.SloTarget(slo_id, name, team_id, layout)
            _directory[name] = (found[name], now)
    return found


def _suggester() -> Any:
    names: list[str] = []

    def suggest(name: str) -> str | None:
        if not names:
            names.extend(SLO.objects.values_list("name", flat=True))
        close = difflib.get_close_matches(name, names, n=1)
        return close[0] if close else None

    return suggest


def _parse(request: HttpRequest) -> Any:
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(
            413,
            "payload_too_large",
            f"The body is too large. Send at most {push.MAX_BUCKETS:,} buckets per push.",
        ) from None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "invalid_json", "The body is nested too deeply.") from None
    # An escape such as "\ud800" decodes to a lone surrogate, which no database can store
    # (a pair of escapes is one character and fine).  Only bodies with such escapes (or
    # in UTF-16/32, which json.loads also reads) pay for the check.
    if b"\\ud" in raw or b"\\uD" in raw or b"\x00" in raw[:4]:
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise ApiError(400, "invalid_json", "The body is nested too deeply.") from None
        except UnicodeEncodeError:
            raise ApiError(
                400,
                "invalid_json",
                "The body is not valid JSON text: it has an unpaired surrogate escape "
                "(\\ud800 to \\udfff without its pair).",
            ) from None
    return body


@router.post(
    "",
    response={200: PushAccepted, frozenset({400, 401, 403, 409, 413, 422}): ErrorBody},
    exclude_none=True,
    summary="Push per-minute SLI buckets",
    description=(
        "All-or-nothing: every bucket is stored, or none and a 422 names each bad item by "
        "index and field. Repeating an idempotency_key with the same body changes nothing "
        "and answers duplicate: true; with another body, 409. Only members of each SLO's "
        "team, and admins, may push."
    ),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}
    },
)
def push_buckets(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    allowed = editable_team_ids(user)  # None: every team (admins)
    if allowed is not None and not allowed and role_of(user) != Role.MEMBER:
        raise ApiError(
            403, "forbidden", "Viewers cannot push buckets: members of the SLO's team can."
        )
    try:
        key, items = push.check_envelope(_parse(request))
        targets = lookup_targets(push.slo_names(items))
        columns = push.build_columns(items, targets, now_s=time.time(), suggest=_suggester())
    except push.PushTooLarge as exc:
        raise ApiError(413, "payload_too_large", str(exc)) from None
    except push.PushInvalid as exc:
        raise ApiError(422, "invalid_request", exc.message, exc.details) from None
    if allowed is not None:
        used_ids = {slo_id for slo_id, _key in columns.series}
        forbidden = sorted(
            t.name for t in targets.values() if t.id in used_ids and t.team_id not in allowed
        )
        if forbidden:
            raise ApiError(
                403,
                "forbidden",
                "You may push only to SLOs of your teams; not to: " + ", ".join(forbidden),
                [{"slo": name} for name in forbidden],
            )
    try:
        result = store.append_columns(columns, idempotency_key=key, actor=user)
    except store.IdempotencyConflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    if result.duplicate:
        return {"accepted": result.accepted, "duplicate": True}
    return {"accepted": result.accepted}
