"""Flask CLI commands: `flask staff create-user`, `flask taxonomy load`, `flask gazetteer import`,
`flask demo load`, `flask intake process-pending`, `flask stats refresh`, `flask calendar import`,
`flask auth sign-in-code` (demo only)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from service_api.extensions import db
from service_api.models import STAFF_ROLES

staff_cli = AppGroup("staff", help="Staff accounts.")
taxonomy_cli = AppGroup("taxonomy", help="The matter directory and departments.")
gazetteer_cli = AppGroup("gazetteer", help="The gazetteer used by the geocoder.")
demo_cli = AppGroup("demo", help="Demo data for a fresh machine.")
intake_cli = AppGroup("intake", help="Intake maintenance.")
stats_cli = AppGroup("stats", help="The per-day rollup behind the satisfaction statistics.")
calendar_cli = AppGroup("calendar", help="The official working calendar (holidays and make-up days).")
auth_cli = AppGroup("auth", help="Residents' sign-in (demo helpers; refused in production).")


@staff_cli.command("create-user")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--password", default=None, help="The password (asked for when neither it nor --generate is given).")
@click.option("--generate", is_flag=True,
              help="Generate a password and print it; in production it must be changed at the first sign-in.")
@click.option("--display-name", default="")
@click.option("--department", "department_code", default=None, help="Department code (required for handlers).")
def create_user(name: str, role: str, password: str | None, generate: bool, display_name: str,
                department_code: str | None) -> None:
    """Create a staff user NAME with a role (passwords: README "Security and personal data")."""
    import secrets

    from service_api.auth.staff import create_staff_user

    if generate:
        password = secrets.token_urlsafe(12) + "-9"
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_staff_user(name, password or "", role, display_name=display_name,
                                 department_code=department_code, initial=generate)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created staff user {user.username} ({user.role})" + (f" password {password}" if generate else ""))


@taxonomy_cli.command("load")
def taxonomy_load() -> None:
    """Load the matter directory and the routing table's departments (idempotent)."""
    from service_api.reference.loading import load_departments, load_taxonomy

    categories = load_taxonomy()
    departments = load_departments()
    click.echo(f"matter directory: {categories} entries; departments: {departments}")


@gazetteer_cli.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def gazetteer_import(directory: Path) -> None:
    """Import areas.geojson and addresses.geojson from DIRECTORY, replacing the current gazetteer."""
    from service_api.reference.gazetteer_import import import_gazetteer

    areas, addresses = import_gazetteer(directory, progress=True)
    click.echo(f"imported {areas} areas and {addresses} addresses")


@demo_cli.command("load")
@click.option("--password", default="demo-pass-2026", show_default=True, help="Password of the demo staff users.")
def demo_load(password: str) -> None:
    """Demo staff users (one per role) for the demo city; skips users that exist. Demo city components."""
    from service_api.components.demo import load_demo_components
    from service_api.reference.loading import load_demo_staff

    for line in load_demo_staff(password):
        click.echo(line)
    click.echo(f"demo components (城市部件, labelled demo): {load_demo_components()}")


@intake_cli.command("process-pending")
@click.option("--limit", default=500, show_default=True)
def process_pending_cmd(limit: int) -> None:
    """Retry intake for reports whose inline intake failed."""
    from service_api.cases.intake_pipeline import process_pending

    click.echo(f"{process_pending(limit)} reports got their case")


@stats_cli.command("refresh")
@click.option("--full", is_flag=True, help="Rebuild the whole rollup instead of folding in the cases that changed.")
def stats_refresh_cmd(full: bool) -> None:
    """Bring the stats rollup up to date (Celery beat does this every STATS_REFRESH_SECONDS)."""
    from service_api.stats.rollup import refresh

    result = refresh(full=full)
    what = "rebuilt" if result.full else "refreshed"
    click.echo(f"stats rollup {what}: {result.cases} cases in {result.seconds:.2f} s")


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import(path: Path) -> None:
    """Load holidays (休) and make-up days (班) from the CSV file PATH (date,kind,name), replacing its years."""
    from service_api.reference.work_calendar import CalendarFileError, import_calendar

    try:
        loaded = import_calendar(path)
    except CalendarFileError as exc:
        raise click.ClickException(f"{path}：\n" + "\n".join(exc.problems)) from exc
    for year, (days_off, make_up_days) in loaded.items():
        click.echo(f"{year} 年：放假 {days_off} 天，调休上班 {make_up_days} 天")


@auth_cli.command("sign-in-code")
@click.argument("phone")
def sign_in_code(phone: str) -> None:
    """Print a new SMS sign-in code for PHONE (outside ENV=production only: the demo sends no SMS)."""
    from service_api.auth.resident import DemoOnly, demo_sign_in_code
    from service_api.errors import APIError

    try:
        number, code, ttl = demo_sign_in_code(phone)
    except (DemoOnly, APIError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{number} 的登录验证码：{code}（{ttl // 60}分钟内有效；此前发出的验证码作废）")


def register_commands(app: Flask) -> None:
    import service_api.learning.cli  # noqa: F401  (adds retrain, models, rollback to `flask intake`)
    from service_api.audit.cli import audit_cli
    from service_api.components.cli import components_cli
    from service_api.open311.cli import open311_cli
    from service_api.personal_data.cli import privacy_cli

    for group in (staff_cli, taxonomy_cli, gazetteer_cli, demo_cli, intake_cli, stats_cli, calendar_cli, auth_cli,
                  open311_cli, components_cli, audit_cli, privacy_cli):
        app.cli.add_command(group)
    _ = db
