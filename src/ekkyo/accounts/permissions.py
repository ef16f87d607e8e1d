"""Who may do what: the one place that answers it, for pages and the API alike."""

from __future__ import annotations

from typing import Any

from ekkyo.accounts.models import Profile, Role


def role_of(user: Any) -> str:
    """The user's role; anonymous users have none, superusers are admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if user.is_superuser:
        return Role.ADMIN
    profile = Profile.objects.filter(user=user).only("role").first()
    return profile.role if profile else Role.VIEWER


def is_admin(user: Any) -> bool:
    return role_of(user) == Role.ADMIN


def can_view(user: Any) -> bool:
    """Every signed-in user sees every team's SLOs: reliability is shared knowledge."""
    return role_of(user) != ""


def can_edit_team(user: Any, team: Any) -> bool:
    """Admins edit everything; members edit what belongs to their own teams; viewers nothing."""
    role = role_of(user)
    if role == Role.ADMIN:
        return True
    if role != Role.MEMBER or team is None:
        return False
    return bool(team.memberships.filter(user=user).exists())


def editable_team_ids(user: Any) -> set[int] | None:
    """Ids of the teams ``user`` may edit; ``None`` means all of them (admins)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return None
    if role != Role.MEMBER:
        return set()
    return set(user.memberships.values_list("team_id", flat=True))
