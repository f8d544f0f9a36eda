"""The secret guard stops OTPs and passwords from citizens as before, but lets staff type codes,
counts, dates and phone numbers into their own flows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.db.models import Role, Village
from bot.locales import t
from bot.services.safety import looks_like_secret, looks_like_work_value
from tests.helpers import ChatUser, texts
from tests.test_admin_flow import make_admin
from tests.test_households_flow import (
    add_household,
    flow_step,
    household_ids,
    make_villages,
    person_id,
    snapshot,
    staff_user,
)

WARNING = t("safety.secret_warning")
# What citizens must still be warned about, in a flow or not (as the guard did before).
CITIZEN_SECRETS = (
    "MK-0123",
    "mk 123456",
    "mã OTP của tôi là 482913",
    "otp 482913",
    "123456",
    "Abc@12345",
    "mật khẩu là abc12345",
    "pass: hoa2024",
)
# What staff type into their own flows: household codes, counts, dates, phone numbers.
WORK_VALUES = (
    "MK-0123",
    "mk0123",
    "TD-123456",
    "PIN-0012",
    "100000",
    "100.000",
    "150326",
    "15/03/2026",
    "2026-03-15",
    "15-3",
    "0912 345 678",
    "+84 912 345 678",
)
# Secrets staff are still stopped for, even inside their flows.
STAFF_SECRETS = (
    "mk 123456",
    "mk: Abc@1234",
    "mật khẩu của tôi là Abc12345",
    "otp 482913",
    "Abc@12345",
    "ma pin 1234",
)


@pytest.mark.parametrize("typed", CITIZEN_SECRETS)
def test_what_citizens_are_warned_about_still_looks_like_a_secret(typed: str) -> None:
    assert looks_like_secret(typed)


@pytest.mark.parametrize("typed", WORK_VALUES)
def test_codes_counts_dates_and_phones_are_work_values(typed: str) -> None:
    assert looks_like_work_value(typed)


@pytest.mark.parametrize("typed", STAFF_SECRETS)
def test_secret_phrases_are_never_work_values(typed: str) -> None:
    assert looks_like_secret(typed) and not looks_like_work_value(typed)


async def test_a_volunteer_searches_a_code_that_starts_with_mk(app: App) -> None:
    [village] = await make_villages(app, "Thôn Mỹ Khê")
    wanted = await add_household(app, village, "Nguyễn Văn Bình", members=3, code="MK-0123")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    found = await volunteer.says("MK-0123")
    assert WARNING not in texts(found)
    assert household_ids(found)[:1] == [wanted]


async def test_staff_type_counts_and_long_codes_in_their_flows(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=3, code="TD-0001")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"he:{household}:code")
    saved = await volunteer.says("TD-123456")
    assert t("volunteer.saved") in texts(saved)
    assert (await snapshot(app, household))["code"] == "TD-123456"
    admin = await make_admin(app)
    await admin.presses(f"av:set:{village}")
    counted = await admin.says("100000")
    assert t("admin.count_saved", name="Thôn Đông") in texts(counted)
    async with app.sessionmaker() as session:
        official = await session.scalar(
            select(Village.official_households).where(Village.id == village)
        )
    assert official == 100000


async def test_staff_are_still_stopped_for_secrets_in_and_out_of_their_flows(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=3, code="TD-0001")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"he:{household}:note")
    for typed in STAFF_SECRETS:
        assert texts(await volunteer.says(typed)) == WARNING, typed
    assert await flow_step(app, volunteer) == ("hh_edit", "note")
    assert (await snapshot(app, household))["note"] is None
    await volunteer.says("/menu")  # no flow now: a bare number may be an OTP
    assert await flow_step(app, volunteer) == (None, None)
    for typed in ("123456", "MK-0123"):
        assert texts(await volunteer.says(typed)) == WARNING, typed


async def test_citizens_are_warned_as_before_in_and_out_of_a_flow(app: App) -> None:
    citizen = ChatUser(app, user_id="3001", name="Người Dân")
    await citizen.says("/start")
    for typed in CITIZEN_SECRETS:
        assert texts(await citizen.says(typed)) == WARNING, typed
    await citizen.presses("ho:ask")
    for typed in CITIZEN_SECRETS:
        assert texts(await citizen.says(typed)) == WARNING, typed
    assert await flow_step(app, citizen) == ("ho_ask", "question")


async def test_a_revoked_volunteer_in_a_stale_flow_is_guarded_like_a_citizen(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    admin = await make_admin(app)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    assert await flow_step(app, volunteer) == ("hh_find", "query")
    volunteer_id = await person_id(app, volunteer)
    await admin.presses(f"apy:{volunteer_id}:volunteer")
    assert texts(await volunteer.says("123456")) == WARNING
