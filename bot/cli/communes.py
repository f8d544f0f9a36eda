"""`dvcbot communes list|add|set`: the communes this installation serves and their official
units."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import run_admin_command
from bot.core.errors import DomainError
from bot.locales import t
from bot.services import communes, units

communes_cli = typer.Typer(
    help="The communes this installation serves and their official administrative units.",
    no_args_is_help=True,
)


@communes_cli.command("list")
def list_communes(ctx: typer.Context) -> None:
    """Every commune: official unit code and province, villages, registered households."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            found = await communes.summaries(session)
        for summary in found:
            unit = (
                t("communes.unit_line", code=summary.code, province=summary.province or "")
                if summary.code is not None
                else t("communes.no_unit")
            )
            typer.echo(
                t(
                    "communes.list_line",
                    name=summary.name,
                    unit=unit,
                    villages=summary.villages,
                    households=summary.households,
                )
            )

    run_admin_command(ctx, work)


@communes_cli.command("add")
def add_commune(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(help='Its official name, e.g. "Xã Đức Hợp" (accents optional).'),
    ] = None,
    province: Annotated[
        str | None, typer.Option("--province", help="Its province, when the name is not unique.")
    ] = None,
    code: Annotated[int | None, typer.Option("--code", help="Or the official unit code.")] = None,
) -> None:
    """Serve one more commune, checked against the official list after the 2025 merger and
    stored under its official name, code and province. The communes already served keep all
    their data; from then on other commands name the commune meant with --commune."""

    async def work(app: App) -> int:
        if name is None and code is None:
            raise DomainError("communes.need_name")
        found = resolve_unit(name, province, code)
        async with app.db.transaction() as session:
            await communes.add(session, found, timezone=app.settings.commune.timezone)
            served = await communes.count(session)
        typer.echo(t("communes.add_done", unit=found.label, code=found.code))
        typer.echo(t("communes.add_next", count=served, name=found.name))
        return 0

    run_admin_command(ctx, work)


@communes_cli.command("set")
def set_unit(
    ctx: typer.Context,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help='The official name, e.g. "Xã Đức Hợp" (accents optional).'),
    ] = None,
    province: Annotated[
        str | None, typer.Option("--province", help="Its province, when the name is not unique.")
    ] = None,
    code: Annotated[int | None, typer.Option("--code", help="Or the official unit code.")] = None,
    commune: Annotated[
        str | None,
        typer.Option("--commune", help="Which commune (needed when there are several)."),
    ] = None,
) -> None:
    """Tie a commune to its official unit after the 2025 merger: its name, code and province
    as the National Statistics Office lists them."""

    async def work(app: App) -> int:
        async with app.db.transaction() as session:
            target = await communes.chosen(session, commune)
            found = resolve_unit(unit, province, code)
            await communes.set_unit(session, target, found)
        typer.echo(t("communes.set_done", unit=found.label, code=found.code))
        return 0

    run_admin_command(ctx, work)


def resolve_unit(name: str | None, province: str | None, code: int | None) -> units.Unit:
    """The one official unit named by --unit (and --province) or --code."""
    if code is not None:
        by_code = units.by_code(code)
        if by_code is None:
            raise DomainError("communes.unknown_code", code=code)
        return by_code
    if not name:
        raise DomainError("communes.need_unit")
    found = units.find(name, province)
    if not found:
        raise DomainError("communes.unknown_unit", name=name[:60])
    if len(found) > 1:
        choices = "; ".join(f"{unit.label} (--code {unit.code})" for unit in found)
        raise DomainError("communes.ambiguous_unit", name=name[:60], choices=choices)
    return found[0]
