"""A forged button cannot tell a household of another village from one that does not exist;
the revoke prompt names a person who has no display name."""

from __future__ import annotations

from sqlalchemy import select

from bot.actions.households import ResultsPage, UndoHelpChanges
from bot.app import App
from bot.db.models import Assistance, Person, Role
from bot.locales import t
from tests.helpers import payloads, texts
from tests.test_admin_flow import make_admin
from tests.test_help_log_changes import log_help
from tests.test_households_flow import (
    add_household,
    make_villages,
    person_id,
    snapshot,
    staff_user,
)

MISSING = 987654


def household_payloads(household: int) -> list[str]:
    """Every household action a button can carry, for one household id."""
    return [
        f"hh:{household}",
        f"he:{household}",
        f"he:{household}:mem",
        f"h1:{household}",
        f"ha:{household}",
        f"ha:{household}:t:account_created",
        f"ha:{household}:n",
        f"ha:{household}:s",
        f"ha:{household}:x",
    ]


async def test_outside_ones_villages_and_missing_look_exactly_the_same(app: App) -> None:
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    mine = await add_household(app, east, "Nguyễn Văn Bình")
    theirs = await add_household(app, west, "Lê Văn Tám", members=3, accounts=0)
    colleague = await staff_user(app, "2002", Role.VOLUNTEER, west, name="Lê Thị Hoa")
    await log_help(colleague, theirs, "account_created")
    async with app.sessionmaker() as session:
        entry = await session.scalar(select(Assistance.id))
    assert entry is not None
    before = await snapshot(app, theirs)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, east)
    pairs = list(zip(household_payloads(theirs), household_payloads(MISSING), strict=True))
    pairs += [
        (UndoHelpChanges(entry).pack(), UndoHelpChanges(MISSING).pack()),
        (f"hn:{west}", f"hn:{MISSING}"),
        (f"hv:{west}", f"hv:{MISSING}"),
        (ResultsPage(west, 1, "abcd1234").pack(), ResultsPage(MISSING, 1, "abcd1234").pack()),
    ]
    for outside, missing in pairs:
        seen = await volunteer.presses(outside)
        unknown = await volunteer.presses(missing)
        assert [(r.text, r.choices, r.columns) for r in seen] == [
            (r.text, r.choices, r.columns) for r in unknown
        ], (outside, missing)
        assert "Lê Văn Tám" not in texts(seen)
    # Also from inside a flow on one's own household.
    await volunteer.presses(f"ha:{mine}")
    await volunteer.presses(f"ha:{mine}:t:other")
    assert texts(await volunteer.presses(f"ha:{theirs}:s")) == texts(
        await volunteer.presses(f"ha:{MISSING}:s")
    )
    assert await snapshot(app, theirs) == before
    # An official may view every household of the villages of their role, never another's.
    official = await staff_user(app, "2003", Role.OFFICIAL, east, name="Chủ Tịch")
    assert texts(await official.presses(f"hh:{theirs}")) == texts(
        await official.presses(f"hh:{MISSING}")
    )
    assert "Nguyễn Văn Bình" in texts(await official.presses(f"hh:{mine}"))


async def test_the_revoke_prompt_names_someone_without_a_display_name(app: App) -> None:
    [east] = await make_villages(app, "Thôn Đông")
    admin = await make_admin(app)
    nameless = await staff_user(app, "2001", Role.VOLUNTEER, east, name="")
    phoned = await staff_user(app, "2002", Role.VOLUNTEER, east, name="")
    nameless_id = await person_id(app, nameless)
    phoned_id = await person_id(app, phoned)
    async with app.sessionmaker() as session, session.begin():
        person = await session.get(Person, phoned_id)
        assert person is not None and not person.display_name
        person.phone = "0912345678"
    question = await admin.presses(f"apr:{nameless_id}:volunteer")
    said = texts(question)
    assert "của ?" not in said and "None" not in said
    assert t("admin.person_number", number=nameless_id) in said
    assert f"apy:{nameless_id}:volunteer" in payloads(question)
    question = await admin.presses(f"apr:{phoned_id}:volunteer")
    assert "091****678" in texts(question) and "0912345678" not in texts(question)
    done = await admin.presses(f"apy:{nameless_id}:volunteer")
    assert t("admin.person_number", number=nameless_id) in texts(done)
