"""The coverage chart: one horizontal bar per village (or per commune, province.py) against
the target line, as a PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global backend
switch) in DejaVu Sans, which ships with matplotlib and has every Vietnamese glyph. Rendering is
serialised by a lock and can run in a worker thread (`render_png` is synchronous).
With many villages, only the MAX_BARS lowest are drawn (the title says so). A village whose
register is incomplete is drawn orange and hatched, with "sổ chưa đủ" and its registered vs
official ratio under its name: the bar's length is the coverage of the registered households only.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

from bot.locales import t
from bot.services.reports.coverage import CoverageReport, VillageCoverage
from bot.services.reports.text import day_label, number, pct

MAX_BARS = 30
FONT = "DejaVu Sans"
LAGGING = "#d9534f"
ON_TARGET = "#2e8b57"
INCOMPLETE = "#f0ad4e"
TOTAL = "#2f6db5"
_lock = threading.Lock()


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no registered household
    note: str
    colour: str
    detail: str | None = None  # a second line under the village's name


def bars_for(report: CoverageReport, area: str) -> tuple[list[Bar], str | None]:
    """The bars top to bottom (lowest coverage first, the whole area last) and a note."""
    bars = [_bar(village) for village in report.villages[:MAX_BARS]]
    total = report.total
    bars.append(
        Bar(
            t("reports.chart_total"),
            report.coverage_pct,
            f"{pct(report.coverage_pct)} ({total.covered}/{total.households})",
            TOTAL,
        )
    )
    note = None
    if len(report.villages) > MAX_BARS:
        note = t("reports.chart_lowest", shown=MAX_BARS, total=len(report.villages))
    return bars, note


def _bar(village: VillageCoverage) -> Bar:
    """A village's bar: coloured by status, its figures (and register ratio) beside it."""
    figures = village.figures
    if village.coverage_pct is None:
        return Bar(village.name, None, t("reports.chart_empty"), ON_TARGET)
    note = f"{pct(village.coverage_pct)} ({figures.covered}/{figures.households})"
    if village.status == "incomplete":
        register = t(
            "reports.chart_incomplete",
            households=figures.households,
            official=village.official_households,
            ratio=pct(village.registered_vs_official_pct),
        )
        return Bar(village.name, village.coverage_pct, note, INCOMPLETE, register)
    colour = LAGGING if village.status == "lagging" else ON_TARGET
    return Bar(village.name, village.coverage_pct, note, colour)


def render_png(report: CoverageReport, area: str) -> bytes:
    """The chart as PNG bytes."""
    bars, note = bars_for(report, area)
    subtitle = t("reports.chart_subtitle", area=area, day=day_label(report.day))
    return render_bars(
        bars, target_pct=report.target_pct, title=t("reports.chart_title"), subtitle=subtitle,
        note=note,
    )  # fmt: skip


def render_bars(
    bars: list[Bar], *, target_pct: float, title: str, subtitle: str, note: str | None
) -> bytes:
    """Horizontal bars (top to bottom as given) against the target line, as PNG bytes."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = 1.6 + 0.42 * len(bars)
    with _lock, rc_context({"font.family": FONT, "font.size": 10}):
        figure = Figure(figsize=(7.2, height), dpi=110)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(bars)))
        drawn = axes.barh(
            positions,
            [bar.value or 0 for bar in bars],
            color=[bar.colour for bar in bars],
            height=0.65,
            zorder=2,
        )
        for patch, bar in zip(drawn.patches, bars, strict=True):
            if bar.colour == INCOMPLETE:
                patch.set_hatch("///")
                patch.set_edgecolor("#8a5a00")
        for position, bar in zip(positions, bars, strict=True):
            axes.text(
                (bar.value or 0) + 1.2,
                position,
                bar.note,
                va="center",
                fontsize=8.5,
                color="#333333" if bar.value is not None else "#888888",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85},
                zorder=3,
            )
        axes.set_yticks(positions, [_tick(bar) for bar in bars])
        axes.invert_yaxis()
        axes.set_xlim(0, 118)
        axes.set_xticks([0, 20, 40, 60, 80, 100], ["0", "20", "40", "60", "80", "100"])
        axes.set_xlabel(t("reports.chart_axis"))
        axes.axvline(target_pct, color="#222222", linestyle="--", linewidth=1.2, zorder=1)
        axes.text(  # just above the bars, however many there are
            target_pct,
            1.01,
            t("reports.chart_target", target=f"{number(target_pct)}%"),
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=8.5,
        )
        axes.spines[["top", "right"]].set_visible(False)
        if note:
            subtitle = f"{subtitle} · {note}"
        figure.suptitle(title, fontsize=12, fontweight="bold")
        axes.set_title(subtitle, fontsize=9, color="#555555", pad=20)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _tick(bar: Bar) -> str:
    """The village's name, and its detail on a second line."""
    return _short(bar.label) if bar.detail is None else f"{_short(bar.label)}\n{bar.detail}"


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
