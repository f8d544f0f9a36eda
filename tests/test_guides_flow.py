"""A citizen walks a guide through the real dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, text

from bot.app import App, build_app
from bot.locales import t
from tests.helpers import ChatUser, labels, payloads, texts

BIRTH = "birth-registration"


async def test_question_without_accents_lands_in_the_birth_guide(app: App) -> None:
    replies = await ChatUser(app).says("lam giay khai sinh cho con")
    assert "Đăng ký khai sinh" in texts(replies)
    assert f"gs:{BIRTH}:1" in payloads(replies)
    assert "🎒 Cần chuẩn bị" in texts(replies)


async def test_walk_to_the_end_with_next_and_back_then_feedback(app: App) -> None:
    user = ChatUser(app)
    guide = app.services.catalog.get(BIRTH)
    assert guide is not None
    total = len(guide.steps)
    step1 = await user.presses(f"gs:{BIRTH}:1")
    assert texts(step1).startswith(f"Bước 1/{total} — {guide.steps[0].title}")
    assert step1[0].replace
    step2 = await user.presses(payloads(step1)[1])  # "Tiếp"
    assert texts(step2).startswith(f"Bước 2/{total}")
    back = await user.presses(payloads(step2)[0])  # "Quay lại"
    assert texts(back).startswith(f"Bước 1/{total}")
    replies = back
    for number in range(2, total + 1):
        replies = await user.presses(payloads(replies)[1])
        assert texts(replies).startswith(f"Bước {number}/{total}")
    assert t("guides.finish") in labels(replies)
    done = await user.presses(payloads(replies)[1])
    assert "đã giải quyết được chưa" in texts(done)
    thanks = await user.presses(f"gf:{BIRTH}:1")
    assert t("guides.thanks_solved") in texts(thanks)
    assert any(p.startswith("g:") for p in payloads(thanks))  # related guides offered
    async with app.sessionmaker() as session:
        solved = await session.scalar(text("SELECT solved FROM guide_progress"))
    assert solved in (True, 1)


async def test_leaving_and_coming_back_after_a_restart_offers_to_continue(app: App) -> None:
    user = ChatUser(app)
    await user.presses(f"gs:{BIRTH}:1")
    await user.presses(f"gs:{BIRTH}:2")
    await user.presses(f"gs:{BIRTH}:3")
    await app.close()
    restarted = build_app(app.settings)
    try:
        replies = await ChatUser(restarted).says("/start")
        assert f"gs:{BIRTH}:3" in payloads(replies)
        assert any("Tiếp tục: Đăng ký khai sinh (bước 3)" in label for label in labels(replies))
        resumed = await ChatUser(restarted).presses(f"gs:{BIRTH}:3")
        assert texts(resumed).startswith("Bước 3/")
    finally:
        await restarted.close()


async def test_weather_question_gets_the_out_of_scope_answer(app: App) -> None:
    replies = await ChatUser(app).says("thời tiết hôm nay thế nào")
    assert texts(replies) == t("guides.out_of_scope")
    assert "ho" in payloads(replies)  # "Gặp cán bộ"


async def test_scam_warning_only_the_first_time_an_account_guide_opens(app: App) -> None:
    user = ChatUser(app)
    first = await user.presses("g:vneid-level2")
    assert texts(first).startswith("⚠️ Cảnh báo lừa đảo")
    second = await user.presses("g:dvc-account")
    assert "Cảnh báo lừa đảo" not in texts(second)
    other = await ChatUser(app, user_id="777").presses("g:birth-registration")
    assert "Cảnh báo lừa đảo" not in texts(other)


async def test_otp_message_is_warned_about_and_stored_nowhere(app: App) -> None:
    user = ChatUser(app)
    await user.presses(f"gs:{BIRTH}:2")
    replies = await user.says("mã OTP của tôi là 482913")
    assert texts(replies) == t("safety.secret_warning")
    assert texts(await user.says("Abc@12345")) == t("safety.secret_warning")
    async with app.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        for table in tables:
            rows = await connection.execute(text(f'SELECT * FROM "{table}"'))
            dump = repr(rows.all())
            assert "482913" not in dump and "Abc@12345" not in dump, table


async def test_deep_links_and_the_guide_list(app: App) -> None:
    user = ChatUser(app)
    assert "Đăng ký khai sinh" in texts(await user.says(f"/start guide-{BIRTH}"))
    assert t("start.unknown_deep_link") in texts(await user.says("/start guide-nope"))
    listing = await user.says("/guides")
    for heading in ("Tài khoản VNeID", "Nộp hồ sơ và thanh toán", "Thủ tục thường gặp", "An toàn"):
        assert heading in texts(listing)
    assert len([p for p in payloads(listing) if p.startswith("g:")]) == 19


async def test_forged_guide_buttons_are_refused(app: App) -> None:
    user = ChatUser(app)
    for forged in [f"gs:{BIRTH}:99", "gs:nope:1", f"gs:{BIRTH}:abc", f"gf:{BIRTH}:7", "g:", "gk"]:
        assert texts(await user.presses(forged)) == t("errors.bad_button"), forged


async def test_steps_picture_is_a_png(app: App) -> None:
    replies = await ChatUser(app).presses(f"gi:{BIRTH}")
    assert replies[0].image is not None and replies[0].image.startswith(b"\x89PNG")


async def test_asking_for_a_person_opens_the_way_to_one(app: App) -> None:
    replies = await ChatUser(app).says("toi muon gap can bo")
    assert "ho:ask" in payloads(replies)  # "📨 Nhờ cán bộ liên hệ"
    assert "g:help-desk" in payloads(replies)  # where and when the desk works
