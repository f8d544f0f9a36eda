"""The tally's message from its digest: the whole table's figures, its lists cut in SQL where
the message cuts them, in as many statements for 49 villages as for 4."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.app import App
from bot.db.models import Household
from bot.services import places
from bot.services.reports import daily
from bot.services.reports.digest import TallyDigest, tally_digest
from bot.services.reports.figures import MAX_LINES, MAX_NAMES, Scope
from bot.services.reports.text import tally_text
from bot.vntext import fold
from tests.test_report_plans import add_villages, reading, statements
from tests.test_reports import add_assistance
from tests.test_tally import THU, TUE, WED, build_log

FRI, SAT = date(2026, 11, 20), date(2026, 11, 21)

HELPED = 45  # villages helped on Wednesday, one household each, each by a helper of its own
QUIET = 20  # villages never helped


async def add_quiet_villages(app: App, count: int) -> None:
    async with app.db.transaction() as session:
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        for number in range(count):
            await places.add_village(session, commune, f"Thôn Vắng {number:02d}")


def cut_from_table(whole: daily.DailyTally) -> dict[str, Any]:
    """What the message shows, worked out from every village of the whole table."""
    week = whole.week
    helped = [v for v in whole.today.villages if week.households_of(v.village_id)]
    helped.sort(key=lambda v: (-v.households, -week.households_of(v.village_id)))  # stable
    quiet = [v.name for v in whole.today.villages if not week.households_of(v.village_id)]
    return {
        "busiest": [
            (v.village_id, v.name, v.households, week.households_of(v.village_id))
            for v in helped[:MAX_LINES]
        ],
        "helped": len(helped),
        "quiet": (quiet[:MAX_NAMES], len(quiet)),
        "helpers": (whole.today.helpers[:MAX_NAMES], len(whole.today.helpers)),
        "totals": (whole.today.households, whole.today.work, week.households, week.work.visits),
        "working_day": whole.working_day,
    }


def shown(digest: TallyDigest) -> dict[str, Any]:
    return {
        "busiest": [
            (v.village_id, v.name, v.households, v.week_households) for v in digest.busiest
        ],
        "helped": digest.helped_villages,
        "quiet": (digest.quiet, digest.quiet_villages),
        "helpers": (digest.helpers, digest.all_helpers),
        "totals": (digest.households, digest.work, digest.week_households, digest.week_visits),
        "working_day": digest.working_day,
    }


async def both(app: App, scope: Scope, day: date) -> tuple[TallyDigest, daily.DailyTally]:
    async with app.sessionmaker() as session:
        return await tally_digest(session, scope, day), await daily.daily_tally(
            session, scope, day
        )


async def test_the_digest_is_the_whole_table_cut_where_the_message_cuts_it(app: App) -> None:
    data = await build_log(app)
    await add_villages(app, HELPED)
    await add_quiet_villages(app, QUIET)
    async with app.sessionmaker() as session:
        every = [v.id for v in await places.list_villages(session)]
    some = frozenset([*data.villages.values(), *every[-10:], *every[5:12]])
    # Tuesday: no help that day; Wednesday: more villages and helpers than the message lists,
    # the week summed from its days (help follows on Thursday); Thursday: the week's own row.
    for day in (TUE, WED, THU):
        for scope in (None, some, frozenset({data.villages["An"], data.villages["Bình"]})):
            digest, whole = await both(app, scope, day)
            assert shown(digest) == cut_from_table(whole), (day, scope)
    digest, _ = await both(app, None, WED)
    assert digest.helped_villages == 2 + HELPED > MAX_LINES  # An and Cát, and the new ones
    assert digest.quiet_villages == 2 + QUIET > MAX_NAMES  # Bình, Dương, and the new ones
    assert digest.all_helpers == 2 + HELPED > MAX_NAMES


async def test_a_day_late_in_its_week_is_the_week_less_the_days_after_it(app: App) -> None:
    """Help kept on Saturday: Thursday's and Friday's weeks so far are the week's rows less the
    days after them (fewer than lead up to them), still the whole table's figures, which sums
    their days: a household first helped on Saturday is not in them, one helped again then is
    counted once."""
    data = await build_log(app)
    await add_villages(app, HELPED)
    await add_quiet_villages(app, QUIET)
    await add_assistance(app, data.households["Dương"][1], SAT, data.tuan, account_created=True)
    await add_assistance(app, data.households["An"][0], SAT, data.hoa, portal_login=True)
    some = frozenset({data.villages["An"], data.villages["Dương"]})
    for day in (THU, FRI):
        for scope in (None, some):
            digest, whole = await both(app, scope, day)
            assert shown(digest) == cut_from_table(whole), (day, scope)
    thursday, _ = await both(app, None, THU)
    saturday, _ = await both(app, None, SAT)
    # An 2, Cát 2, Dương 1 and one in each new village; Saturday adds Dương's second
    assert (thursday.week_households, saturday.week_households) == (5 + HELPED, 6 + HELPED)
    assert (thursday.week_visits, saturday.week_visits) == (7 + HELPED, 9 + HELPED)


async def test_the_message_says_how_many_more_each_cut_list_has(app: App) -> None:
    await build_log(app)
    await add_villages(app, HELPED)
    await add_quiet_villages(app, QUIET)
    digest, _ = await both(app, None, WED)
    lines = tally_text(digest, "Xã Minh Họa").splitlines()
    villages = [line for line in lines if line.startswith("• ")]
    assert len(villages) == MAX_LINES
    assert villages[:2] == ["• Thôn An: 2 hộ · tuần này 2", "• Thôn Cát: 1 hộ · tuần này 2"]
    assert villages[2] == "• Thôn Mới 0: 1 hộ · tuần này 1"  # equal figures: by name
    more = 2 + HELPED - MAX_LINES
    assert lines[lines.index(villages[-1]) + 1].startswith(f"… và {more} mục khác")
    quiet = next(line for line in lines if line.startswith("💤"))
    assert quiet.count(", ") == MAX_NAMES - 1
    assert f"… và {2 + QUIET - MAX_NAMES} mục khác" in quiet
    helpers = next(line for line in lines if line.startswith("🙋"))
    assert helpers.startswith("🙋 Người hỗ trợ: Trần Minh Tuấn 2 hộ")
    assert f"… và {2 + HELPED - MAX_NAMES} mục khác" in helpers


async def test_a_helper_in_two_communes_is_one_line_with_both_households(app: App) -> None:
    data = await build_log(app)
    async with app.db.transaction() as session:
        other = await places.ensure_commune(session, "Xã Bên Cạnh", "Asia/Ho_Chi_Minh")
        village = await places.add_village(session, other, "Thôn Bên Cạnh")
        home = Household(
            village_id=village.id, code="BC-001", head_name="Chủ hộ Bên Cạnh",
            folded_head=fold("Chủ hộ Bên Cạnh"), members=3, members_with_account=0,
        )  # fmt: skip
        session.add(home)
        await session.flush()
    await add_assistance(app, home.id, WED, data.hoa, account_created=True)
    digest, whole = await both(app, None, WED)
    assert shown(digest) == cut_from_table(whole)
    assert [(h.name, h.households, h.visits) for h in digest.helpers] == [
        ("Nguyễn Thị Hoa", 2, 3),  # one household in each commune
        ("Trần Minh Tuấn", 2, 2),
    ]
    assert digest.all_helpers == 2


async def test_a_digest_costs_as_many_statements_for_49_villages_as_for_4(app: App) -> None:
    await build_log(app)
    counted = []
    for more in (0, HELPED):
        await add_villages(app, more)
        async with app.sessionmaker() as session:
            with statements(app) as seen:
                await tally_digest(session, None, WED)
        assert reading("assistances", seen) == []  # kept rows only
        counted.append(len(seen))
    # whether the week goes on, the busiest, the figures, the quiet villages, the helpers, the
    # day's override; with fewer villages helped on the day than the message lists, the busiest
    # are looked for among the week's too (one statement more)
    assert counted == [7, 6]
