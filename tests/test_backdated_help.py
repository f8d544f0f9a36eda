"""Help logged for an earlier day: today by default, or one of the 7 days before, marked late."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import select

from bot.app import App
from bot.db.models import Assistance, Role
from bot.locales import t
from bot.services.reports import daily
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_households_flow import add_household, audit_rows, make_villages, staff_user
from tests.test_numbered_menus import number_of, text_volunteer
from tests.test_reports import TZ

SUNDAY = date(2026, 12, 6)
NOW = datetime.combine(SUNDAY, time(10, 0), TZ).astimezone(UTC)


async def to_review(volunteer: ChatUser, household: int) -> list[str]:
    """Tick "other", no procedure: the review's payloads."""
    await volunteer.presses(f"ha:{household}")
    await volunteer.presses(f"ha:{household}:t:other")
    await volunteer.presses(f"ha:{household}:n")
    return payloads(await volunteer.presses(f"ha:{household}:p:-"))


async def entries(app: App) -> list[tuple[date, bool, datetime]]:
    async with app.sessionmaker() as session:
        rows = await session.scalars(select(Assistance).order_by(Assistance.id))
        return [(row.day, row.logged_late, row.at) for row in rows]


async def setup(app: App) -> tuple[ChatUser, int]:
    app.dispatcher.clock = lambda: NOW
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình")
    return await staff_user(app, "2001", Role.VOLUNTEER, village), household


async def test_help_logged_for_an_earlier_day_counts_for_that_day(app: App) -> None:
    volunteer, household = await setup(app)
    review = await to_review(volunteer, household)
    assert f"ha:{household}:d" in review
    opened = await volunteer.presses(f"ha:{household}:d")
    assert texts(opened) == t("periods.help_day_question")
    assert labels(opened) == [
        "Hôm nay 06/12",
        "Hôm qua 05/12",
        "Thứ Sáu 04/12",
        "Thứ Năm 03/12",
        "Thứ Tư 02/12",
        "Thứ Ba 01/12",
        "Thứ Hai 30/11",
        "Chủ nhật 29/11",
    ]
    assert payloads(opened)[6] == f"ha:{household}:w:2026-11-30"
    again = await volunteer.presses(f"ha:{household}:w:2026-11-30")
    assert "• Ngày hỗ trợ: 30/11/2026 (ghi bổ sung)" in texts(again)
    assert "📅 Ngày hỗ trợ: Thứ Hai 30/11" in labels(again)
    saved = await volunteer.presses(f"ha:{household}:s")
    assert t("periods.saved_late", day="30/11/2026") in texts(saved)
    assert "🕘 Lần hỗ trợ gần nhất: ngày 30/11/2026 (ghi bổ sung)" in texts(saved)
    assert await entries(app) == [(date(2026, 11, 30), True, NOW)]
    assist = [row for row in await audit_rows(app, household) if row.action == "assist"]
    assert assist[0].after is not None
    assert (assist[0].after["day"], assist[0].after["logged_late"]) == ("2026-11-30", True)
    async with app.sessionmaker() as session:
        monday = await daily.daily_tally(session, None, date(2026, 11, 30))
        today = await daily.daily_tally(session, None, SUNDAY)
    assert (monday.today.households, monday.today.work.other) == (1, 1)
    assert today.today.households == 0


async def test_today_is_the_default_and_not_marked_late(app: App) -> None:
    volunteer, household = await setup(app)
    review = await volunteer.presses(f"ha:{household}")
    await volunteer.presses(f"ha:{household}:t:other")
    await volunteer.presses(f"ha:{household}:n")
    review = await volunteer.presses(f"ha:{household}:p:-")
    assert "• Ngày hỗ trợ: hôm nay" in texts(review)
    assert "📅 Ngày hỗ trợ: Hôm nay 06/12" in labels(review)
    saved = await volunteer.presses(f"ha:{household}:s")
    assert "ghi bổ sung" not in texts(saved)
    assert await entries(app) == [(SUNDAY, False, NOW)]


async def test_older_future_and_forged_days_are_refused_politely(app: App) -> None:
    volunteer, household = await setup(app)
    await to_review(volunteer, household)
    await volunteer.presses(f"ha:{household}:d")
    too_old = await volunteer.presses(f"ha:{household}:w:2026-11-28")  # 8 days back
    assert texts(too_old).startswith(t("periods.help_day_too_old", days=7))
    assert t("periods.help_day_question") in texts(too_old)  # asked again
    future = await volunteer.presses(f"ha:{household}:w:2026-12-07")
    assert texts(future).startswith(t("periods.help_day_future"))
    forged = await volunteer.presses(f"ha:{household}:w:hom-qua")
    assert texts(forged).startswith(t("errors.bad_button"))
    assert await entries(app) == []
    await volunteer.presses(f"ha:{household}:w:2026-11-29")  # 7 days back: still fine
    saved = await volunteer.presses(f"ha:{household}:s")
    assert await entries(app) == [(date(2026, 11, 29), True, NOW)]
    assert t("periods.saved_late", day="29/11/2026") in texts(saved)


async def test_a_day_that_became_too_old_before_saving_is_refused(app: App) -> None:
    volunteer, household = await setup(app)
    await to_review(volunteer, household)
    await volunteer.presses(f"ha:{household}:d")
    await volunteer.presses(f"ha:{household}:w:2026-11-29")
    after_midnight = datetime.combine(date(2026, 12, 7), time(0, 5), TZ).astimezone(UTC)
    app.dispatcher.clock = lambda: after_midnight
    refused = await volunteer.presses(f"ha:{household}:s")
    assert texts(refused).startswith(t("periods.help_day_too_old", days=7))
    assert "• Ngày hỗ trợ: hôm nay" in texts(refused)  # back to today
    assert await entries(app) == []
    await volunteer.presses(f"ha:{household}:s")
    assert await entries(app) == [(date(2026, 12, 7), False, after_midnight)]


async def test_choosing_the_day_by_typed_numbers(app: App) -> None:
    app.dispatcher.clock = lambda: NOW
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình")
    volunteer = await text_volunteer(app, village)
    await volunteer.presses(f"ha:{household}")
    await volunteer.presses(f"ha:{household}:t:other")
    await volunteer.presses(f"ha:{household}:n")
    review = await volunteer.presses(f"ha:{household}:p:-")
    days = await volunteer.says(number_of(review, "📅 Ngày hỗ trợ"))
    back = await volunteer.says(number_of(days, "Hôm qua 05/12"))
    assert "• Ngày hỗ trợ: 05/12/2026 (ghi bổ sung)" in texts(back)
    saved = await volunteer.says(number_of(back, t("volunteer.save")))
    assert t("periods.saved_late", day="05/12/2026") in texts(saved)
    assert await entries(app) == [(date(2026, 12, 5), True, NOW)]
