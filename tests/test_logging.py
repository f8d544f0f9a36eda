"""What the running bot writes to its log: one warning line per message Telegram did not take
(it is retried), and never the bot token or what people wrote, even at DEBUG."""

from __future__ import annotations

from pathlib import Path

from bot.app import build_app
from bot.config import BotSettings, DatabaseSettings, Settings
from bot.core.messages import Reply
from bot.db.base import utcnow
from bot.services import outbox
from tests.bot_process import SECRET, TOKEN, BotProcess, telegram_env, wait_until_polling
from tests.fakes import FakeTelegramServer

USER = 7001


async def queue_messages(tmp_path: Path, messages: dict[str, int]) -> None:
    """Outbox rows (key: chat) in the bot's database, due now, as a reminder would be."""
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/bot.db"),
        bot=BotSettings(demo_data=False),
    )
    app = build_app(settings)
    try:
        await app.prepare_database()
        async with app.db.transaction() as session:
            for key, chat in messages.items():
                await outbox.enqueue_to_chat(
                    session, key, "telegram", str(chat), Reply(f"Nhắc {key}"), now=utcnow()
                )
    finally:
        await app.close()


def lines_of(stderr: str, level: str, logger: str) -> list[str]:
    return [line for line in stderr.splitlines() if f" {level} {logger}:" in line]


async def test_flood_and_server_errors_are_one_warning_each(
    tmp_path: Path, fake_telegram: FakeTelegramServer
) -> None:
    await queue_messages(tmp_path, {"reminder:flood": 8101, "reminder:gateway": 8102})
    fake_telegram.fail_next("sendMessage", status=429, retry_after=1, chat_id=8101)
    fake_telegram.fail_next("sendMessage", status=502, chat_id=8102)
    bot = await BotProcess(tmp_path, telegram_env(tmp_path, fake_telegram)).start()
    try:
        await fake_telegram.wait_for(8101, 1, timeout=40)
        await fake_telegram.wait_for(8102, 1, timeout=40)
    finally:
        assert await bot.stop() == 0, bot.stderr
    stderr = bot.stderr
    assert "Traceback" not in stderr, stderr
    assert " ERROR " not in stderr and " CRITICAL " not in stderr, stderr
    warnings = lines_of(stderr, "WARNING", "bot.core.delivery")
    assert len(warnings) == 2, stderr
    for key, reason in (("reminder:flood", "retry_after"), ("reminder:gateway", "Bad Gateway")):
        [line] = [line for line in warnings if key in line]
        assert reason in line and "again" in line, line
    assert [m.text for m in fake_telegram.messages_to(8101)] == ["Nhắc reminder:flood"]


async def test_debug_logs_never_show_the_token_or_what_people_wrote(
    tmp_path: Path, fake_telegram: FakeTelegramServer
) -> None:
    # A server error that echoes the address (the token is in it) ends up in a traceback.
    fake_telegram.fail_next(
        "getUpdates", status=400, description=f"Bad Request: bad address /bot{TOKEN}/getUpdates"
    )
    env = telegram_env(tmp_path, fake_telegram, DVCBOT_BOT__LOG_LEVEL="DEBUG")
    bot = await BotProcess(tmp_path, env).start()
    try:
        await wait_until_polling(fake_telegram, bot)
        fake_telegram.user_sends_text(USER, "/start")
        [reply] = await fake_telegram.wait_for(USER, 1, timeout=40)
        fake_telegram.user_sends_text(USER, "Con tên Lò Thị Bích, mã xác thực 493817")
        await fake_telegram.wait_for(USER, 2, timeout=40)
    finally:
        assert await bot.stop() == 0, bot.stderr
    stderr = bot.stderr
    assert " DEBUG " in stderr  # the level took effect
    assert "bad address /bot123456:***/getupdates" in stderr.lower()  # logged, masked
    assert SECRET.lower() not in stderr.lower()  # PTB lower-cases some error messages
    assert "493817" not in stderr and "Lò Thị Bích" not in stderr
    assert reply.text is not None and reply.text.splitlines()[0] not in stderr
