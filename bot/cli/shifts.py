"""`dvcbot shifts …`: templates, closed and make-up days, generation, holidays, monthly counts."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.cli.common import CommuneOption, run_admin_command
from bot.core.errors import DomainError
from bot.db.base import utcnow
from bot.db.models import Location
from bot.services import communes, places
from bot.services.shifts import attendance, calendar, templates
from bot.services.shifts import text as shift_text
from bot.services.shifts.text import WEEKDAYS
from bot.vntext import fold

shifts_cli = typer.Typer(help="Desk shifts: templates, days off, shifts.", no_args_is_help=True)
template_cli = typer.Typer(help="Weekly shift templates per location.", no_args_is_help=True)
day_cli = typer.Typer(help="Closed days and make-up working days.", no_args_is_help=True)
shifts_cli.add_typer(template_cli, name="template")
shifts_cli.add_typer(day_cli, name="day")

LocationOption = Annotated[
    str | None, typer.Option("--location", "-l", help="Only this location (default: all).")
]
NoteOption = Annotated[str | None, typer.Option(help="Why, e.g. the decision's number.")]
ProvinceOption = Annotated[
    bool,
    typer.Option(
        "--province-wide",
        help="For every commune of the province (a commune's own day still wins).",
    ),
]


def parse_weekdays(text: str) -> list[int]:
    """ "mon-fri", "sat", "mon,wed,fri" -> weekday numbers (0 = Monday)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise typer.BadParameter(f"use mon, tue, wed, thu, fri, sat, sun: {part!r}")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days.update(range(start, end + 1))
    return sorted(days)


async def find_location(
    session: AsyncSession, name: str | None, commune_id: int | None
) -> Location | None:
    """A location of the commune by name (accents optional); None when no name is given."""
    if name is None:
        return None
    if commune_id is None:
        raise DomainError("shift_admin.location_elsewhere")
    for location in await places.list_locations(session, commune_id=commune_id):
        if fold(location.name) == fold(name):
            return location
    raise DomainError("shift_admin.unknown_location", name=name)


@shifts_cli.command("generate")
def generate(
    ctx: typer.Context,
    weeks: Annotated[int | None, typer.Option(help="How many weeks (default: horizon_weeks).")] = (
        None
    ),
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    commune: CommuneOption = None,
) -> None:
    """Create a commune's shifts of the coming weeks from its templates, skipping its days off
    and the province's."""

    async def work(app: App) -> None:
        tz = app.settings.commune.tz
        now = utcnow()
        first = date.fromisoformat(start) if start else now.astimezone(tz).date()
        async with app.db.transaction() as session:
            within = await communes.chosen(session, commune)
            report = await calendar.generate(
                session,
                commune_id=within.id,
                first_day=first,
                weeks=weeks or app.settings.shifts.horizon_weeks,
                now=now,
                tz=tz,
                skip_holidays=app.settings.shifts.skip_public_holidays,
            )
        typer.echo(
            f"{report.first_day:%d/%m/%Y}–{report.last_day:%d/%m/%Y}: {report.created} ca mới, "
            f"{report.reopened} mở lại, {report.updated} cập nhật số người, "
            f"{report.cancelled} hủy (không còn trong lịch)."
        )
        for day, reason in sorted(report.closed_days.items()):
            typer.echo(f"  nghỉ {shift_text.day_label(day)}: {reason or 'đóng cửa'}")
        for shift in report.kept:
            typer.echo(f"  giữ nguyên (đã có người nhận): {shift_text.when(shift, tz)}")

    run_admin_command(ctx, work)


@shifts_cli.command("holidays")
def list_holidays(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="Year (default: this year).")] = None,
    commune: CommuneOption = None,
) -> None:
    """Public holidays from the `holidays` package (VN) and the overrides that apply to the
    commune: its own and the province-wide ones (marked)."""

    async def work(app: App) -> None:
        chosen = year or utcnow().astimezone(app.settings.commune.tz).year
        for day, name in calendar.public_holidays(chosen).items():
            typer.echo(f"{day:%d/%m/%Y} {shift_text.weekday_short(day.weekday()):>3}  {name}")
        async with app.db.transaction() as session:
            within = await communes.chosen(session, commune)
            overrides = await templates.list_overrides(
                session, date(chosen, 1, 1), date(chosen, 12, 31), within.id
            )
        for (day, location_id), row in sorted(overrides.items(), key=lambda item: item[0][0]):
            kind = "làm việc" if row.working else "nghỉ"
            if row.working and row.as_weekday is not None:
                kind += f" (như {shift_text.weekday_name(row.as_weekday)})"
            where = f" [địa điểm {location_id}]" if location_id else ""
            where += " [toàn tỉnh]" if row.commune_id is None else ""
            typer.echo(f"{day:%d/%m/%Y} ghi đè: {kind}{where} {row.note or ''}".rstrip())

    run_admin_command(ctx, work)


@template_cli.command("add")
def add_template(
    ctx: typer.Context,
    location: Annotated[str, typer.Argument(help="Location name (accents optional).")],
    days: Annotated[str, typer.Option(help="Weekdays: mon-fri, sat, mon,wed,fri …")],
    starts: Annotated[str, typer.Option("--start", help="Start, HH:MM.")],
    ends: Annotated[str, typer.Option("--end", help="End, HH:MM.")],
    needed: Annotated[int, typer.Option(help="People needed.")] = 1,
    commune: CommuneOption = None,
) -> None:
    """Add a weekly slot, e.g. --days mon-fri --start 07:30 --end 11:30 --needed 2."""
    weekdays = parse_weekdays(days)

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            within = await communes.chosen(session, commune)
            place = await find_location(session, location, within.id)
            assert place is not None
            created = await templates.add_templates(
                session,
                place,
                weekdays,
                time.fromisoformat(starts),
                time.fromisoformat(ends),
                needed,
                actor_id=None,
            )
        typer.echo(f"Đã thêm {len(created)} khung ca tại {place.name}.")

    run_admin_command(ctx, work)


@template_cli.command("list")
def list_templates(ctx: typer.Context, commune: CommuneOption = None) -> None:
    """List the commune's active templates."""

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            within = await communes.chosen(session, commune)
            here = await places.list_locations(session, commune_id=within.id)
            names = {loc.id: loc.name for loc in here}
            for template in await templates.list_templates(session):
                if template.location_id not in names:
                    continue
                typer.echo(
                    f"#{template.id} {names.get(template.location_id, '?')}: "
                    f"{shift_text.weekday_name(template.weekday)} "
                    f"{shift_text.clock(template.starts)}–{shift_text.clock(template.ends)}, "
                    f"{template.needed} người"
                )

    run_admin_command(ctx, work)


def _day_override(
    ctx: typer.Context,
    day: str,
    *,
    working: bool,
    location: str | None,
    as_weekday: str | None,
    note: str | None,
    commune: str | None,
    province_wide: bool,
) -> None:
    _one_of(commune, province_wide)
    chosen = date.fromisoformat(day)
    weekday = parse_weekdays(as_weekday)[0] if as_weekday else None

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            commune_id = await _deciding(session, commune, province_wide)
            place = await find_location(session, location, commune_id)
            await templates.set_override(
                session,
                chosen,
                working=working,
                commune_id=commune_id,
                location_id=place.id if place else None,
                as_weekday=weekday,
                note=note,
                actor_id=None,
            )
        kind = "ngày làm việc" if working else "ngày nghỉ"
        where = " cho toàn tỉnh" if province_wide else ""
        typer.echo(
            f"Đã đặt {shift_text.day_label(chosen)} là {kind}{where}. Chạy lại `shifts generate`."
        )

    run_admin_command(ctx, work)


async def _deciding(session: AsyncSession, commune: str | None, province_wide: bool) -> int | None:
    """Whose day override: the commune's (named, or the only one), or the province's."""
    if province_wide:
        return None
    return (await communes.chosen(session, commune)).id


def _one_of(commune: str | None, province_wide: bool) -> None:
    if province_wide and commune is not None:
        raise typer.BadParameter("choose one: --commune or --province-wide")


@day_cli.command("closed")
def closed_day(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    location: LocationOption = None,
    note: NoteOption = None,
    commune: CommuneOption = None,
    province_wide: ProvinceOption = False,
) -> None:
    """Close a day (no shifts), e.g. an extra day off decided by the government."""
    _day_override(
        ctx,
        day,
        working=False,
        location=location,
        as_weekday=None,
        note=note,
        commune=commune,
        province_wide=province_wide,
    )


@day_cli.command("working")
def working_day(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    as_weekday: Annotated[
        str | None, typer.Option("--as", help="Use this weekday's templates (e.g. mon).")
    ] = None,
    location: LocationOption = None,
    note: NoteOption = None,
    commune: CommuneOption = None,
    province_wide: ProvinceOption = False,
) -> None:
    """Make a day a working day, e.g. a make-up Saturday worked as a Monday."""
    _day_override(
        ctx,
        day,
        working=True,
        location=location,
        as_weekday=as_weekday,
        note=note,
        commune=commune,
        province_wide=province_wide,
    )


@day_cli.command("remove")
def remove_day(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    location: LocationOption = None,
    commune: CommuneOption = None,
    province_wide: ProvinceOption = False,
) -> None:
    """Remove an override: the day follows the templates and public holidays again."""
    _one_of(commune, province_wide)
    chosen = date.fromisoformat(day)

    async def work(app: App) -> None:
        async with app.db.transaction() as session:
            commune_id = await _deciding(session, commune, province_wide)
            place = await find_location(session, location, commune_id)
            found = await templates.remove_override(
                session,
                chosen,
                commune_id=commune_id,
                location_id=place.id if place else None,
                actor_id=None,
            )
        typer.echo("Đã xóa." if found else "Không có ghi đè nào cho ngày này.")

    run_admin_command(ctx, work)


@shifts_cli.command("counts")
def counts(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month).")] = None,
    commune: CommuneOption = None,
) -> None:
    """Per person for a month, at the commune's places: shifts served, hours, no-shows,
    check-ins, still to come."""

    async def work(app: App) -> None:
        now = utcnow()
        chosen = (
            datetime.strptime(month, "%Y-%m").date()
            if month
            else now.astimezone(app.settings.commune.tz).date()
        )
        async with app.db.transaction() as session:
            within = await communes.chosen(session, commune)
            rows = await attendance.monthly_counts(
                session, chosen.year, chosen.month, now=now, commune_id=within.id
            )
        typer.echo("người\tđã trực\tgiờ\tvắng\tđiểm danh\tsắp tới")
        for row in rows:
            typer.echo(
                f"{row.name}\t{row.served}\t{row.hours:g}\t{row.no_shows}\t"
                f"{row.checked_in}\t{row.upcoming}"
            )

    run_admin_command(ctx, work)
