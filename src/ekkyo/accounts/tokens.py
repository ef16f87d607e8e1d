"""Personal API tokens: create and revoke, with an audit record and a log line.

The clear token exists only in the return value of :func:`create_token`: it is never
logged, audited or stored (the row keeps its SHA-256 and a short hint), so the page that
creates it is the only place it is ever shown.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ekkyo.accounts.models import ApiToken

log = logging.getLogger("ekkyo.accounts")

# Enough for every script a person runs; a cap keeps a runaway script from minting
# thousands of live credentials.
MAX_ACTIVE_TOKENS = 25


class TokenLimitError(ValueError):
    pass


def _detail(row: ApiToken) -> dict[str, Any]:
    # What identifies a token to people and auditors: never the token or its hash.
    return {"token_id": row.pk, "label": row.label, "hint": row.hint, "user": row.user_id}


def _audit(action: str, row: ApiToken, actor: Any) -> None:
    from ekkyo.catalog.services import audit

    audit(
        action,
        "api_token",
        f"{row.user.get_username()}:{row.hint}",
        actor=actor,
        detail=_detail(row),
    )


@transaction.atomic
def create_token(user: Any, label: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user``; the clear text is returned here and nowhere else."""
    # Lock the user's row so two simultaneous creations cannot both pass the cap.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise TokenLimitError(MAX_ACTIVE_TOKENS)
    row, clear = ApiToken.issue(user, label=label.strip())
    _audit("token.create", row, user)
    log.info("API token %s… (id %s) created for %s", row.hint, row.pk, user.get_username())
    return row, clear


@transaction.atomic
def revoke_token(row: ApiToken, actor: Any) -> bool:
    """Revoke ``row`` now; ``False`` when it was already revoked (nothing changes)."""
    updated = ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        return False
    row.refresh_from_db(fields=["revoked_at"])
    _audit("token.revoke", row, actor)
    log.info(
        "API token %s… (id %s) of %s revoked by %s",
        row.hint,
        row.pk,
        row.user.get_username(),
        actor.get_username(),
    )
    return True
