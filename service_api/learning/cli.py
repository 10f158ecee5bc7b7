"""`flask intake retrain | models | rollback` (added to the `flask intake` group)."""

from __future__ import annotations

import click

from intake.classify.registry import RegistryError
from service_api.cli import intake_cli
from service_api.models import utcnow


@intake_cli.command("retrain")
@click.option("--no-promote", is_flag=True, help="train and score a candidate, but leave the live model as it is")
def retrain_cmd(no_promote: bool) -> None:
    """Train a candidate on the base data plus staff labels; promote it if it is not worse on held-out slices."""
    from service_api.learning.loop import run_retrain

    report = run_retrain(utcnow(), promote=not no_promote)
    for line in report.lines():
        click.echo(line)


@intake_cli.command("models")
def models_cmd() -> None:
    """List the classifier's versions with their scores (top-1 on each held-out slice)."""
    from service_api.learning.loop import versions

    rows = versions()
    if not rows:
        click.echo("no versions yet: the live model comes from `make model`; "
                   "`flask intake retrain` starts the registry")
        return
    for v in rows:
        scores = "  ".join(f"{name} {s['top1']:.3f}" for name, s in v.scores.items())
        click.echo(f"{v.version}  {v.status:<11} {v.created_at}  {v.examples:>5} examples "
                   f"({v.platform_labels} platform labels)  top-1: {scores}  {v.note}".rstrip())


@intake_cli.command("rollback")
def rollback_cmd() -> None:
    """Return to the model that was live before the current one."""
    from service_api.learning.loop import rollback

    try:
        version = rollback()
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"live model is now {version.version}")
