"""Volunteers search, register, edit and log help for households in chat; scope is enforced."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.core.messages import Reply
from bot.db.models import (
    Assistance,
    AuditEntry,
    ChatIdentity,
    ConversationState,
    Household,
    Person,
    Role,
    Village,
)
from bot.locales import t
from bot.services import households, people, places
from handlers import household_fields
from tests.helpers import ChatUser, first_commune, labels, payloads, texts

# ------------------------------------------------------------------------------ helpers


async def make_villages(app: App, *names: str) -> list[int]:
    async with app.sessionmaker() as session, session.begin():
        commune = await places.ensure_commune(session, "Xã Minh Họa", "Asia/Ho_Chi_Minh")
        return [(await places.add_village(session, commune, name)).id for name in names]


async def person_id(app: App, user: ChatUser, channel: str = "test") -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(ChatIdentity.person_id).where(
                ChatIdentity.channel == channel, ChatIdentity.external_id == user.user_id
            )
        )
    assert found is not None
    return found


async def grant(
    app: App, user_id: str, role: Role, village_id: int | None = None, *, channel: str = "test"
) -> None:
    async with app.sessionmaker() as session, session.begin():
        identity = await session.scalar(
            select(ChatIdentity).where(
                ChatIdentity.channel == channel, ChatIdentity.external_id == user_id
            )
        )
        assert identity is not None, "the user must have written first"
        person = await session.get(Person, identity.person_id)
        assert person is not None
        await people.grant_role(
            session,
            person,
            role,
            commune_id=await first_commune(session),
            granted_by_id=None,
            now=datetime.now(UTC),
            village_id=village_id,
        )


async def staff_user(
    app: App, user_id: str, role: Role, village_id: int | None = None, name: str = "Trần Văn Tư"
) -> ChatUser:
    user = ChatUser(app, user_id=user_id, name=name)
    await user.says("/start")
    await grant(app, user_id, role, village_id)
    return user


async def add_household(
    app: App,
    village_id: int,
    head: str,
    *,
    members: int = 4,
    accounts: int = 0,
    code: str | None = None,
    phone: str | None = None,
    now: datetime | None = None,
) -> int:
    """A household recorded as a volunteer records it in chat (with consent); its id."""
    async with app.sessionmaker() as session, session.begin():
        village = await session.get(Village, village_id)
        assert village is not None
        household = await households.create(
            session,
            village,
            households.HouseholdData(
                head_name=head,
                members=members,
                members_with_account=accounts,
                code=code,
                phone=phone,
            ),
            actor_id=None,
            consent=True,
            now=now or datetime.now(UTC),
        )
        return household.id


async def snapshot(app: App, household_id: int) -> dict[str, Any]:
    async with app.sessionmaker() as session:
        household = await session.get(Household, household_id)
        assert household is not None
        return households.snapshot(household)


async def audit_rows(app: App, household_id: int) -> list[AuditEntry]:
    async with app.sessionmaker() as session:
        return list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "household", AuditEntry.entity_id == str(household_id))
                .order_by(AuditEntry.id)
            )
        )


async def count(app: App, model: type[Any]) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def flow_step(app: App, user: ChatUser) -> tuple[str | None, str | None]:
    identity = await person_identity(app, user)
    async with app.sessionmaker() as session:
        state = await session.get(ConversationState, identity)
        assert state is not None
        return state.flow, state.step


async def person_identity(app: App, user: ChatUser) -> int:
    async with app.sessionmaker() as session:
        found = await session.scalar(
            select(ChatIdentity.id).where(
                ChatIdentity.channel == "test", ChatIdentity.external_id == user.user_id
            )
        )
    assert found is not None
    return found


def household_ids(replies: list[Reply]) -> list[int]:
    return [int(p.split(":")[1]) for p in payloads(replies) if p.startswith("hh:")]


NOT_YOURS = t("households.not_yours")
OUT_OF_REACH = t("households.out_of_reach")
NOT_ALLOWED = t("errors.not_allowed")


# -------------------------------------------------------------------------------- create


async def test_volunteer_registers_a_household_through_the_buttons(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    opened = await volunteer.presses("hs")  # only one village: straight to the search
    assert "Thôn Đông" in texts(opened) and f"hn:{village}" in payloads(opened)
    none = await volunteer.says("nguyen van binh")
    assert "Chưa thấy hộ nào" in texts(none)
    consent = await volunteer.presses(f"hn:{village}")
    assert "đồng ý" in texts(consent) and "hc:ok:1" in payloads(consent)
    name = await volunteer.presses("hc:ok:1")
    assert "hc:name:q" in payloads(name)  # the searched name, one tap away
    members = await volunteer.says("Nguyễn Văn Bình")
    assert payloads(members)[:8] == [f"hc:mem:{n}" for n in range(1, 9)]
    accounts = await volunteer.presses("hc:mem:4")
    assert [p for p in payloads(accounts) if p.startswith("hc:acc:")] == [
        f"hc:acc:{n}" for n in range(5)
    ]
    await volunteer.presses("hc:acc:1")
    await volunteer.presses("hc:sub:0")
    phone = await volunteer.presses("hc:pay:1")
    assert "hc:tel:skip" in payloads(phone)
    note = await volunteer.says("0912 345 678")
    assert "hc:note:skip" in payloads(note)
    summary = await volunteer.says("Bà nội 80 tuổi, cần hỗ trợ tại nhà")
    assert "091****678" in texts(summary) and "0912345678" not in texts(summary)
    assert "Nguyễn Văn Bình" in texts(summary)
    saved = await volunteer.presses("hc:done:save")
    assert "Đã lưu hộ mới" in texts(saved)
    assert "1/4" in texts(saved) and "091****678" in texts(saved)
    [household_id] = [int(p.split(":")[1]) for p in payloads(saved) if p.startswith("ha:")]
    volunteer_id = await person_id(app, volunteer)
    async with app.sessionmaker() as session:
        household = await session.get(Household, household_id)
        assert household is not None
        assert household.phone == "0912345678" and household.paid_online
        assert household.consent_at is not None
        assert household.consent_recorded_by_id == volunteer_id
    [created] = await audit_rows(app, household_id)
    assert created.action == "create" and created.actor_id == volunteer_id
    assert created.after is not None and created.after["head_name"] == "Nguyễn Văn Bình"
    assert await flow_step(app, volunteer) == ("hh_find", "query")


async def test_no_consent_stores_nothing(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"hn:{village}")
    stopped = await volunteer.presses("hc:ok:0")
    assert texts(stopped) == t("volunteer.no_consent")
    assert await count(app, Household) == 0
    assert await flow_step(app, volunteer) == (None, None)


async def test_create_flow_rejects_bad_input_and_keeps_the_step(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"hn:{village}")
    await volunteer.presses("hc:ok:1")
    assert t("volunteer.name_letters_only") in texts(await volunteer.says("👍👍👍"))
    assert t("households.bad_head_name") in texts(await volunteer.says("A"))
    assert t("households.bad_head_name") in texts(await volunteer.says("Á" * 121))
    assert await flow_step(app, volunteer) == ("hh_new", "name")
    await volunteer.says("Lê Thị Hoa")
    for bad in ("abc", "0", "99", "🙂", "-3"):
        reply = await volunteer.says(bad)
        assert t("households.bad_members", limit=60) in texts(reply), bad
        assert "hc:mem:1" in payloads(reply)
    assert await flow_step(app, volunteer) == ("hh_new", "mem")
    await volunteer.says("3 người")
    assert t("volunteer.bad_accounts", members=3) in texts(await volunteer.says("4"))
    assert await flow_step(app, volunteer) == ("hh_new", "acc")
    old = await volunteer.presses("hc:mem:8")  # a button of an earlier question
    assert t("volunteer.old_button") in texts(old)
    await volunteer.presses("hc:acc:0")
    assert t("volunteer.yes_no_please") in texts(await volunteer.says("có lẽ"))
    await volunteer.says("chưa")
    await volunteer.says("không")
    assert await flow_step(app, volunteer) == ("hh_new", "tel")
    assert t("households.bad_phone") in texts(await volunteer.says("12345"))
    await volunteer.presses("hc:tel:skip")
    assert t("households.note_too_long") in texts(await volunteer.says("x" * 501))
    no_ids = await volunteer.says("CCCD 001234567890")
    assert t("volunteer.note_no_numbers") in texts(no_ids)
    assert await flow_step(app, volunteer) == ("hh_new", "note")
    summary = await volunteer.presses("hc:note:skip")
    assert "Lê Thị Hoa" in texts(summary) and "0/3" not in texts(summary)
    assert t("volunteer.press_save") in texts(await volunteer.says("xong"))
    assert await count(app, Household) == 0
    await volunteer.presses("hc:done:save")
    async with app.sessionmaker() as session:
        household = await session.scalar(select(Household))
    assert household is not None
    assert (household.members, household.members_with_account, household.phone) == (3, 0, None)
    assert not household.submitted_online and not household.paid_online


async def test_cancel_button_leaves_the_create_flow(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"hn:{village}")
    await volunteer.presses("hc:ok:1")
    cancelled = await volunteer.presses("hc:cancel")
    assert texts(cancelled) == t("volunteer.create_cancelled")
    assert await flow_step(app, volunteer) == (None, None)
    stale = await volunteer.presses("hc:mem:3")
    assert texts(stale) == t("volunteer.stale_button")


# -------------------------------------------------------------------------------- search


async def test_search_finds_a_name_without_accents_in_part_and_with_a_typo(app: App) -> None:
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    binh = await add_household(app, east, "Nguyễn Văn Bình")
    await add_household(app, east, "Trần Thị Lan")
    await add_household(app, east, "Phạm Văn An")
    other_binh = await add_household(app, west, "Nguyễn Văn Bình")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, east)
    await volunteer.presses("hs")
    for query in ("nguyen van binh", "binh", "nguyen vn binh", "NGUYỄN VĂN BÌNH"):
        found = await volunteer.says(query)
        ids = household_ids(found)
        assert ids and ids[0] == binh, query
        assert other_binh not in ids, query
    async with app.sessionmaker() as session:
        household = await session.get(Household, binh)
        assert household is not None
        code = household.code
    by_code = await volunteer.says(code.lower())
    assert household_ids(by_code)[0] == binh
    assert "Nguyễn Văn Bình" in labels(by_code)[0] and code in labels(by_code)[0]


async def test_a_head_already_registered_is_offered_before_creating_again(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    binh = await add_household(app, village, "Nguyễn Văn Bình")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"hn:{village}")
    await volunteer.presses("hc:ok:1")
    duplicate = await volunteer.says("nguyễn văn bình")
    assert f"hh:{binh}" in payloads(duplicate) and "hc:dup:go" in payloads(duplicate)
    go_on = await volunteer.presses("hc:dup:go")
    assert "hc:mem:1" in payloads(go_on)


async def test_bad_search_text_is_explained(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses("hs")
    assert t("volunteer.bad_query", limit=60) in texts(await volunteer.says("🙂🙂"))
    assert t("volunteer.bad_query", limit=60) in texts(await volunteer.says("a" * 61))


async def test_several_villages_are_offered_only_within_scope(app: App) -> None:
    east, west, north = await make_villages(app, "Thôn Đông", "Thôn Tây", "Thôn Bắc")
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, east)
    await grant(app, "2001", Role.VOLUNTEER, west)
    menu = await volunteer.presses("hs")
    assert sorted(payloads(menu)[:2]) == sorted([f"hv:{east}", f"hv:{west}"])
    assert f"hv:{north}" not in payloads(menu)
    assert texts(await volunteer.presses(f"hv:{north}")) == NOT_YOURS


# ----------------------------------------------------------------------------- scope


async def test_a_volunteer_cannot_touch_another_villages_household(app: App) -> None:
    east, west = await make_villages(app, "Thôn Đông", "Thôn Tây")
    mine = await add_household(app, east, "Nguyễn Văn Bình")
    theirs = await add_household(app, west, "Lê Văn Tám", members=3, accounts=1)
    before = await snapshot(app, theirs)
    audits = len(await audit_rows(app, theirs))
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, east)
    forged = [
        f"hh:{theirs}",
        f"h1:{theirs}",
        f"he:{theirs}",
        f"he:{theirs}:mem",
        f"ha:{theirs}",
        f"ha:{theirs}:t:account_created",
        f"ha:{theirs}:s",
    ]
    for payload in forged:  # a household of another village reads like a missing one
        reply = await volunteer.presses(payload)
        assert texts(reply) == OUT_OF_REACH, payload
    for payload in (f"hv:{west}", f"hn:{west}"):
        assert texts(await volunteer.presses(payload)) == NOT_YOURS, payload
    # Inside a flow on their own household, a forged id is still refused.
    await volunteer.presses(f"ha:{mine}")
    await volunteer.presses(f"ha:{mine}:t:account_created")
    await volunteer.presses(f"ha:{mine}:n")
    await volunteer.presses(f"ha:{mine}:p:-")
    assert texts(await volunteer.presses(f"ha:{theirs}:s")) == OUT_OF_REACH
    await volunteer.presses(f"he:{mine}:acc")
    await volunteer.presses(f"hh:{theirs}")
    assert await snapshot(app, theirs) == before
    assert len(await audit_rows(app, theirs)) == audits
    async with app.sessionmaker() as session:
        helped = await session.scalar(
            select(func.count()).select_from(Assistance).where(Assistance.household_id == theirs)
        )
    assert helped == 0
    assert texts(await volunteer.presses("hh:987654")) == OUT_OF_REACH
    assert texts(await volunteer.presses("hh:abc")) == t("errors.bad_button")


async def test_an_official_sees_cards_read_only(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình")
    official = await staff_user(app, "2002", Role.OFFICIAL, village)
    card = await official.presses(f"hh:{household}")
    assert "Nguyễn Văn Bình" in texts(card)
    assert not any(p.startswith(("ha:", "he:", "h1:")) for p in payloads(card))
    assert f"hn:{village}" not in payloads(await official.presses("hs"))
    for payload in (f"ha:{household}", f"he:{household}:mem", f"h1:{household}", f"hn:{village}"):
        assert texts(await official.presses(payload)) == NOT_ALLOWED, payload


async def test_a_citizen_is_refused_politely(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình")
    citizen = ChatUser(app, user_id="3001", name="Người Dân")
    for command in ("/households", "/helped"):
        assert texts(await citizen.says(command)) == NOT_ALLOWED
    for payload in (f"hh:{household}", "hh:1", "hs", f"ha:{household}:s", "hc:ok:1", "ht"):
        reply = await citizen.presses(payload)
        assert texts(reply) == NOT_ALLOWED, payload
        assert payloads(reply) == ["menu"]
    menu = await citizen.says("/menu")
    assert "hs" not in payloads(menu) and "ht" not in payloads(menu)


# ----------------------------------------------------------------------------- edit


async def test_editing_a_field_is_audited_before_and_after(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=4, accounts=2)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    fields = await volunteer.presses(f"he:{household}")
    assert f"he:{household}:mem" in payloads(fields) and f"he:{household}:tel" in payloads(fields)
    await volunteer.presses(f"he:{household}:mem")
    assert t("households.bad_members", limit=60) in texts(await volunteer.says("100"))
    too_few = await volunteer.says("1")  # fewer members than accounts
    assert t("households.accounts_over_members") in texts(too_few)
    assert await flow_step(app, volunteer) == ("hh_edit", "mem")
    saved = await volunteer.says("6")
    assert t("volunteer.saved") in texts(saved) and "2/6" in texts(saved)
    await volunteer.presses(f"he:{household}:tel")
    await volunteer.says("+84 987 654 321")
    await volunteer.presses(f"he:{household}:sub")
    await volunteer.presses("hf:sub:1")
    plus = await volunteer.presses(f"h1:{household}")
    assert t("volunteer.account_added") in texts(plus) and "3/6" in texts(plus)
    rows = await audit_rows(app, household)
    assert [row.action for row in rows] == ["create", "update", "update", "update", "update"]
    assert (rows[1].before, rows[1].after) == ({"members": 4}, {"members": 6})
    assert rows[2].after == {"phone": "098****321"} and rows[2].before == {"phone": None}
    assert (rows[3].before, rows[3].after) == (
        {"submitted_online": False},
        {"submitted_online": True},
    )
    assert rows[4].after == {"members_with_account": 3}
    volunteer_id = await person_id(app, volunteer)
    assert all(row.actor_id == volunteer_id for row in rows[1:])
    card = await volunteer.presses(f"hh:{household}")
    assert "098****321" in texts(card) and "0987654321" not in texts(card)


async def test_plus_one_stops_at_the_number_of_members(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=2, accounts=2)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    full = await volunteer.presses(f"h1:{household}")
    assert t("volunteer.all_have_accounts") in texts(full)
    assert f"h1:{household}" not in payloads(full)
    assert (await snapshot(app, household))["members_with_account"] == 2


# ------------------------------------------------------------------------------ assistance


async def test_logging_assistance_updates_the_household_and_the_tally(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình", members=3, accounts=0)
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    checklist = await volunteer.presses(f"ha:{household}")
    assert checklist[0].replace and labels(checklist)[0].startswith("☐")
    empty = await volunteer.presses(f"ha:{household}:n")
    assert t("assistance.nothing_chosen") in texts(empty)
    await volunteer.presses(f"ha:{household}:t:account_created")
    await volunteer.presses(f"ha:{household}:t:paid_online")
    ticked = await volunteer.presses(f"ha:{household}:t:paid_online")  # untick
    assert [label[0] for label in labels(ticked)[:7]] == ["☑", "☐", "☐", "☐", "☐", "☐", "☐"]
    await volunteer.presses(f"ha:{household}:t:submitted_online")
    assert t("volunteer.use_buttons") in texts(await volunteer.says("xong rồi"))
    procedures = await volunteer.presses(f"ha:{household}:n")
    assert f"ha:{household}:p:birth-registration" in payloads(procedures)
    assert f"ha:{household}:p:vneid-register" not in payloads(procedures)
    assert texts(await volunteer.presses(f"ha:{household}:p:vneid-register")) == t(
        "errors.bad_button"
    )
    fee = await volunteer.presses(f"ha:{household}:p:birth-registration")
    assert f"ha:{household}:f:1" in payloads(fee)
    review = await volunteer.presses(f"ha:{household}:f:0")
    assert "Đăng ký khai sinh" in texts(review)
    saved = await volunteer.presses(f"ha:{household}:s")
    assert t("volunteer.help_saved", today=1) in texts(saved)
    assert "Lần hỗ trợ gần nhất" in texts(saved) and "Tạo tài khoản định danh" in texts(saved)
    again = await volunteer.presses(f"ha:{household}:s")  # a second tap logs nothing
    assert texts(again) == t("volunteer.stale_button")
    volunteer_id = await person_id(app, volunteer)
    async with app.sessionmaker() as session:
        [entry] = list(await session.scalars(select(Assistance)))
    assert entry.account_created and entry.submitted_online and not entry.paid_online
    assert entry.procedure == "birth-registration" and entry.fee_required is False
    assert entry.shift_id is None and entry.helper_id == volunteer_id
    state = await snapshot(app, household)
    assert state["members_with_account"] == 1 and state["submitted_online"]
    actions = [row.action for row in await audit_rows(app, household)]
    assert actions == ["create", "assist", "update"]
    tally = await volunteer.presses("ht")
    assert "Hôm nay: 1" in texts(tally) and "Từ trước tới nay: 1" in texts(tally)
    assert "ht" in payloads(await volunteer.says("/menu"))


async def test_assistance_without_a_procedure_and_cancel(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    household = await add_household(app, village, "Nguyễn Văn Bình")
    volunteer = await staff_user(app, "2001", Role.OFFICER, village)
    await volunteer.presses(f"ha:{household}")
    await volunteer.presses(f"ha:{household}:t:papers_digitised")
    cancelled = await volunteer.presses(f"ha:{household}:x")
    assert t("volunteer.help_cancelled") in texts(cancelled)
    assert await count(app, Assistance) == 0
    await volunteer.presses(f"ha:{household}")
    await volunteer.presses(f"ha:{household}:t:other")
    await volunteer.presses(f"ha:{household}:n")
    old = await volunteer.presses(f"ha:{household}:t:other")  # checklist button, wrong step
    assert t("volunteer.old_button") in texts(old)
    review = await volunteer.presses(f"ha:{household}:p:-")
    assert "Thủ tục" not in texts(review)
    await volunteer.presses(f"ha:{household}:s")
    async with app.sessionmaker() as session:
        [entry] = list(await session.scalars(select(Assistance)))
    assert entry.other and entry.procedure is None and entry.fee_required is None


def test_every_field_has_its_question_and_label() -> None:
    from bot.locales import catalog

    strings = catalog()
    for field in household_fields.ATTRS:
        assert f"volunteer.ask_{field}" in strings
        assert f"volunteer.field_{field}" in strings
    for key in ("wrong", "used", "expired", "slow_down"):
        assert f"join.{key}" in strings


async def test_a_code_already_used_in_the_village_is_refused_and_the_step_kept(app: App) -> None:
    [village] = await make_villages(app, "Thôn Đông")
    first = await add_household(app, village, "Nguyễn Văn Bình")
    second = await add_household(app, village, "Trần Thị Lan")
    taken = (await snapshot(app, first))["code"]
    volunteer = await staff_user(app, "2001", Role.VOLUNTEER, village)
    await volunteer.presses(f"he:{second}:code")
    assert t("households.bad_code") in texts(await volunteer.says("mã 😀"))
    refused = await volunteer.says(taken)
    assert t("households.code_taken", code=taken) in texts(refused)
    assert await flow_step(app, volunteer) == ("hh_edit", "code")
    assert t("volunteer.saved") in texts(await volunteer.says("TD-0099"))
    assert (await snapshot(app, second))["code"] == "TD-0099"
