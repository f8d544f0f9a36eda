"""Console channel: a terminal chat for trying the bot with no token; works when piped."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
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
        files_dir: Path | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.user_id = user_id
        self.display_name = display_name
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir
        self.files_saved = 0
        self.last_choices: tuple[Choice, ...] = ()

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

    def _save_files(self, reply: Reply) -> list[Path]:
        """Write a reply's picture or file into files_dir, so the person can open it."""
        if self.files_dir is None:
            return []
        files: list[tuple[str, bytes]] = []
        if reply.image is not None:
            files.append(("hinh-anh.png", reply.image))
        if reply.document is not None:
            files.append((reply.document.filename, reply.document.content))
        saved = []
        for name, content in files:
            self.files_saved += 1
            path = self.files_dir / f"{self.files_saved:03d}-{Path(name).name}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            saved.append(path)
        return saved

    def send(self, replies: Sequence[Reply]) -> None:
        for reply in replies:
            self.stdout.write(render(reply, self._save_files(reply)) + "\n")
            if reply.choices:
                self.last_choices = reply.choices
        self.stdout.flush()


def render(reply: Reply, saved: list[Path] | None = None) -> str:
    """Text, where pictures and files were saved (a terminal cannot show them), then choices."""
    lines = [reply.text]
    if saved:
        lines.extend(f"[{t('console.saved_file')}: {path}]" for path in saved)
    elif reply.image is not None or reply.document is not None:
        lines.append(f"[{t('console.file_not_saved')}]")
    if reply.choices:
        lines.append(t("console.choose_number"))
        lines.extend(f"  {i}. {choice.label}" for i, choice in enumerate(reply.choices, 1))
    return "\n".join(lines) + "\n"
