"""Written questions in chat: officials see them with their age, officers answer, the answer
reaches the citizen through the outbox after a restart, and a saved FAQ answers again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import App, build_app
from bot.channels import console
from bot.channels.telegram import TelegramChannel
from bot.db.models import Commune, Faq, OutboxStatus, Question, QuestionStatus, Role
from bot.locales import t
from bot.services import faq
from scheduler import delivery
from scheduler.questions import plan_unanswered
from tests.fakes import FakeTelegramServer
from tests.helpers import ChatUser, labels, payloads, texts
from tests.test_escalation import person_id, questions_of, request_at, scene
from tests.test_households_e2e import Chat, button_data
from tests.test_households_flow import grant
from tests.test_numbered_menus import number_of
from tests.test_shift_support import FakeClock, RecordingSender, local, outbox_rows, runtime_for

MONDAY_2PM = local(2026, 11, 30, 14)
MONDAY_5PM = local(2026, 11, 30, 17)  # the desk's day ends (no shifts: the default 17:00)
SWIMMING = "Xã có tổ chức lớp dạy bơi cho trẻ em vào mùa hè không? Số tôi 0912345678."
ANSWER = "Chào chị Hoa, hè này xã mở lớp dạy bơi miễn phí tại nhà văn hóa thôn Đông từ 15/6."
GENERAL_QUESTION = "Xã có tổ chức lớp dạy bơi cho trẻ em vào mùa hè không?"
OFFICER, CITIZEN = 890102, 890101
GENERAL_ANSWER = "Hè này xã mở lớp dạy bơi miễn phí cho trẻ em tại nhà văn hóa thôn Đông từ 15/6."


async def queued_question(
    app: App, users: dict[str, ChatUser], question: str = SWIMMING, at: datetime = MONDAY_2PM
) -> int:
    """The citizen's request nobody took, turned into a question at the desk's day end."""
    await request_at(app, users["citizen"], at, question)
    clock = FakeClock(MONDAY_5PM)
    assert (await plan_unanswered(runtime_for(app, clock)))[1] == 1
    app.dispatcher.clock = clock
    return (await questions_of(app))[-1].id


async def question_row(app: App, number: int) -> Question:
    async with app.sessionmaker() as session:
        row = await session.get(Question, number)
    assert row is not None
    return row


async def faqs(app: App) -> list[Faq]:
    async with app.sessionmaker() as session:
        return list(await session.scalars(select(Faq).order_by(Faq.id)))


async def test_officials_see_open_questions_and_their_age(app: App) -> None:
    users = await scene(app)
    number = await queued_question(app, users)
    official, officer = users["official"], users["officer"]
    assert t("questions.menu") in labels(await official.says("/menu"))

    seen = await official.says("/questions")
    assert t("questions.list_title", count=1) in texts(seen)
    assert f"• Số {number} — đã chờ 3 giờ: Xã có tổ chức lớp dạy bơi" in texts(seen)
    assert "0912345678" not in texts(seen) and "Lê Thị Hoa" not in texts(seen)
    assert payloads(seen) == ["menu"]  # officials read; they do not answer
    assert t("questions.view_only").strip() in texts(seen)

    app.dispatcher.clock = FakeClock(local(2026, 12, 2, 15))
    later = await official.says("/questions")
    assert f"Số {number} — đã chờ 2 ngày" in texts(later)
    listed = await officer.presses("qn")
    assert payloads(listed) == [f"qn:ans:{number}", "qn:faqs", "menu"]
    assert labels(listed)[0] == t("questions.answer_short", number=number)


async def test_the_answer_reaches_the_citizen_after_a_restart(app: App) -> None:
    users = await scene(app)
    number = await queued_question(app, users)
    officer, citizen = users["officer"], users["citizen"]
    mine = await citizen.presses("ho:mine")
    assert f"Câu hỏi số {number} (gửi cách đây 3 giờ)" in texts(mine)
    assert "1–2 ngày làm việc" in texts(mine) and "0912345678" not in texts(mine)
    prompt = await officer.presses(f"qn:ans:{number}")
    assert "Xã có tổ chức lớp dạy bơi" in texts(prompt) and "đã chờ 3 giờ" in texts(prompt)
    done = await officer.says(ANSWER)
    assert t("questions.answered", number=number) in texts(done)
    assert payloads(done)[0] == f"qn:faq:{number}"
    assert labels(done)[0] == "⭐ Lưu thành câu hỏi thường gặp"
    [queued] = (await outbox_rows(app, f"question:{number}:")).values()
    assert queued.status == OutboxStatus.PENDING

    # The process stops before sending; a new one on the same database delivers it, once.
    restarted = build_app(app.settings)
    try:
        sender = RecordingSender()
        clock = FakeClock(local(2026, 11, 30, 17, 5))
        await delivery.drain(restarted.db, {"test": sender}, clock)
        await delivery.drain(restarted.db, {"test": sender}, clock)
    finally:
        await restarted.close()
    [answer] = [text for text in sender.to("3001") if "trả lời câu hỏi của bạn" in text]
    assert "Cán bộ Hùng" in answer and ANSWER in answer and "Xã có tổ chức lớp dạy bơi" in answer
    row = await question_row(app, number)
    assert (row.status, row.text, row.answer) == (QuestionStatus.ANSWERED, "", ANSWER)
    assert t("questions.list_empty") in texts(await users["official"].says("/questions"))
    assert t("handoff.none_mine") in texts(await citizen.presses("ho:mine"))


async def test_a_saved_faq_answers_the_same_question_typed_differently(app: App) -> None:
    users = await scene(app)
    asker = users["neighbour"]
    before = await asker.says("xa co to chuc lop day boi cho tre em vao mua he khong")
    assert t("guides.out_of_scope").split("\n")[0] in texts(before)

    number = await queued_question(app, users)
    officer = users["officer"]
    await officer.presses(f"qn:ans:{number}")
    await officer.says(ANSWER)
    wording = await officer.presses(f"qn:faq:{number}")
    assert t("questions.faq_wording").split("\n")[0] in texts(wording)
    review = await officer.says(GENERAL_QUESTION)
    assert ANSWER in texts(review) and payloads(review) == ["qf:answer:same", "qf:cancel"]
    # The answer sent named the citizen: the officer writes a general one instead.
    saved = await officer.says(GENERAL_ANSWER)
    assert "Đã lưu câu hỏi thường gặp" in texts(saved)
    [faq] = await faqs(app)
    assert (faq.question, faq.answer) == (GENERAL_QUESTION, GENERAL_ANSWER)
    assert faq.keywords == "xa co to chuc lop day boi cho tre em vao mua he khong"

    for typed in (
        "xa co to chuc lop day boi cho tre em vao mua he khong",
        "Lớp dạy bơi cho trẻ em vào mùa hè xã có tổ chức không",
        "xa co to chuc lop day boi cho tre em vao mua he ko?",
    ):
        replies = await asker.says(typed)
        assert GENERAL_ANSWER in texts(replies), typed
        assert payloads(replies) == ["ho", "menu"]
    # Short or unrelated messages, and questions a guide answers clearly, are not the FAQ.
    assert GENERAL_ANSWER not in texts(await asker.says("dạy bơi"))
    guide = await asker.says("đăng ký khai sinh cho con")
    assert GENERAL_ANSWER not in texts(guide) and "khai sinh" in texts(guide).lower()


async def test_nothing_personal_goes_into_a_faq(app: App) -> None:
    users = await scene(app)
    number = await queued_question(app, users)
    officer = users["officer"]
    await officer.presses(f"qn:ans:{number}")
    await officer.says("Lớp bơi hè miễn phí; hỏi thêm thầy Nam số 0905 123 456 hoặc CCCD.")
    await officer.presses(f"qn:faq:{number}")
    await officer.says("Lớp dạy bơi hè, chị Hoa 0912345678 hỏi?")
    saved = await officer.presses("qf:answer:same")  # the answer sent, confirmed by a tap
    assert "Đã lưu câu hỏi thường gặp" in texts(saved)
    [faq] = await faqs(app)
    stored = f"{faq.question} {faq.keywords} {faq.answer}"
    for personal in ("0912345678", "0905 123 456", "0905123456", SWIMMING):
        assert personal not in stored
    assert "Lớp bơi hè miễn phí" in faq.answer
    # The citizen's own question is not kept once answered.
    assert (await question_row(app, number)).text == ""


async def test_a_volunteer_cannot_answer_and_forged_buttons_are_refused(app: App) -> None:
    users = await scene(app)
    number = await queued_question(app, users)
    volunteer, officer, citizen = users["volunteer"], users["officer"], users["citizen"]
    for attempt in ("/questions",):
        assert t("errors.not_allowed") in texts(await volunteer.says(attempt))
    for payload in (f"qn:ans:{number}", f"qn:faq:{number}", "qn"):
        assert t("errors.not_allowed") in texts(await volunteer.presses(payload))
        assert t("errors.not_allowed") in texts(await citizen.presses(payload))
    assert t("questions.menu") not in labels(await volunteer.says("/menu"))

    assert t("questions.not_found") in texts(await officer.presses("qn:ans:9999"))
    assert t("errors.bad_button") in texts(await officer.presses("qn:ans:abc"))
    assert t("questions.not_answered") in texts(await officer.presses(f"qn:faq:{number}"))
    assert t("questions.stale_button") in texts(await officer.presses("qf:answer:same"))

    await officer.presses(f"qn:ans:{number}")
    too_long = await officer.says("x" * 1501)
    assert t("handoff.too_long", length=1501, limit=1500) in texts(too_long)
    assert "Câu hỏi số" in texts(too_long)  # asked again
    await officer.says(ANSWER)
    again = await users["admin"].presses(f"qn:ans:{number}")
    assert t("questions.already_answered") in texts(again)
    assert (await question_row(app, number)).answer == ANSWER
    assert len(await outbox_rows(app, f"question:{number}:")) == 1


# ------------------------------------------------------------------- on real channels


async def test_an_officer_on_the_console_answers_and_saves_a_faq_by_numbers(app: App) -> None:
    users = await scene(app)
    number = await queued_question(app, users)
    app.dispatcher.connect(console.INFO)
    officer = ChatUser(app, "3010", "Cán bộ Thu", channel=console.INFO.name)
    await officer.says("/start")
    await grant(app, "3010", Role.OFFICER, channel=console.INFO.name)

    listed = await officer.says("/questions")
    assert f"Số {number} — đã chờ 3 giờ" in texts(listed)
    prompt = await officer.says(number_of(listed, t("questions.answer_short", number=number)))
    assert "Xã có tổ chức lớp dạy bơi" in texts(prompt)
    done = await officer.says(ANSWER)
    assert t("questions.answered", number=number) in texts(done)
    wording = await officer.says(number_of(done, t("questions.faq_button")))
    assert t("questions.faq_wording").split("\n")[0] in texts(wording)
    review = await officer.says(GENERAL_QUESTION)
    saved = await officer.says(number_of(review, t("questions.faq_same")))
    assert "Đã lưu câu hỏi thường gặp" in texts(saved)
    [faq] = await faqs(app)
    assert (faq.question, faq.answer) == (GENERAL_QUESTION, ANSWER)
    assert (await question_row(app, number)).answered_by_id is not None


async def test_over_telegram_a_question_nobody_took_gets_its_answer(
    app: App, telegram: TelegramChannel, fake_telegram: FakeTelegramServer
) -> None:
    senders = {"telegram": telegram}
    officer = Chat(fake_telegram, OFFICER, "Hùng")
    await officer.says("/start")
    await grant(app, str(OFFICER), Role.OFFICER, channel="telegram")
    citizen = Chat(fake_telegram, CITIZEN, "Hoa")
    await citizen.says("/start")
    await citizen.presses("ho:ask")
    await citizen.says(GENERAL_QUESTION)
    await citizen.presses("ho:skip")

    later = FakeClock(datetime.now(UTC) + timedelta(days=20))  # past any desk day's end
    assert await plan_unanswered(runtime_for(app, later)) == (1, 1)
    before = len(fake_telegram.messages_to(CITIZEN))
    await delivery.drain(app.db, senders, later)
    told = (await fake_telegram.wait_for(CITIZEN, before + 1))[-1]
    assert told.text is not None and "1–2 ngày làm việc" in told.text

    listed = await officer.presses("qn")
    assert button_data(listed) == ["qn:ans:1", "qn:faqs", "menu"]
    await officer.presses("qn:ans:1")
    done = await officer.says(GENERAL_ANSWER)
    assert button_data(done)[0] == "qn:faq:1"
    await delivery.drain(app.db, senders, later)
    answer = (await fake_telegram.wait_for(CITIZEN, before + 2))[-1]
    assert answer.text is not None and GENERAL_ANSWER in answer.text

    await officer.presses("qn:faq:1")
    review = await officer.says(GENERAL_QUESTION)
    assert button_data(review) == ["qf:answer:same", "qf:cancel"]
    await officer.presses("qf:answer:same")
    again = await citizen.says("xa co to chuc lop day boi cho tre em vao mua he khong")
    assert again.text is not None and GENERAL_ANSWER in again.text


async def test_saved_faqs_are_listed_saved_once_and_can_be_deleted(app: App) -> None:
    users = await scene(app)
    officer, asker = users["officer"], users["neighbour"]
    number = await queued_question(app, users)
    await officer.presses(f"qn:ans:{number}")
    await officer.says(ANSWER)
    for answer in ("Có, lớp học vào tháng 6.", GENERAL_ANSWER):  # saved twice, same wording
        await officer.presses(f"qn:faq:{number}")
        await officer.says(GENERAL_QUESTION)
        await officer.says(answer)
    [faq] = await faqs(app)
    assert faq.answer == GENERAL_ANSWER
    listed = await officer.says("/faq")
    assert t("questions.faq_list_title", count=1) in texts(listed)
    assert f"qn:faqdel:{faq.id}" in payloads(listed)
    assert "qn:faqs" in payloads(await officer.says("/questions"))
    refused = await users["volunteer"].presses(f"qn:faqdel:{faq.id}")
    assert texts(refused) == t("errors.not_allowed") and len(await faqs(app)) == 1
    deleted = await officer.presses(f"qn:faqdel:{faq.id}")
    assert texts(deleted).startswith(t("questions.faq_deleted", number=faq.id, question="")[:30])
    assert await faqs(app) == []
    assert GENERAL_ANSWER not in texts(await asker.says(GENERAL_QUESTION))
    assert texts(await officer.presses(f"qn:faqdel:{faq.id}")) == t("questions.faq_not_found")
    assert texts(await officer.says("/faq")) == t("questions.faq_list_empty")


def delete_buttons(replies: Any) -> list[str]:
    return [payload for payload in payloads(replies) if payload.startswith("qn:faqdel:")]


async def test_many_saved_faqs_are_listed_ten_to_a_page(app: App) -> None:
    users = await scene(app)
    officer = users["officer"]
    staff = await person_id(app, officer)
    async with app.db.transaction() as session:
        commune = await session.scalar(select(Commune.id).limit(1))
        assert commune is not None
        for number in range(1, 24):
            await faq.save(
                session, f"Thủ tục số {number} cần mang những giấy tờ gì?", "Mời bạn đến xã.",
                staff, commune_id=commune, now=datetime.now(UTC),
            )  # fmt: skip
    ids = [row.id for row in reversed(await faqs(app))]  # newest first, as listed

    first = await officer.says("/faq")
    assert t("questions.faq_list_title", count=23) in texts(first)
    assert delete_buttons(first) == [f"qn:faqdel:{number}" for number in ids[:10]]
    assert "qn:faqs:1" in payloads(first) and t("pages.previous") not in labels(first)

    second = await officer.presses("qn:faqs:1")
    assert delete_buttons(second) == [f"qn:faqdel:{number}" for number in ids[10:20]]
    assert {"qn:faqs:0", "qn:faqs:2"} <= set(payloads(second))

    last = await officer.presses("qn:faqs:2")
    assert delete_buttons(last) == [f"qn:faqdel:{number}" for number in ids[20:]]
    assert t("pages.next") not in labels(last)
    assert payloads(await officer.presses("qn:faqs:99")) == payloads(last)  # forged: the last

    await officer.presses(f"qn:faqdel:{ids[-1]}")
    assert len(await faqs(app)) == 22
