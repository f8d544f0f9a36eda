"""`dvcbot db check [--repair]`: the kept register figures per village against the households."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import run_admin_command
from bot.db.models.counters import COUNTED
from bot.locales import t
from bot.services import village_counters, visit_totals
from bot.services.village_counters import Drift

DRIFT = 1  # exit status when a village drifted and --repair was not given


def drift_line(drift: Drift) -> str:
    """One village: each figure that differs, stored against recounted."""
    stored = drift.stored or (0,) * len(COUNTED)
    fields = "; ".join(
        t("counters.field", label=t(f"counters.{name}"), stored=kept, actual=real)
        for name, kept, real in zip(COUNTED, stored, drift.actual, strict=True)
        if kept != real
    )
    return t("counters.village", name=drift.name, id=drift.village_id, fields=fields)


def db_check(
    ctx: typer.Context,
    repair: Annotated[
        bool, typer.Option("--repair", help="Write the recounted figures where they drifted.")
    ] = False,
) -> None:
    """Recount the kept figures (each village's register, the help log's village and helper
    days) from the households and the log; exit 1 on drift (or repair)."""

    async def work(app: App) -> int:
        async with app.db.transaction() as session:
            drifts = await village_counters.check(session)
            if drifts:
                typer.echo(t("counters.drifting", count=len(drifts)))
                for drift in drifts:
                    typer.echo(drift_line(drift))
                if repair:
                    await village_counters.repair(session, drifts, actor_id=None)
                    typer.echo(t("counters.repaired", count=len(drifts)))
            else:
                typer.echo(t("counters.all_match"))
            visits = await visit_totals.check(session)
            if visits is not None:
                typer.echo(t("counters.visits_drifting", village_days=visits.village_days,
                             village_weeks=visits.village_weeks,
                             helper_days=visits.helper_days))  # fmt: skip
                for name, day in visits.examples:
                    typer.echo(t("counters.visit_day", name=name, day=day.strftime("%d/%m/%Y")))
                if repair:
                    await visit_totals.repair(session, visits, actor_id=None)
                    typer.echo(t("counters.visits_repaired"))
            else:
                typer.echo(t("counters.visits_match"))
            if (drifts or visits is not None) and not repair:
                typer.echo(t("counters.repair_hint"))
                return DRIFT
            return 0

    run_admin_command(ctx, work)
