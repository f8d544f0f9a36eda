"""Defects found by probing: report dates at the calendar's edges, invite guessing across chats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.app import App
from bot.db.models import Role
from bot.locales import t
from bot.services import invites
from bot.services.reports.kpis import Month
from tests.helpers import ChatUser, first_commune, payloads, texts
from tests.test_admin_flow import active_grants
from tests.test_households_flow import make_villages
from tests.test_reports import build_commune
from tests.test_reports_flow import official

# ------------------------------------------------------------------- report dates at the edges


async def test_days_before_the_reports_begin_are_refused_politely(app: App) -> None:
    await build_commune(app)
    user = await official(app)
    too_early = t("reports.day_too_early", first="01/01/2000")
    for command in ("/tally 0001-01-01", "/tally 01/01/0001", "/tally 1999-12-31"):
        assert texts(await user.says(command)).startswith(too_early), command
    for payload in ("rp:d:1999-12-31", "rp:d:1000-05-05"):
        assert texts(await user.presses(payload)).startswith(too_early), payload
    [first] = await user.says("/tally 2000-01-01")
    assert first.text.startswith("📋 Hỗ trợ ngày 01/01/2000")
    assert payloads([first])[:1] == ["rp:d:2000-01-02"]  # no day before the first
    assert not any(p.startswith("rp:d:1999") for p in payloads([first]))
    [second] = await user.presses("rp:d:2000-01-02")
    assert "rp:d:2000-01-01" in payloads([second])


async def test_months_before_the_reports_begin_are_refused_politely(app: App) -> None:
    await build_commune(app)
    user = await official(app)
    too_early = t("reports.month_too_early", first="01/2000")
    for command in ("/kpi 0001-01", "/kpi 01/0001", "/kpi 1999-12"):
        assert texts(await user.says(command)).startswith(too_early), command
    assert texts(await user.says("/kpi 9999-12")).startswith(
        t("reports.future_month", month="12/9999")
    )


def test_the_last_month_of_the_calendar_has_a_last_day() -> None:
    assert Month(9999, 12).last == date(9999, 12, 31)
    assert Month(2026, 2).last == date(2026, 2, 28)


# ---------------------------------------------------------------- invite guessing across chats


async def test_many_chats_guessing_together_are_all_told_to_wait_for_a_while(app: App) -> None:
    start = datetime.now(UTC)
    clock = [start]
    app.dispatcher.clock = lambda: clock[0]
    [east] = await make_villages(app, "Thôn Đông")
    async with app.db.transaction() as session:
        _, code = await invites.create(
            session,
            Role.VOLUNTEER,
            commune_id=await first_commune(session),
            village_id=east,
            created_by_id=None,
            now=start,
        )
    per_chat, cap = invites.MAX_WRONG_GUESSES, invites.MAX_WRONG_GUESSES_ALL_CHATS
    for number in range(cap):  # a few codes from each of many chats, none slowed on its own
        guesser = ChatUser(app, user_id=str(8000 + number // per_chat))
        assert texts(await guesser.says(f"/join sai{number:03d}abcd")) == t("join.wrong")
    fresh = ChatUser(app, user_id="8100")
    assert texts(await fresh.says("/join saimoiabcd")) == t("join.busy")
    real = ChatUser(app, user_id="8200", name="Người Thật")
    assert texts(await real.says(f"/join {code}")) == t("join.busy")  # not even a right code
    assert await active_grants(app, real) == []
    clock[0] = start + invites.GUESS_WINDOW - timedelta(minutes=1)
    for number in range(cap):  # guessing on while told to wait does not make the wait longer
        assert texts(await fresh.says(f"/join lai{number:03d}abcd")) == t("join.busy")
    clock[0] = start + invites.GUESS_WINDOW + timedelta(seconds=1)
    assert "Chào mừng" in texts(await real.says(f"/join {code}"))
    assert await active_grants(app, real) == [("volunteer", east)]
