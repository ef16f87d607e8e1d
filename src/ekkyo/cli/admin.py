"""Database and account commands: `ekkyo migrate`, `ekkyo user add`, `ekkyo token create`."""

from __future__ import annotations

import sys

import typer

from ekkyo.cli import app

user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Manage personal API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@app.command()
def migrate() -> None:
    """Create or upgrade the database (SQLite in EKKYO_DATA_DIR, or DATABASE_URL)."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name used to sign in."),
    role: str = typer.Option(..., "--role", help="viewer, member or admin."),
    team: list[str] = typer.Option([], "--team", help="Team slug; repeat for several teams."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    email: str = typer.Option("", "--email", help="E-mail address."),
) -> None:
    """Create a user (or update an existing one's role and teams)."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from ekkyo.accounts.services import UserSpecError, upsert_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user, created = upsert_user(
            name, role=role, teams=team, password=password, email=email, actor_name="cli"
        )
    except UserSpecError as exc:
        _fail(str(exc))
        return
    verb = "created" if created else "updated"
    teams = ", ".join(team) or "no teams"
    typer.echo(f"{verb} user {user.get_username()} ({role}; {teams})")


@token_app.command("create")
def token_create(
    name: str = typer.Argument(..., help="The user the token acts as."),
    label: str = typer.Option("", "--label", help="What the token is for."),
) -> None:
    """Print a new API token for user NAME. It is shown once and stored only hashed."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from ekkyo.accounts.models import ApiToken

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        _fail(f"no user named {name!r}: create one with 'ekkyo user add {name} --role ...'")
        return
    _row, token = ApiToken.issue(user, label=label)
    typer.echo(token)
