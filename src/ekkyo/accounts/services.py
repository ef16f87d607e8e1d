"""Account operations shared by the CLI, the admin and the demo loader."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from ekkyo.accounts.models import Profile, Role
from ekkyo.teams.models import Membership, Team


class UserSpecError(ValueError):
    pass


@transaction.atomic
def upsert_user(
    name: str,
    *,
    role: str,
    teams: list[str] | tuple[str, ...] = (),
    password: str | None = None,
    email: str = "",
    actor_name: str = "",
) -> tuple[Any, bool]:
    if role not in Role.values:
        raise UserSpecError(f"--role must be one of {', '.join(Role.values)}, not {role!r}")
    found = {t.slug: t for t in Team.objects.filter(slug__in=teams)}
    missing = [slug for slug in teams if slug not in found]
    if missing:
        known = ", ".join(Team.objects.values_list("slug", flat=True)) or "none yet"
        raise UserSpecError(f"unknown team(s) {', '.join(missing)} (known teams: {known})")
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=name, defaults={"email": email})
    if password is not None:
        if not password:
            raise UserSpecError("the password read from standard input is empty")
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if email:
        user.email = email
    user.save()
    Profile.objects.update_or_create(user=user, defaults={"role": role})
    for team in found.values():
        Membership.objects.get_or_create(team=team, user=user)
    return user, created
