"""Logging help says what it changes in the register, and one tap undoes exactly that."""

from __future__ import annotations

from sqlalchemy import select

from bot.actions.households import UndoHelpChanges
from bot.app import App
from bot.core.messages import Reply
from bot.db.models import Assistance, Role
from bot.locales import t
from handlers.household_fields import field_label
from tests.helpers import ChatUser, payloads, texts
from tests.test_households_flow import (
    add_household,
    audit_rows,
    count,
    make_villages,
    person_id,
    snapshot,
    staff_user,
)


def change(field: str, before: str, after: str) -> str:
    return t("volunteer.change_line", field=field_label(field), before=before, after=after)


def undo_buttons(replies: list[Reply]) -> list[str]:
    return [p for p in payloads(replies) if p.startswith(UndoHelpChanges.prefix + ":")]


async def log_help(volunteer: ChatUser, household: int, *actions: str) -> list[Reply]:
    """Tick the actions, no procedure, review, save; the save confirmation is returned."""
    await volunteer.presses(f"ha:{household}")
    for action in actions:
        await volunteer.presses(f"ha:{household}:t:{action}")
    await volunteer.presses(f"ha:{household}:n")
    review = await volunteer.presses(f"ha:{household}:p:-")
    saved = await volunteer.presses(f"ha:{household}:s")
    return [*review, *saved]


async def test_the_review_and_the_confirmation_list_every_change_with_an_undo(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=3, accounts=0)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"ha:{household}")
    for action in ("account_created", "submitted_online", "paid_online"):
        await volunteer.presses(f"ha:{household}:t:{action}")
    await volunteer.presses(f"ha:{household}:n")
    review = await volunteer.presses(f"ha:{household}:p:-")
    expected = [
        change("acc", "0", "1"),
        change("sub", t("volunteer.no_short"), t("volunteer.yes_short")),
        change("pay", t("volunteer.no_short"), t("volunteer.yes_short")),
    ]
    for line in expected:
        assert line in texts(review), line
    saved = await volunteer.presses(f"ha:{household}:s")
    assert t("volunteer.help_changes") in texts(saved)
    for line in expected:
        assert line in texts(saved), line
    async with app.sessionmaker() as session:
        entry = await session.scalar(select(Assistance))
    assert entry is not None
    assert undo_buttons(saved) == [UndoHelpChanges(entry.id).pack()]


async def test_undo_restores_exactly_those_fields_is_audited_and_keeps_the_help(
    app: App,
) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=3, accounts=1)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    before = await snapshot(app, household)
    saved = await log_help(volunteer, household, "account_created", "submitted_online")
    assert (await snapshot(app, household))["members_with_account"] == 2
    # A change to another field since does not stand in the way.
    await volunteer.presses(f"he:{household}:tel")
    await volunteer.says("0912 345 678")
    [undo] = undo_buttons(saved)
    undone = await volunteer.presses(undo)
    assert t("volunteer.help_undone") in texts(undone)
    assert change("acc", "2", "1") in texts(undone)
    assert change("sub", t("volunteer.yes_short"), t("volunteer.no_short")) in texts(undone)
    after = await snapshot(app, household)
    assert after == {**before, "phone": "0912345678"}
    assert await count(app, Assistance) == 1  # the help happened: it stays
    rows = await audit_rows(app, household)
    restore, marker = rows[-2], rows[-1]
    assert restore.action == "update"
    assert restore.before == {"members_with_account": 2, "submitted_online": True}
    assert restore.after == {"members_with_account": 1, "submitted_online": False}
    assert marker.action == "assist_undo"
    assert marker.actor_id == await person_id(app, volunteer)
    # A second tap changes nothing and says why.
    again = await volunteer.presses(undo)
    assert t("assistance.already_undone") in texts(again)
    assert await snapshot(app, household) == after
    assert len(await audit_rows(app, household)) == len(rows)


async def test_undo_is_refused_when_a_field_was_changed_since(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=4, accounts=0)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    officer = await staff_user(app, "2002", Role.OFFICER, village, name="Lê Thị Hoa")
    saved = await log_help(volunteer, household, "account_created", "paid_online")
    await officer.presses(f"h1:{household}")  # someone else added an account meanwhile
    state = await snapshot(app, household)
    audits = len(await audit_rows(app, household))
    refused = await volunteer.presses(undo_buttons(saved)[0])
    assert t("assistance.changed_since", fields=field_label("acc")) in texts(refused)
    assert await snapshot(app, household) == state
    assert len(await audit_rows(app, household)) == audits


async def test_a_log_that_changed_nothing_says_so_and_offers_no_undo(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=2, accounts=2)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    saved = await log_help(volunteer, household, "account_created", "portal_login")
    assert t("volunteer.help_no_changes") in texts(saved)
    assert undo_buttons(saved) == []
    async with app.sessionmaker() as session:
        entry = await session.scalar(select(Assistance))
    assert entry is not None
    forced = await volunteer.presses(UndoHelpChanges(entry.id).pack())
    assert t("assistance.nothing_to_undo") in texts(forced)


async def test_an_official_cannot_undo(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=2, accounts=0)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    official = await staff_user(app, "2003", Role.OFFICIAL, village, name="Chủ Tịch")
    saved = await log_help(volunteer, household, "account_created")
    refused = await official.presses(undo_buttons(saved)[0])
    assert texts(refused) == t("errors.not_allowed")
    assert (await snapshot(app, household))["members_with_account"] == 1
