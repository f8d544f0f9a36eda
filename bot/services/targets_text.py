"""Personal targets as short Vietnamese chat texts (the same text in chat and in a terminal)."""

from __future__ import annotations

from itertools import groupby

from bot.locales import t
from bot.services.reports.kpis import Month
from bot.services.reports.text import pct
from bot.services.targets import MEASURES, Measure, Progress, field_label


def measure_text(name: str, measure: Measure) -> str:
    """'nộp trực tuyến 3/5 (60%)'; a target of 0 has no percent."""
    share = "" if measure.pct is None else t("targets.measure_pct", pct=pct(measure.pct))
    return t(
        "targets.measure_line",
        measure=t(f"targets.measure_{name}"),
        done=measure.done,
        target=measure.target,
        pct=share,
    )


def field_line(item: Progress) -> str:
    """'⏳ Hộ tịch: nộp trực tuyến 3/5 (60%) · số hóa giấy tờ 2/2 (100%) · …'."""
    measures = " · ".join(
        measure_text(name, measure) for name, measure in zip(MEASURES, item.measures, strict=True)
    )
    mark = t("targets.mark_met" if item.met else "targets.mark_not_met")
    return t("targets.field_line", mark=mark, field=field_label(item.field), measures=measures)


def own_progress_text(items: list[Progress], month: Month, name: str) -> str:
    """One person's month: a line per field with a target, or that they have none."""
    if not items:
        return t("targets.no_targets", month=month.label)
    lines = [t("targets.progress_heading", month=month.label, name=name)]
    lines += [field_line(item) for item in items]
    lines.append(t("targets.progress_rule"))
    return "\n".join(lines)


def everyone_text(items: list[Progress], month: Month) -> str:
    """Everyone's targets of a month, person by person."""
    if not items:
        return t("targets.show_none", month=month.label)
    lines = [t("targets.show_heading", month=month.label)]
    for (_, name), rows in groupby(items, key=lambda item: (item.person_id, item.name)):
        lines.append(t("targets.show_person", name=name))
        lines += [field_line(item) for item in rows]
    return "\n".join(lines)
