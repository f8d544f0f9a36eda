"""`dvcbot villages …`, `dvcbot locations …` and `dvcbot invite`: setting up the commune."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from sqlalchemy import func, select

from bot.app import App
from bot.cli.common import settings_from, setup_logging, with_app
from bot.db.models import Household, LocationKind, Role
from bot.locales import t
from bot.services import invites, places
from bot.services.errors import DomainError

villages_cli = typer.Typer(
    help="The commune's villages (thôn / tổ dân phố).", no_args_is_help=True
)
locations_cli = typer.Typer(help="Help-desk locations.", no_args_is_help=True)


def fail(problem: DomainError) -> typer.Exit:
    typer.echo(f"dvcbot: {t(problem.key, **problem.values)}", err=True)
    return typer.Exit(1)


@villages_cli.command("list")
def list_villages(ctx: typer.Context) -> None:
    """List villages with their registered and official household counts."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            counts = dict(
                (
                    await session.execute(
                        select(Household.village_id, func.count()).group_by(Household.village_id)
                    )
                ).all()
            )
            for village in await places.list_villages(session):
                official = village.official_households
                typer.echo(
                    f"{village.name}: {counts.get(village.id, 0)} hộ đã ghi nhận"
                    + (f" / {official} hộ theo số liệu chính thức" if official is not None else "")
                )

    setup_logging(settings_from(ctx), quiet=True)
    with_app(settings_from(ctx), work)


@villages_cli.command("add")
def add_village(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Village name, e.g. 'Thôn Đức An'.")],
    households: Annotated[
        int | None, typer.Option(help="Official number of households, if known.")
    ] = None,
) -> None:
    """Add a village."""

    async def work(app: App) -> None:
        try:
            async with app.db.transaction() as session:
                commune = await places.ensure_commune(
                    session, app.settings.commune.name, app.settings.commune.timezone
                )
                await places.add_village(session, commune, name, official_households=households)
        except DomainError as problem:
            raise fail(problem) from None
        typer.echo(f"Đã thêm {name}.")

    setup_logging(settings_from(ctx), quiet=True)
    with_app(settings_from(ctx), work)


@villages_cli.command("set")
def set_village(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Village name (accents optional).")],
    households: Annotated[int, typer.Option(help="Official number of households.")],
) -> None:
    """Set a village's official household count."""

    async def work(app: App) -> None:
        try:
            async with app.db.transaction() as session:
                village = await places.find_village(session, name)
                if village is None:
                    raise DomainError("places.unknown_village", name=name)
                await places.set_official_households(session, village, households, actor_id=None)
        except DomainError as problem:
            raise fail(problem) from None
        typer.echo(f"Đã cập nhật {name}: {households} hộ.")

    setup_logging(settings_from(ctx), quiet=True)
    with_app(settings_from(ctx), work)


@locations_cli.command("list")
def list_locations(ctx: typer.Context) -> None:
    """List help-desk locations."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            for location in await places.list_locations(session):
                typer.echo(f"{location.name} ({location.kind}) {location.address or ''}".rstrip())

    setup_logging(settings_from(ctx), quiet=True)
    with_app(settings_from(ctx), work)


@locations_cli.command("add")
def add_location(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="e.g. 'Nhà văn hóa thôn Đức An'.")],
    kind: Annotated[LocationKind, typer.Option(help="What kind of place.")] = (
        LocationKind.COMMUNE_DESK
    ),
    village: Annotated[str | None, typer.Option(help="The village it belongs to.")] = None,
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
) -> None:
    """Add a help-desk location."""

    async def work(app: App) -> None:
        try:
            async with app.db.transaction() as session:
                commune = await places.ensure_commune(
                    session, app.settings.commune.name, app.settings.commune.timezone
                )
                found = await places.find_village(session, village) if village else None
                if village and found is None:
                    raise DomainError("places.unknown_village", name=village)
                await places.add_location(
                    session, commune, name, kind=kind, village=found, address=address
                )
        except DomainError as problem:
            raise fail(problem) from None
        typer.echo(f"Đã thêm {name}.")

    setup_logging(settings_from(ctx), quiet=True)
    with_app(settings_from(ctx), work)


def invite(
    ctx: typer.Context,
    role: Annotated[Role, typer.Option(help="The role the code gives.")],
    village: Annotated[
        str | None, typer.Option(help="Limit the role to one village (default: whole commune).")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=60, help="Days before the code expires.")] = 7,
) -> None:
    """Create a single-use invite code (the first admin is invited this way)."""
    if role is Role.CITIZEN:
        typer.echo("dvcbot: citizens need no invite.", err=True)
        raise typer.Exit(2)

    async def work(app: App) -> None:
        now = datetime.now(UTC)
        try:
            async with app.db.transaction() as session:
                found = await places.find_village(session, village) if village else None
                if village and found is None:
                    raise DomainError("places.unknown_village", name=village)
                created, code = await invites.create(
                    session,
                    role,
                    village_id=found.id if found else None,
                    created_by_id=None,
                    now=now,
                    ttl=timedelta(days=days),
                )
        except DomainError as problem:
            raise fail(problem) from None
        expires = created.expires_at.astimezone(app.settings.commune.tz)
        typer.echo(f"Mã mời: {code}")
        typer.echo(f"Người được mời gửi cho bot: /start join-{code}")
        typer.echo(f"Dùng một lần, hết hạn {expires:%H:%M %d/%m/%Y}.")

    setup_logging(settings_from(ctx), quiet=True)
    with_app(settings_from(ctx), work)
