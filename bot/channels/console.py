"""Console channel: a terminal chat for trying the bot with no token; works when piped.

It has no buttons: the core numbers the choices and remembers them for this chat, so a typed
number is read by the dispatcher, not here. It delivers queued notifications only to its own
person; the others stay queued for the chat they belong to.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.core.channels import ChannelInfo
from bot.core.dispatcher import Dispatcher
from bot.core.messages import Incoming, Reply
from bot.locales import t

CHANNEL = "console"
INFO = ChannelInfo(CHANNEL, buttons=False, edits=False, max_text=100_000)


class ConsoleChannel:
    """Reads lines until end of input and prints what the bot answers."""

    info = INFO

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

    @property
    def only_chats(self) -> frozenset[str]:
        return frozenset({self.user_id})

    async def start(self) -> None:
        self.dispatcher.connect(self.info)

    async def stop(self) -> None:
        self.stdout.flush()

    async def run(self) -> None:
        """Chat until end of input; a question left waiting last time is asked again first."""
        interactive = self.stdin.isatty()
        self.send(await self.dispatcher.reopen(self._incoming("/start")))
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
        self.send(await self.dispatcher.handle(self._incoming(line)))

    def _incoming(self, text: str) -> Incoming:
        return Incoming(
            channel=CHANNEL,
            chat_id=self.user_id,
            user_id=self.user_id,
            text=text,
            display_name=self.display_name,
        )

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Show a notification (a reminder, a tally) queued for this terminal's person."""
        self.send(replies)

    def send(self, replies: Sequence[Reply]) -> None:
        for reply in replies:
            self.stdout.write(render(reply, self._save_files(reply)) + "\n")
        self.stdout.flush()

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


def render(reply: Reply, saved: list[Path] | None = None) -> str:
    """The text (its choices are already numbered lines), then where files were saved."""
    lines = [reply.text]
    if saved:
        lines.extend(f"[{t('console.saved_file')}: {path}]" for path in saved)
    elif reply.image is not None or reply.document is not None:
        lines.append(f"[{t('console.file_not_saved')}]")
    return "\n".join(lines) + "\n"
