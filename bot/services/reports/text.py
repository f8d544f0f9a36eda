"""Reports as short Vietnamese chat texts that read well on a phone (one or two lines a village).

Numbers use the Vietnamese decimal comma (72,5 %). Long lists are cut at MAX_LINES lines, with a
pointer to the Excel workbook, so a province-sized scope still gives a readable message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.locales import t
from bot.services.reports.coverage import CoverageReport, VillageCoverage
from bot.services.reports.digest import TallyDigest
from bot.services.reports.figures import MAX_LINES, MAX_NAMES, Scope
from bot.services.reports.kpis import Kpi, KpiReport, Month
from bot.services.reports.tallies import ACTIONS, HelperCount, RangeTally, Work

ALWAYS_SHOWN = ("account_created", "submitted_online", "paid_online")


def number(value: float) -> str:
    """72.5 -> '72,5'; 80.0 -> '80'."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{number(value)}%"


def signed(value: float) -> str:
    if value > 0:
        return f"+{number(value)}"
    if value < 0:
        return f"−{number(-value)}"
    return "±0"


def day_label(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def weekday_name(day: date) -> str:
    return t(f"reports.weekday_{day.weekday()}")


def area_label(commune: str, scope: Scope, names: Sequence[str]) -> str:
    """The commune's name for a commune-wide scope, else the villages' names when there are at
    most three of them (`names`: every village in scope, or as many as a report lists), else
    how many."""
    if scope is None:
        return commune
    if 0 < len(scope) <= 3 and len(names) == len(scope):
        return ", ".join(sorted(names))
    return t("reports.area_villages", count=len(scope))


def _cut(lines: list[str], limit: int = MAX_LINES) -> list[str]:
    return [*lines[:limit], *_more(min(len(lines), limit), len(lines))]


def _more(shown: int, count: int) -> list[str]:
    """ "… and N more" when `shown` of `count` items are listed; nothing when all are."""
    return [t("reports.more_lines", count=count - shown)] if count > shown else []


# ----------------------------------------------------------------------------- coverage


def _village_lines(village: VillageCoverage, show_change: bool) -> list[str]:
    official = village.official_households
    if village.status == "empty":
        extra = t("reports.empty_official", official=official) if official is not None else ""
        return [t("reports.village_empty", name=village.name, official=extra)]
    change = ""
    if show_change:
        change = (
            t("reports.change_short", delta=signed(village.change.delta.covered))
            if village.change
            else t("reports.change_new")
        )
    figures = village.figures
    if village.status == "incomplete":
        return _incomplete_lines(village, change)
    mark = "🔴" if village.status == "lagging" else "🟢"
    detail_official = ""
    if official is not None:
        detail_official = t(
            "reports.village_official",
            official=official,
            ratio=pct(village.registered_vs_official_pct),
        )
    return [
        t(
            "reports.village_line",
            mark=mark,
            name=village.name,
            pct=pct(village.coverage_pct),
            covered=figures.covered,
            households=figures.households,
            change=change,
        ),
        t(
            "reports.village_detail",
            accounts=figures.accounts,
            submitted=figures.submitted_online,
            paid=figures.paid_online,
            official=detail_official,
        ),
    ]


def _incomplete_lines(village: VillageCoverage, change: str) -> list[str]:
    """A village whose register is incomplete: both ratios side by side, never green."""
    figures = village.figures
    return [
        t(
            "reports.village_incomplete",
            name=village.name,
            pct=pct(village.coverage_pct),
            covered=figures.covered,
            households=figures.households,
            official=village.official_households,
            ratio=pct(village.registered_vs_official_pct),
            change=change,
        ),
        t(
            "reports.village_detail",
            accounts=figures.accounts,
            submitted=figures.submitted_online,
            paid=figures.paid_online,
            official="",
        ),
    ]


def verdict_lines(report: CoverageReport) -> list[str]:
    """Below target, incomplete registers, or every village on target (only when truly so)."""
    lines = []
    if report.lagging:
        lines.append(t("reports.lagging_line", count=len(report.lagging)))
    if report.incomplete:
        count, threshold = len(report.incomplete), pct(report.register_complete_pct)
        lines.append(t("reports.incomplete_line", count=count, threshold=threshold))
    if report.all_on_target:
        lines.append(t("reports.all_on_target"))
    return lines


def coverage_text(report: CoverageReport, area: str) -> str:
    lines = [
        t("reports.coverage_title", area=area, day=day_label(report.day)),
        t("reports.coverage_target", target=pct(report.target_pct)),
        "",
    ]
    if not report.villages:
        return "\n".join([*lines, t("reports.no_villages_in_scope")])
    shown = report.villages[:MAX_LINES]  # the lowest first: the ones to act on
    for village in shown:
        lines.extend(_village_lines(village, report.change_since is not None))
    lines.extend(_more(len(shown), len(report.villages)))
    lines.append("")
    change = ""
    if report.change is not None:
        change = t(
            "reports.total_change",
            delta=signed(report.change.delta.covered),
            points=signed(report.change.coverage_points or 0),
        )
    total = report.total
    lines.append(
        t(
            "reports.total_line",
            pct=pct(report.coverage_pct),
            covered=total.covered,
            households=total.households,
            change=change,
        )
    )
    lines.append(
        t(
            "reports.total_detail",
            accounts=total.accounts,
            submitted=total.submitted_online,
            paid=total.paid_online,
        )
    )
    if report.official_households is not None:
        lines.append(
            t(
                "reports.official_line",
                registered=report.registered_with_official,
                official=report.official_households,
                ratio=pct(report.registered_vs_official_pct),
            )
        )
        if report.villages_without_official:
            lines.append(t("reports.official_missing", count=report.villages_without_official))
    else:
        lines.append(t("reports.no_official"))
    lines.extend(verdict_lines(report))
    if report.change_since is not None:
        lines.append(t("reports.change_since", day=day_label(report.change_since)))
    else:
        lines.append(t("reports.no_change_yet"))
    lines.append(t("reports.legend"))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- tallies


def work_text(work: Work) -> str:
    items = []
    for action in ACTIONS:
        count = getattr(work, action)
        if count or action in ALWAYS_SHOWN:
            items.append(t(f"reports.work_{action}", count=count))
    return " · ".join(items)


def helpers_text(tally: RangeTally) -> str:
    return _helpers_line(tally.helpers[:MAX_NAMES], len(tally.helpers))


def _helpers_line(helpers: Sequence[HelperCount], count: int) -> str:
    """The first helpers by name and households, and how many more there are."""
    items = [
        t(
            "reports.tally_helper",
            name=helper.name or t("reports.unknown_helper"),
            households=helper.households,
        )
        for helper in helpers
    ]
    return " · ".join([*items, *_more(len(helpers), count)])


def tally_text(tally: TallyDigest, area: str) -> str:
    title = t(
        "reports.tally_title", day=day_label(tally.day), weekday=weekday_name(tally.day), area=area
    )
    if not tally.working_day:
        title = f"{title} {t('reports.tally_holiday')}"
    lines = [title]
    if tally.households:
        lines.append(
            t("reports.tally_total", households=tally.households, visits=tally.work.visits)
        )
    else:
        lines.append(t("reports.tally_none"))
    lines.extend(
        t("reports.tally_village", name=v.name, households=v.households, week=v.week_households)
        for v in tally.busiest
    )
    lines.extend(_more(len(tally.busiest), tally.helped_villages))
    if tally.quiet:
        names = " ".join([", ".join(tally.quiet), *_more(len(tally.quiet), tally.quiet_villages)])
        lines.append(t("reports.tally_quiet", names=names))
    if tally.households:
        lines.append(t("reports.tally_work", items=work_text(tally.work)))
        lines.append(
            t("reports.tally_helpers", items=_helpers_line(tally.helpers, tally.all_helpers))
        )
    lines.append(
        t(
            "reports.tally_week",
            monday=tally.monday.strftime("%d/%m"),
            households=tally.week_households,
            visits=tally.week_visits,
        )
    )
    return "\n".join(lines)


def weekly_text(week: RangeTally, coverage: CoverageReport, area: str) -> str:
    lines = [
        t(
            "reports.weekly_title",
            first=week.first.strftime("%d/%m"),
            last=day_label(week.last),
            area=area,
        )
    ]
    if week.households:
        lines.append(
            t("reports.weekly_total", households=week.households, visits=week.work.visits)
        )
        lines.extend(
            _cut(
                [
                    t("reports.weekly_village", name=v.name, households=v.households)
                    for v in sorted(week.villages, key=lambda v: -v.households)
                ]
            )
        )
        lines.append(t("reports.tally_work", items=work_text(week.work)))
        lines.append(t("reports.tally_helpers", items=helpers_text(week)))
    else:
        lines.append(t("reports.weekly_none"))
    change = ""
    if coverage.change is not None:
        change = t(
            "reports.total_change",
            delta=signed(coverage.change.delta.covered),
            points=signed(coverage.change.coverage_points or 0),
        )
    lines.append(
        t(
            "reports.weekly_coverage",
            pct=pct(coverage.coverage_pct),
            covered=coverage.total.covered,
            households=coverage.total.households,
            change=change,
        )
    )
    if coverage.lagging:
        items = ", ".join(
            t("reports.weekly_lagging_item", name=v.name, pct=pct(v.coverage_pct))
            for v in coverage.lagging[:MAX_NAMES]
        )
        lines.append(t("reports.weekly_lagging", target=pct(coverage.target_pct), items=items))
    if coverage.incomplete:
        items = ", ".join(
            t(
                "reports.weekly_incomplete_item",
                name=v.name,
                households=v.figures.households,
                official=v.official_households,
            )
            for v in coverage.incomplete[:MAX_NAMES]
        )
        threshold = pct(coverage.register_complete_pct)
        lines.append(t("reports.weekly_incomplete", threshold=threshold, items=items))
    if coverage.all_on_target:
        lines.append(t("reports.all_on_target"))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- KPIs


def kpi_line(kpi: Kpi) -> str:
    label = t(f"reports.kpi_{kpi.key}")
    if kpi.pct is None:
        return t("reports.kpi_no_data", label=label, target=pct(kpi.target_pct))
    return t(
        "reports.kpi_line",
        mark="✅" if kpi.met else "❌",
        label=label,
        pct=pct(kpi.pct),
        numerator=kpi.numerator,
        denominator=kpi.denominator,
        target=pct(kpi.target_pct),
    )


def kpi_text(report: KpiReport, area: str) -> str:
    section = "reports" if isinstance(report.month, Month) else "periods"  # "tháng" or "từ … đến"
    lines = [
        t(f"{section}.kpi_title", month=report.month.label, area=area),
        t(f"{section}.kpi_dossiers", count=report.dossiers),
    ]
    lines.extend(kpi_line(kpi) for kpi in report.kpis)
    if report.coverage_as_of is not None:
        lines.append(t("reports.kpi_coverage_as_of", day=day_label(report.coverage_as_of)))
    lines.append("")
    lines.append(t("reports.kpi_helpers"))
    if not report.helpers:
        lines.append(t(f"{section}.kpi_no_helpers"))
    helper_lines = []
    for helper in report.helpers:
        shifts = ""
        if helper.shifts_served is not None:
            shifts = t(
                "reports.kpi_helper_shifts", served=helper.shifts_served, no_shows=helper.no_shows
            )
        helper_lines.append(
            t(
                "reports.kpi_helper",
                name=helper.name or t("reports.unknown_helper"),
                households=helper.households,
                visits=helper.visits,
                dossiers=helper.dossiers,
                shifts=shifts,
            )
        )
    lines.extend(_cut(helper_lines))
    if not report.shift_data:
        lines.append(t("reports.no_shift_data"))
    return "\n".join(lines)
