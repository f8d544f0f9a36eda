"""`dvcbot villages …`, `dvcbot locations …` and `dvcbot invite`: setting up the commune."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.cli.common import CommuneOption, run_admin_command
from bot.core.errors import DomainError
from bot.db.models import Commune, Household, LocationKind, Role, Village
from bot.db.models.people import PROVINCE_ROLES
from bot.services import communes, invites, places

villages_cli = typer.Typer(
    help="The commune's villages (thôn / tổ dân phố).", no_args_is_help=True
)
locations_cli = typer.Typer(help="Help-desk locations.", no_args_is_help=True)


async def commune_of(app: App, session: AsyncSession, name: str | None) -> Commune:
    """The commune --commune names; without it, the only one (made from the settings on a new
    database)."""
    found = await communes.acted_on(session, name)
    if found is not None:
        return found
    settings = app.settings.commune
    return await places.ensure_commune(session, settings.name, settings.timezone)


async def village_named(
    session: AsyncSession, name: str | None, commune: Commune
) -> Village | None:
    """The commune's village called `name` (accents and 'Thôn' optional); None when no name
    was given."""
    if name is None:
        return None
    village = await places.find_village(session, name, commune.id)
    if village is None:
        raise DomainError("places.unknown_village", name=name)
    return village


@villages_cli.command("list")
def list_villages(ctx: typer.Context, commune: CommuneOption = None) -> None:
    """List villages with their registered and official household counts."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            chosen = await commune_of(app, session, commune)
            registered = dict(
                (
                    await session.execute(
                        select(Household.village_id, func.count()).group_by(Household.village_id)
                    )
                ).all()
            )
            for village in await places.list_villages(session, commune_id=chosen.id):
                official = village.official_households
                line = f"{village.name}: {registered.get(village.id, 0)} hộ đã ghi nhận"
                if official is not None:
                    line += f" / {official} hộ theo số liệu chính thức"
                typer.echo(line)

    run_admin_command(ctx, work)


@villages_cli.command("add")
def add_village(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Village name, e.g. 'Thôn Đức An'.")],
    households: Annotated[
        int | None, typer.Option(help="Official number of households, if known.")
    ] = None,
    commune_name: CommuneOption = None,
) -> None:
    """Add a village."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            commune = await commune_of(app, session, commune_name)
            await places.add_village(session, commune, name, official_households=households)
        typer.echo(f"Đã thêm {name}.")

    run_admin_command(ctx, work)


@villages_cli.command("set")
def set_village(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Village name (accents optional).")],
    households: Annotated[int, typer.Option(help="Official number of households.")],
    commune_name: CommuneOption = None,
) -> None:
    """Set a village's official household count."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            commune = await commune_of(app, session, commune_name)
            village = await village_named(session, name, commune)
            assert village is not None
            await places.set_official_households(session, village, households, actor_id=None)
        typer.echo(f"Đã cập nhật {name}: {households} hộ.")

    run_admin_command(ctx, work)


@locations_cli.command("list")
def list_locations(ctx: typer.Context, commune: CommuneOption = None) -> None:
    """List help-desk locations."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            chosen = await commune_of(app, session, commune)
            for location in await places.list_locations(session, commune_id=chosen.id):
                typer.echo(f"{location.name} ({location.kind}) {location.address or ''}".rstrip())

    run_admin_command(ctx, work)


@locations_cli.command("add")
def add_location(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="e.g. 'Nhà văn hóa thôn Đức An'.")],
    kind: Annotated[LocationKind, typer.Option(help="What kind of place.")] = (
        LocationKind.COMMUNE_DESK
    ),
    village: Annotated[str | None, typer.Option(help="The village it belongs to.")] = None,
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    commune_name: CommuneOption = None,
) -> None:
    """Add a help-desk location."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            commune = await commune_of(app, session, commune_name)
            found = await village_named(session, village, commune)
            await places.add_location(
                session, commune, name, kind=kind, village=found, address=address
            )
        typer.echo(f"Đã thêm {name}.")

    run_admin_command(ctx, work)


def invite(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option(help="The role the code gives.")],
    village: Annotated[
        str | None, typer.Option(help="Limit the role to one village (default: whole commune).")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=60, help="Days before the code expires.")] = 7,
    commune_name: CommuneOption = None,
) -> None:
    """Create a single-use invite code (the first admin is invited this way; a province role
    is held in no commune)."""
    if role is Role.CITIZEN:
        typer.echo("dvcbot: citizens need no invite.", err=True)
        raise typer.Exit(2)

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            commune, found = None, None
            if role not in PROVINCE_ROLES:
                commune = await commune_of(app, session, commune_name)
                found = await village_named(session, village, commune)
            created, code = await invites.create(
                session,
                role,
                commune_id=commune.id if commune else None,
                village_id=found.id if found else None,
                created_by_id=None,
                now=datetime.now(UTC),
                ttl=timedelta(days=days),
            )
        expires = created.expires_at.astimezone(app.settings.commune.tz)
        typer.echo(f"Mã mời: {code}")
        typer.echo(f"Người được mời gửi cho bot: /start join-{code}")
        typer.echo(f"Dùng một lần, hết hạn {expires:%H:%M %d/%m/%Y}.")

    run_admin_command(ctx, work)
