from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ekkyo.accounts.models import ApiToken, Profile, hash_token
from ekkyo.cli import _register, app
from tests.factories import make_team, user_model

pytestmark = pytest.mark.django_db(transaction=True)
_register()
runner = CliRunner()


def test_it_adds_a_member_of_a_team_with_a_password_from_stdin():
    make_team("checkout")
    result = runner.invoke(
        app,
        ["user", "add", "hana", "--role", "member", "--team", "checkout", "--password-stdin"],
        input="correct horse\n",
    )
    assert result.exit_code == 0, result.output
    user = user_model().objects.get(username="hana")
    assert user.check_password("correct horse")
    assert Profile.objects.get(user=user).role == "member"
    assert list(user.memberships.values_list("team__slug", flat=True)) == ["checkout"]


def test_it_refuses_an_unknown_role():
    result = runner.invoke(app, ["user", "add", "x", "--role", "owner"])
    assert result.exit_code == 1
    assert "--role must be one of viewer, member, admin" in result.output


def test_it_refuses_an_unknown_team_and_names_it():
    make_team("checkout")
    result = runner.invoke(app, ["user", "add", "y", "--role", "member", "--team", "chekout"])
    assert result.exit_code == 1
    assert "unknown team(s) chekout" in result.output
    assert not user_model().objects.filter(username="y").exists()


def test_it_prints_a_token_once_and_stores_its_hash():
    runner.invoke(app, ["user", "add", "bot", "--role", "member"])
    result = runner.invoke(app, ["token", "create", "bot", "--label", "ci"])
    assert result.exit_code == 0
    token = result.output.strip()
    row = ApiToken.objects.get(user__username="bot")
    assert row.token_hash == hash_token(token) and row.label == "ci"


def test_it_explains_how_to_create_a_missing_user_for_a_token():
    result = runner.invoke(app, ["token", "create", "ghost"])
    assert result.exit_code == 1
    assert "ekkyo user add ghost" in result.output
