"""Security commands: `ekkyo rotate-key`."""

from __future__ import annotations

import typer

from ekkyo.cli import app


@app.command("rotate-key")
def rotate_key(
    generate: bool = typer.Option(
        False, "--generate", help="Only print a new key to put first in EKKYO_ENCRYPTION_KEY."
    ),
) -> None:
    """Re-encrypt every stored secret with the first key of EKKYO_ENCRYPTION_KEY.

    Rotate by putting a new key first (comma-separated, the old ones after it), restarting
    web and worker processes, running this command, then removing the old keys.
    """
    if generate:
        from cryptography.fernet import Fernet

        typer.echo(Fernet.generate_key().decode("ascii"))
        return
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from ekkyo.security.crypto import DecryptionError
    from ekkyo.security.rotation import rotate

    try:
        report = rotate()
    except DecryptionError as exc:
        typer.echo(f"error: {exc}; nothing was changed", err=True)
        raise typer.Exit(1) from None
    plain = f" ({report.were_plain} stored in plain text before)" if report.were_plain else ""
    typer.echo(
        f"re-encrypted {report.values} secret(s) in {report.fields} field(s) "
        f"with the newest key{plain}"
    )
