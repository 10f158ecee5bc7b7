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


@privacy_cli.command("rotate-key")
@click.option("--dry-run", is_flag=True, help="Count the values not under the newest key, change nothing.")
def rotate_key_cmd(dry_run: bool) -> None:
    """Re-encrypt stored personal data under the first key of PERSONAL_DATA_KEYS (README: rotating the key).

    Exit status 1 when a value is under none of the listed keys (it is named, and left as it is)."""
    from service_api.personal_data.rotation import rotate

    result = rotate(dry_run=dry_run)
    what = "would re-encrypt" if dry_run else "re-encrypted"
    columns = ", ".join(f"{name} {n}" for name, n in sorted(result.rewritten.items())) or "nothing"
    click.echo(f"{what}: {columns}; already under the newest key: {result.current}")
    if result.changed_meanwhile:
        click.echo(f"{result.changed_meanwhile} values were changed meanwhile (written under the newest key "
                   "by the service) and left as they are")
    if result.unreadable:
        shown = ", ".join(result.unreadable[:20]) + (" …" if len(result.unreadable) > 20 else "")
        click.echo(f"{len(result.unreadable)} values are under none of PERSONAL_DATA_KEYS and were left as they "
                   f"are: {shown}", err=True)
        raise SystemExit(1)
    if not dry_run:
        click.echo("every value is under the newest key: older keys may now be removed from PERSONAL_DATA_KEYS "
                   "(keep them with any backup made before this run)")
