"""A citizen's free-text question as the commune's saved FAQs grow: our figure next to the same
question with none saved, in one run.

Every question is matched against the commune's saved FAQs (bot/services/faq.py) before the
guides; a commune that answers many written questions may save hundreds. Each question below is
one update through the real dispatcher (claim, person, FAQs, guides, kept reply, settlement) on
a SQLite file, or on PostgreSQL with --postgres; none of them matches a FAQ, so every FAQ is
compared.
Run: uv run python bench/questions.py [--questions 300] [--faqs 50,300,500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.postgres_server import Server, fresh_database
from bot.app import App, build_app
from bot.config import BotSettings, DatabaseSettings, Settings
from bot.core.channels import ChannelInfo
from bot.core.messages import Incoming
from bot.db.models import Commune, Person
from bot.services import faq

QUESTION = "cho hỏi đổi giấy phép lái xe máy ở đâu"
CHANNEL = "bench"


async def faqs_saved(app: App, count: int) -> None:
    """The commune's saved FAQs, up to `count`, each worded differently."""
    async with app.db.transaction() as session:
        commune = await session.scalar(select(Commune.id).limit(1))
        staff = Person(display_name="Cán bộ")
        session.add(staff)
        await session.flush()
        already = len(await faq.saved(session, commune or 0))
        for number in range(already, count):
            wording = f"thủ tục số {number} của xã cần giấy tờ gì và nộp ở đâu"
            await faq.save(
                session, wording, "Mời bạn mang giấy tờ đến bộ phận một cửa.", staff.id,
                commune_id=commune or 0, now=datetime.now(UTC),
            )  # fmt: skip


async def ask(app: App, questions: int, first: int) -> float:
    """Milliseconds per question, each from a person who asked before (no first contact)."""
    dispatcher = app.dispatcher
    started = time.perf_counter()
    for number in range(first, first + questions):
        person = str(number % 50)
        incoming = Incoming(
            channel=CHANNEL, chat_id=person, user_id=person, display_name="Người dân",
            key=f"{CHANNEL}:{number}", text=QUESTION,
        )  # fmt: skip
        replies = await dispatcher.handle(incoming)
        await dispatcher.settle(incoming, sent=len(replies))
    return (time.perf_counter() - started) * 1000 / questions


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--faqs", default="50,300,500", help="saved FAQs, comma-separated")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server's URL")
    options = parser.parse_args()
    postgres = Server(options.postgres) if options.postgres else None
    if postgres is not None:
        await postgres.prepare()
    try:
        async with fresh_database(postgres) as url:
            settings = Settings(
                database=DatabaseSettings(url=url), bot=BotSettings(demo_data=True)
            )
            app = build_app(settings)
            await app.prepare_database()
            app.dispatcher.connect(ChannelInfo(CHANNEL, keeps_replies=True))
            try:
                await run(app, options.questions, [int(n) for n in options.faqs.split(",")])
            finally:
                await app.close()
    finally:
        if postgres is not None:
            await postgres.drop_all()


async def run(app: App, questions: int, sizes: list[int]) -> None:
    await ask(app, 50, 0)  # each person's first contact, and the matcher's index, unmeasured
    reference = await ask(app, questions, 50)
    print(f"a question through the dispatcher, {questions} times ({QUESTION!r})")
    print(f"{'saved FAQs':>12}  {'ms per question':>16}  reference: none saved")
    print(f"{0:>12}  {reference:16.2f}")
    asked = 50 + questions
    for size in sizes:
        await faqs_saved(app, size)
        ours = await ask(app, questions, asked)
        asked += questions
        print(f"{size:>12}  {ours:16.2f}  {ours / reference:.2f} x none saved")


if __name__ == "__main__":
    asyncio.run(main())
