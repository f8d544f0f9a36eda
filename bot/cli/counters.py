"""`dvcbot db check [--repair]`: the kept register figures per village against the households."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import App
from bot.cli.common import run_admin_command
from bot.db.models.counters import COUNTED
from bot.locales import t
from bot.services import village_counters
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
    """Recount each village's kept figures from its households; exit 1 on drift (or repair)."""

    async def work(app: App) -> int:
        async with app.db.transaction() as session:
            drifts = await village_counters.check(session)
            if not drifts:
                typer.echo(t("counters.all_match"))
                return 0
            typer.echo(t("counters.drifting", count=len(drifts)))
            for drift in drifts:
                typer.echo(drift_line(drift))
            if not repair:
                typer.echo(t("counters.repair_hint"))
                return DRIFT
            await village_counters.repair(session, drifts, actor_id=None)
            typer.echo(t("counters.repaired", count=len(drifts)))
            return 0

    run_admin_command(ctx, work)
