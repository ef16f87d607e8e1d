"""Who may change a series, its sessions and action items (reading is open to everyone)."""

from __future__ import annotations

from typing import Any

from ekkyo.accounts.models import Role
from ekkyo.accounts.permissions import can_edit_team, editable_team_ids, role_of


def can_edit_series(user: Any, series: Any) -> bool:
    """Admins, and members of any of the series' teams (a joint series is shared)."""
    editable = editable_team_ids(user)
    if editable is None:
        return True
    return bool(editable & {t.pk for t in series.teams.all()})


def can_edit_item(user: Any, item: Any) -> bool:
    """Admins, and members of the item's team."""
    return can_edit_team(user, item.team)


def can_create_series(user: Any) -> bool:
    return role_of(user) in (Role.ADMIN, Role.MEMBER)
