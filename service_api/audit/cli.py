"""`flask audit verify` and `flask audit prune`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify_cmd() -> None:
    """Check the hash chain; report the first broken link (exit status 1 when there is one)."""
    from service_api.audit.verify import verify_chain

    verdict = verify_chain()
    if verdict.ok:
        click.echo(f"audit chain intact: {verdict.checked} entries checked")
        return
    click.echo(f"audit chain broken at entry {verdict.broken_seq}: {verdict.problem} "
               f"({verdict.checked} entries before it are intact)", err=True)
    raise SystemExit(1)


@audit_cli.command("prune")
def prune_cmd() -> None:
    """Delete entries older than AUDIT_RETENTION_DAYS (never less than 183 days); beat runs this daily."""
    from service_api.audit.verify import prune

    days = current_app.extensions["settings"].audit_retention_days
    click.echo(f"{prune(days)} audit entries older than {days} days deleted")
