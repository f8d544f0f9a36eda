"""Satisfaction survey figures for a range of days (start and end included): the number of
ratings, their average (one decimal, half up), how many gave each score, per location and per
helper, and the comments, which carry no name or phone.

A survey counts on the commune day it was asked. A village-limited scope sees only the ratings
of help logged in its villages (help requests and desk ratings belong to no village). A scope
that is one whole commune's villages (an official's in a province's installation) sees that
commune's ratings: a survey belongs to its village's commune, else its place's, else its help
request's, else (a desk rating) the commune the rater chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import HelpRequest, Location, Person, Survey, SurveyStatus, Village
from bot.locales import t
from bot.services.reports.area import whole_commune
from bot.services.reports.figures import Scope
from bot.services.survey import REQUEST

SCORES = (5, 4, 3, 2, 1)
MAX_COMMENTS = 10  # in chat; the workbook has them all


def average_of(total: int, count: int) -> Decimal | None:
    """The mean score to one decimal, half up (4.25 -> 4.3); None without ratings."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def shown(value: Decimal | None) -> str:
    """4.3 -> '4,3'; 4 -> '4,0'; no ratings -> '—'."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


@dataclass(frozen=True)
class Group:
    """Ratings of one location or one helper (None: not known)."""

    key: int | None
    name: str
    count: int
    total: int

    @property
    def average(self) -> Decimal | None:
        return average_of(self.total, self.count)

    def to_json(self) -> dict[str, Any]:
        average = self.average
        return {
            "id": self.key,
            "name": self.name,
            "count": self.count,
            "average": float(average) if average is not None else None,
        }


@dataclass(frozen=True)
class Comment:
    day: date
    score: int
    place: str
    text: str


@dataclass(frozen=True)
class SurveyReport:
    start: date
    end: date
    asked: int
    declined: int
    distribution: dict[int, int]  # score -> ratings
    locations: list[Group]
    helpers: list[Group]
    comments: list[Comment]

    @property
    def count(self) -> int:
        return sum(self.distribution.values())

    @property
    def average(self) -> Decimal | None:
        total = sum(score * count for score, count in self.distribution.items())
        return average_of(total, self.count)

    def to_json(self) -> dict[str, Any]:
        average = self.average
        return {
            "first": self.start.isoformat(),
            "last": self.end.isoformat(),
            "asked": self.asked,
            "declined": self.declined,
            "ratings": self.count,
            "average": float(average) if average is not None else None,
            "distribution": {str(score): self.distribution[score] for score in SCORES},
            "locations": [group.to_json() for group in self.locations],
            "helpers": [group.to_json() for group in self.helpers],
            "comments": [
                {"day": c.day.isoformat(), "score": c.score, "place": c.place, "text": c.text}
                for c in self.comments
            ],
        }


async def survey_report(
    session: AsyncSession, scope: Scope, start: date, end: date
) -> SurveyReport:
    """The survey's figures for the days start..end, within the scope's villages."""
    where = [Survey.day >= start, Survey.day <= end]
    commune = await whole_commune(session, scope)
    if commune is not None:
        where.append(_commune_of_survey() == commune.id)
    elif scope is not None:
        where.append(Survey.village_id.in_(scope))
    statuses = dict(
        (
            await session.execute(
                select(Survey.status, func.count()).where(*where).group_by(Survey.status)
            )
        ).all()
    )
    rows = (
        await session.execute(
            select(Survey.rating, Survey.location_id, Survey.helper_id, Survey.day, Survey.comment)
            .where(*where, Survey.status == SurveyStatus.RATED.value)
            .order_by(Survey.day, Survey.id)
        )
    ).all()
    places = await _names(session, Location, {row.location_id for row in rows})
    people = await _names(session, Person, {row.helper_id for row in rows})
    distribution = dict.fromkeys(SCORES, 0)
    for row in rows:
        distribution[row.rating] += 1
    unknown_place = t("survey.no_location")
    return SurveyReport(
        start=start,
        end=end,
        asked=sum(int(count) for count in statuses.values()),
        declined=int(statuses.get(SurveyStatus.DECLINED.value, 0)),
        distribution=distribution,
        locations=_groups([(row.location_id, row.rating) for row in rows], places, unknown_place),
        helpers=_groups(
            [(row.helper_id, row.rating) for row in rows], people, t("survey.no_helper")
        ),
        comments=[
            Comment(row.day, row.rating, places.get(row.location_id, unknown_place), row.comment)
            for row in rows
            if row.comment
        ],
    )


def _commune_of_survey() -> ColumnElement[int | None]:
    """A survey's commune: its village's, its place's, its help request's, else the rater's."""
    visit = literal(f"{REQUEST}:") + cast(HelpRequest.id, String)
    return func.coalesce(
        select(Village.commune_id).where(Village.id == Survey.village_id).scalar_subquery(),
        select(Location.commune_id).where(Location.id == Survey.location_id).scalar_subquery(),
        select(HelpRequest.commune_id).where(Survey.visit == visit).scalar_subquery(),
        select(Person.commune_id).where(Person.id == Survey.person_id).scalar_subquery(),
    )


async def _names(
    session: AsyncSession, model: type[Location] | type[Person], ids: set[int | None]
) -> dict[int | None, str]:
    wanted = [key for key in ids if key is not None]
    if not wanted:
        return {}
    label = Location.name if model is Location else Person.display_name
    found = await session.execute(select(model.id, label).where(model.id.in_(wanted)))
    return {key: name or t("reports.unknown_helper") for key, name in found.all()}


def _groups(
    pairs: Sequence[tuple[int | None, int]], names: dict[int | None, str], unknown: str
) -> list[Group]:
    """Ratings per key, the most rated first (then by name); None (not known) last."""
    counts: dict[int | None, tuple[int, int]] = {}
    for key, score in pairs:
        key = key if key in names else None
        count, total = counts.get(key, (0, 0))
        counts[key] = (count + 1, total + score)
    groups = [
        Group(key, names.get(key, unknown), count, total) for key, (count, total) in counts.items()
    ]
    return sorted(groups, key=lambda g: (g.key is None, -g.count, g.name))
