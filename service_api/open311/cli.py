"""`flask open311 create-key NAME`, `revoke-key NAME|PREFIX`, `list-keys`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from service_api.open311 import keys

open311_cli = AppGroup("open311", help="Open311 GeoReport v2 partner API keys.")


@open311_cli.command("create-key")
@click.argument("name")
@click.option("--rate-limit", default=keys.DEFAULT_RATE_LIMIT, show_default=True,
              help='Requests allowed per key, e.g. "600/hour" or "10/minute".')
def create_key_cmd(name: str, rate_limit: str) -> None:
    """Issue an API key for partner NAME. The key is printed once; only its hash is kept."""
    try:
        key, plain = keys.create_key(name, rate_limit)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created key {key.prefix}… for {key.name} (rate limit {key.rate_limit})")
    click.echo(plain)


@open311_cli.command("revoke-key")
@click.argument("ref")
def revoke_key_cmd(ref: str) -> None:
    """Revoke the keys of partner REF, or the key whose prefix (o311_…) is REF."""
    revoked = keys.revoke_key(ref)
    if not revoked:
        raise click.ClickException(f"no active key named or prefixed {ref!r}")
    for key in revoked:
        click.echo(f"revoked {key.prefix}… ({key.name})")


@open311_cli.command("list-keys")
def list_keys_cmd() -> None:
    """Every key: prefix, partner, rate limit, state, last use."""
    for key in keys.list_keys():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}Z" if key.last_used_at else "never used"
        click.echo(f"{key.prefix}…\t{key.name}\t{key.rate_limit}\t{state}\t{used}")
