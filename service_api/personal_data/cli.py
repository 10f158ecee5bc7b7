"""`flask privacy anonymize` (retention by hand) and `flask privacy rotate-key` (re-encrypt under the newest key)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

privacy_cli = AppGroup("privacy", help="Residents' personal data: retention and encryption keys.")


@privacy_cli.command("anonymize")
@click.option("--older-than", "days", type=click.IntRange(min=1), required=True,
              help="Anonymise cases closed or rejected more than DAYS days ago.")
@click.option("--dry-run", is_flag=True, help="Count what would change, change nothing.")
def anonymize_cmd(days: int, dry_run: bool) -> None:
    """Remove residents' personal data from cases finished more than DAYS days ago."""
    from service_api.personal_data.anonymise import anonymise

    counts = anonymise(days, dry_run=dry_run)
    what = "would change" if dry_run else "changed"
    rows = ", ".join(f"{table} {n}" for table, n in sorted(counts.items()) if table != "reports_due") or "nothing"
    click.echo(f"{what}: {rows}")
