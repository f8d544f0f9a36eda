"""The survey's figures as the KPI view's chat section and as the workbook's sheet rows.

Comments are shown with their day, score and place, never with who wrote them.
"""

from __future__ import annotations

from typing import Any

from bot.locales import t
from bot.services.reports.survey import MAX_COMMENTS, SCORES, Group, SurveyReport, shown

SHEET_WIDTHS = [34, 14, 30, 70]


def _group_lines(groups: list[Group]) -> list[str]:
    return [
        t("survey.report_group_line", name=g.name, count=g.count, average=shown(g.average))
        for g in groups
    ]


def survey_text(report: SurveyReport) -> str:
    """The survey section of /kpi and `dvcbot report kpi`."""
    title = t(
        "survey.report_title",
        first=report.start.strftime("%d/%m"),
        last=report.end.strftime("%d/%m/%Y"),
    )
    lines = [title]
    if not report.count:
        lines.append(t("survey.report_none"))
    summary = t(
        "survey.report_summary",
        count=report.count,
        average=shown(report.average),
        asked=report.asked,
        declined=report.declined,
    )
    lines.append(summary)
    if not report.count:
        return "\n".join(lines)
    levels = " · ".join(
        t("survey.report_level", score=score, count=report.distribution[score]) for score in SCORES
    )
    lines.append(t("survey.report_distribution", items=levels))
    lines.append(t("survey.report_by_location"))
    lines.extend(_group_lines(report.locations))
    lines.append(t("survey.report_by_helper"))
    lines.extend(_group_lines(report.helpers))
    if report.comments:
        lines.append(t("survey.report_comments"))
        latest = report.comments[-MAX_COMMENTS:]
        lines.extend(
            t(
                "survey.report_comment_line",
                day=c.day.strftime("%d/%m"),
                score=c.score,
                place=c.place,
                text=" ".join(c.text.split()),
            )
            for c in latest
        )
        if len(report.comments) > len(latest):
            more = len(report.comments) - len(latest)
            lines.append(t("survey.report_more_comments", count=more))
    return "\n".join(lines)


def survey_rows(report: SurveyReport) -> list[tuple[list[Any], bool]]:
    """The sheet's rows after its heading, each with whether it is bold; averages are numbers
    (4.3), so Excel can chart them."""
    average = float(report.average) if report.average is not None else None
    rows: list[tuple[list[Any], bool]] = [
        ([t("survey.col_measure"), t("survey.col_value")], True),
        ([t("survey.row_ratings"), report.count], False),
        ([t("survey.row_average"), average], False),
        ([t("survey.row_asked"), report.asked], False),
        ([t("survey.row_declined"), report.declined], False),
        ([], False),
        ([t("survey.col_score"), t("survey.col_count")], True),
        *(([t(f"survey.score_{score}"), report.distribution[score]], False) for score in SCORES),
    ]
    for title, groups in (
        (t("survey.col_location"), report.locations),
        (t("survey.col_helper"), report.helpers),
    ):
        rows.append(([], False))
        rows.append(([title, t("survey.col_count"), t("survey.col_average")], True))
        for group in groups:
            value = float(group.average) if group.average is not None else None
            rows.append(([group.name, group.count, value], False))
    rows.append(([], False))
    header = ["day", "score", "location", "comment"]
    rows.append(([t(f"survey.col_{name}") for name in header], True))
    rows.extend(([c.day, c.score, c.place, c.text], False) for c in report.comments)
    return rows
