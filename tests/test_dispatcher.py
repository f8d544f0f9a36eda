"""The dispatcher: idempotency, routing order, refusals, rollback and apology."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.app import App
from bot.core.context import Context
from bot.core.flows import Answer, Flow, FlowData, Next, Step
from bot.core.messages import Attachment, Incoming, Replies, Reply
from bot.db.models import ChatIdentity, ConversationState, Person, ProcessedUpdate, Role
from bot.locales import t
from bot.services import people
from tests.helpers import ChatUser, first_commune, labels, payloads, texts


async def count(app: App, model: type[object]) -> int:
    async with app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_start_greets_and_shows_the_menu(app: App) -> None:
    replies = await ChatUser(app).says("/start")
    assert "Xin chào Nguyễn Văn An" in texts(replies)
    assert "OTP" in texts(replies)  # the consent notice warns about never sharing codes
    assert "❓ Trợ giúp" in labels(replies)


async def test_duplicate_update_is_processed_once(app: App) -> None:
    user = ChatUser(app)
    incoming = user.incoming(text="/start")
    first = await app.dispatcher.handle(incoming)
    second = await app.dispatcher.handle(incoming)
    assert first and second == []
    assert await count(app, ProcessedUpdate) == 1
    assert await count(app, Person) == 1


async def test_concurrent_duplicates_reply_once(app: App) -> None:
    incoming = ChatUser(app).incoming(text="/help")
    results = await asyncio.gather(*(app.dispatcher.handle(incoming) for _ in range(5)))
    assert sum(1 for replies in results if replies) == 1
    assert await count(app, ProcessedUpdate) == 1


async def test_first_contact_from_many_people_at_once(app: App) -> None:
    users = [ChatUser(app, user_id=str(2000 + n), name=f"Người {n}") for n in range(12)]
    results = await asyncio.gather(*(user.says("/start") for user in users))
    assert all("Xin chào" in texts(replies) for replies in results)
    assert await count(app, Person) == 12
    assert await count(app, ChatIdentity) == 12


async def test_a_newcomers_messages_at_once_make_one_person_and_are_all_answered(
    app: App,
) -> None:
    user = ChatUser(app, user_id="2100", name="Người mới")
    results = await asyncio.gather(*(user.says("/start") for _ in range(4)))
    assert all("Xin chào Người mới" in texts(replies) for replies in results)
    assert await count(app, Person) == 1
    assert await count(app, ChatIdentity) == 1
    assert await count(app, ProcessedUpdate) == 4


async def test_forged_payload_is_refused_politely(app: App) -> None:
    user = ChatUser(app)
    for forged in ["nope:1", "", "x" * 200, "🙂:🙂", "does-not-exist:42"]:
        replies = await user.presses(forged)
        assert texts(replies) == t("errors.bad_button")
        assert "menu" in payloads(replies)
    # A known button with junk arguments still just shows the menu.
    assert t("start.menu_prompt") in texts(await user.presses("menu:' OR 1=1 --"))


async def test_unknown_command_and_odd_input(app: App) -> None:
    user = ChatUser(app)
    assert "/xyz" in texts(await user.says("/xyz abc"))
    assert texts(await user.says("🙂🙂🙂")) == t("guides.out_of_scope")
    long_text = "a" * 50_000
    assert "50000" in texts(await user.says(long_text))
    photo = Incoming(
        channel="test", chat_id="9", user_id="9", attachment=Attachment.PHOTO, key="test:photo"
    )
    assert texts(await app.dispatcher.handle(photo)) == t("errors.photo_not_kept")


async def test_handler_exception_rolls_back_and_apologises(app: App) -> None:
    user = ChatUser(app)
    await user.says("/start")

    async def breaks_halfway(ctx: Context) -> Replies:
        ctx.start_flow("broken", "one", secret="x")
        ctx.person.display_name = "Changed"
        await ctx.session.flush()
        raise RuntimeError("boom")

    app.registry.command("breakme", breaks_halfway)
    replies = await user.says("/breakme")
    assert texts(replies) == t("errors.apology")
    async with app.sessionmaker() as session:
        person = await session.scalar(select(Person))
        state = await session.scalar(select(ConversationState))
    assert person is not None and person.display_name == "Nguyễn Văn An"
    assert state is None or state.flow is None


async def test_role_gated_command_refuses_citizens(app: App) -> None:
    async def staff_only(ctx: Context) -> Replies:
        return Reply("secret roster")

    app.registry.command("roster", staff_only, roles={Role.OFFICER})
    user = ChatUser(app)
    assert texts(await user.says("/roster")) == t("errors.not_allowed")

    async with app.sessionmaker() as session, session.begin():
        person = await session.scalar(select(Person))
        assert person is not None
        await people.grant_role(
            session,
            person,
            Role.OFFICER,
            commune_id=await first_commune(session),
            granted_by_id=None,
            now=_now(),
        )
    assert texts(await user.says("/roster")) == "secret roster"

    async with app.sessionmaker() as session, session.begin():
        await people.revoke_role(
            session,
            person.id,
            Role.OFFICER,
            commune_id=await first_commune(session),
            revoked_by_id=None,
            now=_now(),
        )
    assert texts(await user.says("/roster")) == t("errors.not_allowed")


class Nothing(FlowData):
    pass


def one_step_flow(name: str, question: str, answer: Callable[[str], str]) -> Flow[Nothing]:
    """A flow of one step that asks `question` and answers every typed text, staying there."""

    async def ask(ctx: Context, data: Nothing) -> Reply:
        return Reply(question)

    async def read(ctx: Context, data: Nothing, typed: Answer) -> Next:
        return Reply(answer(typed.text))

    return Flow(name, Nothing, {"one": Step(ask, read)})


async def test_flow_step_receives_text_and_cancel_leaves_it(app: App) -> None:
    echo = one_step_flow("echo", "Say something", lambda text: f"echo: {text}")

    async def begin(ctx: Context) -> Replies:
        return await echo.start(ctx, Nothing(), "one")

    app.registry.command("echo", begin)
    app.registry.flow(echo)
    user = ChatUser(app)
    await user.says("/echo")
    assert texts(await user.says("xin chào")) == "echo: xin chào"
    assert t("cancel.done") in texts(await user.says("/cancel"))
    assert texts(await user.says("giá vàng hôm nay")) == t("guides.out_of_scope")


def _now() -> datetime:
    return datetime.now(UTC)


async def test_revoked_role_ends_the_flow_instead_of_trapping_the_person(app: App) -> None:
    edit = one_step_flow("roster-edit", "Tên?", lambda text: "saved")

    async def begin(ctx: Context) -> Replies:
        return await edit.start(ctx, Nothing(), "one")

    app.registry.command("edit", begin, roles={Role.OFFICER})
    app.registry.flow(edit, roles={Role.OFFICER})
    user = ChatUser(app)
    await user.says("/start")
    async with app.db.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        await people.grant_role(
            session,
            person,
            Role.OFFICER,
            commune_id=await first_commune(session),
            granted_by_id=None,
            now=_now(),
        )
    assert texts(await user.says("/edit")) == "Tên?"
    async with app.db.transaction() as session:
        await people.revoke_role(
            session,
            person.id,
            Role.OFFICER,
            commune_id=await first_commune(session),
            revoked_by_id=None,
            now=_now(),
        )
    assert texts(await user.says("Lan")) == t("errors.not_allowed")
    assert texts(await user.says("Lan")) == t("guides.out_of_scope")


async def test_a_new_person_sending_several_messages_at_once_is_created_once(app: App) -> None:
    user = ChatUser(app, user_id="4242", name="Trần Thị Mai")
    results = await asyncio.gather(*(user.says(text) for text in ["/start", "/help", "/menu"]))
    assert all(replies for replies in results)
    assert all(t("errors.apology") not in texts(replies) for replies in results)
    assert await count(app, Person) == 1


async def test_an_unknown_command_is_never_echoed_with_control_or_direction_marks(
    app: App,
) -> None:
    user = ChatUser(app)
    for typed in ("/x\x00y", "/abc\u202egnp.exe", "/" + "z" * 500, "/\u2066lệnh\u2069"):
        answer = texts(await user.says(typed))
        assert "Tôi không biết lệnh" in answer
        assert not any(ch in answer for ch in "\x00\u202e\u2066\u2069")
        assert "z" * 100 not in answer
