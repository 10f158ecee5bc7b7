"""`flask components import PATH [--format geojson|csv] [--replace] [--skip-bad] [--report FILE]`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from service_api.components.vocab import FORMATS

components_cli = AppGroup("components", help="The registry of city components (城市部件).")


@components_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="File format (default: from the extension, .geojson/.json or .csv).")
@click.option("--replace", is_flag=True, help="Make the registry equal to the file (delete components not in it).")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even when some rows are bad.")
@click.option("--report", "report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where bad rows are listed (default: PATH's name + .errors.csv in the current folder).")
def import_cmd(path: Path, fmt: str | None, replace: bool, skip_bad: bool, report: Path | None) -> None:
    """Import components from a GeoJSON or CSV file: upserted by code, all or nothing."""
    from service_api.components.importer import ImportFileError, import_components

    try:
        result = import_components(path, fmt=fmt, replace=replace, skip_bad=skip_bad, report_path=report)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    for bad in result.bad_examples[:10]:
        click.echo(f"  {'第' if result.unit == 'line' else '要素'} {bad.line}{' 行' if result.unit == 'line' else ''}"
                   f"  {bad.code or '-'}  {bad.reason}", err=True)
    if result.bad > 10:
        click.echo(f"  …… 另有 {result.bad - 10} 行", err=True)
    click.echo(result.summary())
    if not result.applied:
        raise SystemExit(1)
