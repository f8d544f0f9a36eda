"""A fake of the Zalo Bot Platform API, served over real HTTP by aiohttp on 127.0.0.1.

It behaves like zalo-bot-api.md describes: POST `/bot<token>/<method>` with JSON, answers
`{ok, result}` or `{ok: false, error_code, description}` (HTTP 200 with ok false included),
getUpdates returns one event per call and answers 408 when none comes in time, getUpdates is
refused while a webhook is set, webhooks are POSTed with `X-Bot-Api-Secret-Token` (wrapped or
flat, as chosen), texts over 2,000 characters are refused, and sendPhoto needs a URL, which the
fake downloads (so a test sees whether a link works).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

MAX_TEXT = 2000
TOKEN = "123456789:zalo-test-token-abc"


@dataclass
class ZaloSent:
    """Something the bot sent to a chat."""

    method: str
    chat_id: str
    text: str | None = None
    photo_url: str | None = None
    photo: bytes | None = None  # what the fake downloaded from photo_url
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    method: str
    error_code: int
    description: str
    remaining: int
    http_status: int = 200


class FakeZaloServer:
    """The Zalo Bot API as a test needs it; `token` is the only token it accepts."""

    def __init__(self, *, token: str = TOKEN, flat_webhooks: bool = True) -> None:
        self.token = token
        self.flat_webhooks = flat_webhooks
        self.sent: list[ZaloSent] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self.chat_actions: list[str] = []
        self.webhook_url = ""
        self.webhook_secret = ""
        self.pushes: list[tuple[str, int]] = []  # (message id, HTTP status)
        self.send_latency = 0.0  # seconds each sendMessage takes to answer
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._failures: list[_Failure] = []
        self._by_chat: dict[str, list[ZaloSent]] = collections.defaultdict(list)
        self._sent_event = asyncio.Event()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._pusher: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._pusher is not None:
            self._pusher.cancel()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeZaloServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- what people do

    def user_sends(
        self,
        user_id: str,
        text: str | None = None,
        *,
        event: str = "message.text.received",
        name: str = "Người dùng",
        chat_id: str | None = None,
        message_id: str | None = None,
        **fields: Any,
    ) -> str:
        """Queue an event from a user (pushed when a webhook is set); returns its message id."""
        message_id = message_id or f"m{next(self._ids):06d}"
        chat = chat_id or user_id
        message: dict[str, Any] = {
            "from": {"id": user_id, "display_name": name, "is_bot": False},
            "chat": {"id": chat, "chat_type": "GROUP" if chat != user_id else "PRIVATE"},
            "message_id": message_id,
            "date": int(time.time() * 1000),
            **fields,
        }
        if text is not None:
            message["text"] = text
        self._events.put_nowait({"event_name": event, "message": message})
        return message_id

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str = "",
        count: int = 1,
        http_status: int = 200,
    ) -> None:
        """The next `count` calls of `method` fail with Zalo's `error_code`."""
        text = description or {429: "Quota exceeded", 401: "Unauthorized"}.get(error_code, "Error")
        self._failures.append(_Failure(method, error_code, text, count, http_status))

    # ----------------------------------------------------------------- what the bot did

    def messages_to(self, chat_id: str) -> list[ZaloSent]:
        return list(self._by_chat.get(chat_id, []))

    async def wait_for(self, chat_id: str, count: int, seconds: float = 10.0) -> list[ZaloSent]:
        """At least `count` messages to `chat_id`, or AssertionError after `seconds`."""
        deadline = time.monotonic() + seconds
        while len(self._by_chat.get(chat_id, [])) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = [m.text or m.photo_url for m in self._by_chat.get(chat_id, [])]
                raise AssertionError(f"expected {count} message(s) to {chat_id}, got {got}")
            self._sent_event.clear()
            try:
                async with asyncio.timeout(remaining):
                    await self._sent_event.wait()
            except TimeoutError:
                pass
        return self.messages_to(chat_id)

    # ----------------------------------------------------------------- the API

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls[method] += 1
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized", http_status=401)
        try:
            params = await request.json() if request.can_read_body else {}
        except ValueError:
            return _error(400, "Bad Request", http_status=400)
        failure = self._injected(method)
        if failure is not None:
            return _error(failure.error_code, failure.description, failure.http_status)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(404, "Not Found", http_status=404)
        result = await handler(params if isinstance(params, dict) else {})
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    def _injected(self, method: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method == method:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    async def _getMe(self, params: dict[str, Any]) -> Any:
        return {"id": "1459232241454765289", "account_name": "bot.XaMinhHoa",
                "account_type": "BASIC", "can_join_groups": True}  # fmt: skip

    async def _getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            return _error(409, "Conflict: a webhook is set", http_status=409)
        seconds = float(params.get("timeout", 30))
        try:
            async with asyncio.timeout(min(seconds, 2.0)):
                return await self._events.get()
        except TimeoutError:
            return _error(408, "Request timeout", http_status=408)

    async def _setWebhook(self, params: dict[str, Any]) -> Any:
        url, secret = str(params.get("url", "")), str(params.get("secret_token", ""))
        if not url or not 8 <= len(secret) <= 256:
            return _error(400, "Bad Request: url and secret_token (8-256) are required")
        self.webhook_url, self.webhook_secret = url, secret
        if self._pusher is None:
            self._pusher = asyncio.create_task(self._push_forever())
        return {"url": url, "updated_at": int(time.time() * 1000)}

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        return {"url": "", "updated_at": int(time.time() * 1000)}

    async def _getWebhookInfo(self, params: dict[str, Any]) -> Any:
        if not self.webhook_url:
            return _error(404, "Not Found", http_status=404)
        return {"url": self.webhook_url, "updated_at": int(time.time() * 1000)}

    async def _sendMessage(self, params: dict[str, Any]) -> Any:
        await asyncio.sleep(self.send_latency)
        text = str(params.get("text", ""))
        if not 1 <= len(text) <= MAX_TEXT:
            return _error(400, f"Bad Request: text must be 1-{MAX_TEXT} characters")
        return self._record(ZaloSent("sendMessage", str(params.get("chat_id")), text=text))

    async def _sendPhoto(self, params: dict[str, Any]) -> Any:
        url = str(params.get("photo", ""))
        if not url.startswith(("http://", "https://")):
            return _error(400, "Bad Request: photo must be a URL")
        caption = params.get("caption")
        if caption is not None and len(str(caption)) > MAX_TEXT:
            return _error(400, f"Bad Request: caption over {MAX_TEXT} characters")
        photo = await self._download(url)
        sent = ZaloSent("sendPhoto", str(params.get("chat_id")), text=caption, photo_url=url)
        sent.photo = photo
        return self._record(sent)

    async def _sendChatAction(self, params: dict[str, Any]) -> Any:
        self.chat_actions.append(str(params.get("chat_id")))
        return True

    def _record(self, sent: ZaloSent) -> dict[str, Any]:
        self.sent.append(sent)
        self._by_chat[sent.chat_id].append(sent)
        self._sent_event.set()
        return {"message_id": f"bot{next(self._ids):06d}", "date": int(time.time() * 1000)}

    async def _download(self, url: str) -> bytes | None:
        """What Zalo would fetch from a photo URL (None when the link does not work)."""
        try:
            async with aiohttp.ClientSession() as session, session.get(url) as answer:
                return await answer.read() if answer.status == 200 else None
        except aiohttp.ClientError:
            return None

    # ----------------------------------------------------------------- webhooks

    async def _push_forever(self) -> None:
        """Push queued events to the webhook, one by one, again after a failure."""
        async with aiohttp.ClientSession() as session:
            while True:
                event = await self._events.get()
                while self.webhook_url:
                    status = await self._push(session, event)
                    self.pushes.append((str(event["message"].get("message_id")), status))
                    if 200 <= status < 300:
                        break
                    await asyncio.sleep(0.3)
                if not self.webhook_url:
                    self._events.put_nowait(event)
                    await asyncio.sleep(0.1)

    async def _push(self, session: aiohttp.ClientSession, event: dict[str, Any]) -> int:
        body = event if self.flat_webhooks else {"ok": True, "result": event}
        headers = {"X-Bot-Api-Secret-Token": self.webhook_secret, "User-Agent": "Java/17"}
        try:
            async with session.post(self.webhook_url, json=body, headers=headers) as answer:
                return answer.status
        except aiohttp.ClientError:
            return 0


def _error(code: int, description: str, http_status: int = 200) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=http_status)
