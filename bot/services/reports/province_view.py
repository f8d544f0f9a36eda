"""The province's report as a chat text and a chart (province.py; the sheet: province_sheet.py).

The text gives one line per commune, laggards first, cut at figures.MAX_LINES (the workbook has
them all); the chart draws the lowest charts.MAX_BARS communes and the province.
"""

from __future__ import annotations

from bot.locales import t
from bot.services.reports import charts
from bot.services.reports.coverage import Target
from bot.services.reports.figures import MAX_LINES
from bot.services.reports.kpis import Kpi
from bot.services.reports.province import CommuneRow, ProvinceReport
from bot.services.reports.text import day_label, kpi_line, pct


def _on_target(row: CommuneRow, report: ProvinceReport) -> bool:
    register = row.register
    return Target(report.targets.coverage_target).met(register.covered, register.households)


def _online(row: CommuneRow, report: ProvinceReport) -> Kpi:
    return row.dossiers.kpis(report.targets)[0]


def commune_lines(row: CommuneRow, report: ProvinceReport) -> list[str]:
    """A commune's line, its register against the official count and its open questions."""
    register = row.register
    if not register.households:
        lines = [
            t("province.commune_empty", name=row.name, today=row.helped_today,
              month=row.helped_month)
        ]  # fmt: skip
    else:
        lines = [
            t(
                "province.commune_line",
                mark="🟢" if _on_target(row, report) else "🔴",
                name=row.name,
                pct=pct(row.coverage_pct),
                covered=register.covered,
                households=register.households,
                today=row.helped_today,
                month=row.helped_month,
                online=pct(_online(row, report).pct),
            )
        ]
    if row.official_households is not None:
        lines.append(
            t(
                "province.commune_register",
                registered=row.registered_with_official,
                official=row.official_households,
                ratio=pct(row.registered_vs_official_pct),
            )
        )
    if row.open_questions:
        lines.append(t("province.commune_questions", count=row.open_questions))
    return lines


def province_text(report: ProvinceReport) -> str:
    lines = [
        t("province.title", day=day_label(report.day)),
        t(
            "province.subtitle",
            count=len(report.communes),
            target=pct(report.targets.coverage_target),
        ),
        "",
    ]
    if not report.communes:
        return "\n".join([*lines, t("province.no_communes")])
    for row in report.communes[:MAX_LINES]:
        lines.extend(commune_lines(row, report))
    if len(report.communes) > MAX_LINES:
        lines.append(t("reports.more_lines", count=len(report.communes) - MAX_LINES))
    total = report.total
    lines.append("")
    lines.append(
        t(
            "province.total_line",
            pct=pct(total.coverage_pct),
            covered=total.register.covered,
            households=total.register.households,
        )
    )
    lines.append(
        t(
            "province.total_helped",
            today=total.helped_today,
            month=report.month.month,
            year=report.month.year,
            helped=total.helped_month,
        )
    )
    lines.append(
        t(
            "province.total_kpis",
            month=report.month.month,
            year=report.month.year,
            dossiers=total.dossiers.dossiers,
        )
    )
    lines.extend(kpi_line(kpi) for kpi in total.dossiers.kpis(report.targets))
    if total.official_households is not None:
        lines.append(
            t(
                "province.total_official",
                registered=total.registered_with_official,
                official=total.official_households,
                ratio=pct(total.registered_vs_official_pct),
            )
        )
    lines.append(t("province.total_questions", count=total.open_questions))
    lagging = [r for r in report.communes if r.register.households and not _on_target(r, report)]
    if lagging:
        lines.append(t("province.lagging", count=len(lagging)))
    lines.append(t("province.legend"))
    return "\n".join(lines)


def province_png(report: ProvinceReport) -> bytes:
    """The lowest communes' coverage against the target, and the province's."""
    bars = []
    for row in report.communes[: charts.MAX_BARS]:
        register = row.register
        if row.coverage_pct is None:
            bars.append(charts.Bar(row.name, None, t("reports.chart_empty"), charts.ON_TARGET))
            continue
        colour = charts.ON_TARGET if _on_target(row, report) else charts.LAGGING
        figures = f"{pct(row.coverage_pct)} ({register.covered}/{register.households})"
        bars.append(charts.Bar(row.name, row.coverage_pct, figures, colour))
    total = report.total.register
    bars.append(
        charts.Bar(
            t("province.chart_total"),
            report.total.coverage_pct,
            f"{pct(report.total.coverage_pct)} ({total.covered}/{total.households})",
            charts.TOTAL,
        )
    )
    note: str | None = None
    if len(report.communes) > charts.MAX_BARS:
        note = t("province.chart_lowest", shown=charts.MAX_BARS, total=len(report.communes))
    return charts.render_bars(
        bars,
        target_pct=report.targets.coverage_target,
        title=t("province.chart_title"),
        subtitle=t("province.chart_subtitle", day=day_label(report.day)),
        note=note,
    )
