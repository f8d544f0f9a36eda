"""Console channel: a terminal chat for trying the bot with no token; works when piped."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.core.dispatcher import Dispatcher
from bot.core.messages import Choice, Incoming, Reply
from bot.locales import t

CHANNEL = "console"


class ConsoleChannel:
    """Reads lines until EOF; a bare number picks one of the last reply's choices."""

    name = CHANNEL

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        user_id: str = "local",
        display_name: str = "",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.user_id = user_id
        self.display_name = display_name
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.last_choices: tuple[Choice, ...] = ()
        self.counter = 0

    async def run(self, first_text: str | None = "/start") -> None:
        """Chat until end of input."""
        interactive = self.stdin.isatty()
        if first_text:
            await self.submit_text(first_text)
        while True:
            if interactive:
                self.stdout.write("> ")
                self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            line = line.strip()
            if line:
                await self.submit_text(line)

    async def submit_text(self, line: str) -> None:
        """Send one typed line to the dispatcher and print what comes back."""
        self.counter += 1
        payload: str | None = None
        text: str | None = line
        if line.isdigit() and 1 <= int(line) <= len(self.last_choices):
            payload, text = self.last_choices[int(line) - 1].payload, None
        incoming = Incoming(
            channel=CHANNEL,
            chat_id=self.user_id,
            user_id=self.user_id,
            text=text,
            payload=payload,
            display_name=self.display_name,
        )
        self.send(await self.dispatcher.handle(incoming))

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Show a proactive message (a reminder, a tally) if it is for this terminal's user."""
        if chat_id == self.user_id:
            self.send(replies)

    def send(self, replies: Sequence[Reply]) -> None:
        for reply in replies:
            self.stdout.write(render(reply) + "\n")
            if reply.choices:
                self.last_choices = reply.choices
        self.stdout.flush()


def render(reply: Reply) -> str:
    """Text, a note for images and files, then numbered choices."""
    lines = [reply.text]
    if reply.image is not None:
        lines.append("[hình ảnh]")
    if reply.document is not None:
        lines.append(f"[tệp: {reply.document.filename}]")
    if reply.choices:
        lines.append(t("console.choose_number"))
        lines.extend(f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, 1))
    return "\n".join(lines) + "\n"
