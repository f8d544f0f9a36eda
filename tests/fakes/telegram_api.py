"""A fake Telegram Bot API HTTP server for end-to-end tests and benchmarks.

The real ``telegram.ext.Application`` talks to it over HTTP on 127.0.0.1::

    async with FakeTelegramServer() as server:
        app = ApplicationBuilder().token("123:ABC").base_url(server.base_url).build()
        ...
        server.user_sends_text(42, "/start")
        [reply] = await server.wait_for(42, 1)

Behaviour follows the real Bot API closely where it matters for bots: HTML/MarkdownV2 text
is parsed (bad markup -> 400 "can't parse entities"), text/caption/callback_data length
limits, "message is not modified" on identical edits, 403 for blocked chats, 429 with
``retry_after`` for injected failures and (optionally) flood limits.

After ``setWebhook`` it pushes updates like Telegram: each queued update is POSTed as JSON to
the webhook (with ``X-Telegram-Bot-Api-Secret-Token`` when a secret token was given), up to
``max_connections`` at a time, and pushed again after ``webhook_retry_delay`` seconds until it
is answered 2xx; ``pushes`` records every attempt. ``getUpdates`` is refused (409) meanwhile,
and ``deleteWebhook`` stops the pushing (what is pending stays queued for ``getUpdates``).
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import copy
import html
import json
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import BodyPartReader, web

__all__ = ["FakeTelegramServer", "PushAttempt", "SentMessage", "text_update"]

_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_CALLBACK_DATA = 64
_MAX_INLINE_BUTTONS = 100  # what Telegram accepts in one inline keyboard, as observed
_MAX_MARKUP = 10_000  # bytes of reply_markup JSON, likewise
_FLOOD_GLOBAL_PER_SEC = 30
_FLOOD_CHAT_BURST = 3.0
_FLOOD_CHAT_RATE = 1.0
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
)


class _ApiError(Exception):
    """An error answered to the client as ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Upload:
    filename: str | None
    data: bytes


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int | None
    description: str | None
    remaining: int
    chat_id: int | None


@dataclass
class _StoredFile:
    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass
class SentMessage:
    """One message the bot sent (or edited), as recorded by the fake server."""

    method: str
    chat_id: int
    message_id: int
    text: str | None = None
    reply_markup: dict[str, Any] | None = None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    edited_message_id: int | None = None
    parse_mode: str | None = None
    raw_text: str | None = None
    file_id: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it was received

    @property
    def button_labels(self) -> list[str]:
        """All inline button labels, row by row."""
        return [label for row in self.buttons for label, _ in row]


@dataclass(frozen=True)
class PushAttempt:
    """One POST of an update to the webhook, as recorded by the fake server."""

    update_id: int
    status: int | None  # the HTTP answer; None after a connection error or a timeout
    error: str | None  # the kind of connection error or "timeout"
    started: float  # time.monotonic()
    ended: float

    @property
    def ok(self) -> bool:
        """Telegram counts only a 2xx answer as delivered."""
        return self.status is not None and 200 <= self.status < 300


# --------------------------------------------------------------------------- formatting


def text_update(
    update_id: int, user_id: int, text: str, first_name: str = "Lan"
) -> dict[str, Any]:
    """A private text message as Telegram sends it, for a test to deliver itself."""
    message: dict[str, Any] = {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": first_name},
        "text": text,
    }
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(command)}]
    return {"update_id": update_id, "message": message}


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode())


def _entity_error(detail: str) -> _ApiError:
    return _bad(f"can't parse entities: {detail}")


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_SPECIAL = re.compile(r"[<&]")
_HTML_TAG_NAME = re.compile(r"\s*([a-zA-Z][\w-]*)(.*)\Z", re.S)
_HTML_ATTR = re.compile(r"""([a-zA-Z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
_HTML_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into plain text and entities (raises 400 like Telegram)."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)

    def emit(chunk: str) -> None:
        nonlocal pos16
        out.append(chunk)
        pos16 += _u16(chunk)

    while i < n:
        m = _HTML_SPECIAL.search(src, i)
        if m is None:
            emit(src[i:])
            break
        if m.start() > i:
            emit(src[i : m.start()])
        i = m.start()
        if src[i] == "&":
            em = _HTML_ENTITY.match(src, i)
            if em is None:
                emit("&")
                i += 1
                continue
            ref = em.group(1)
            if ref.startswith("#"):
                code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
                emit(chr(code) if 0 < code < 0x110000 else "\ufffd")
            elif ref in _HTML_NAMED:
                emit(_HTML_NAMED[ref])
            else:
                emit(em.group(0))
            i = em.end()
            continue
        end = src.find(">", i)
        offset = _byte_offset(src, i)
        if end < 0:
            raise _entity_error(f"Can't find end of the tag starting at byte offset {offset}")
        body = src[i + 1 : end]
        i = end + 1
        if body.startswith("/"):
            name = body[1:].strip().lower()
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {offset}")
            open_name, start, closed = stack.pop()
            if name != open_name:
                raise _entity_error(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            language = closed.pop("_language", None)
            if language and stack and stack[-1][0] == "pre" and stack[-1][1] == start:
                stack[-1][2]["language"] = language
                continue
            if pos16 > start:
                entities.append({**closed, "offset": start, "length": pos16 - start})
            continue
        tm = _HTML_TAG_NAME.match(body.rstrip("/"))
        name = tm.group(1).lower() if tm else ""
        if name not in _HTML_TAGS:
            raise _entity_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs = {
            key.lower(): html.unescape(a or b or c)
            for key, a, b, c in _HTML_ATTR.findall(tm.group(2) if tm else "")
        }
        entity: dict[str, Any] = {"type": _HTML_TAGS[name]}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entity_error(f'Unsupported start tag "span" at byte offset {offset}')
        if name == "a":
            entity["url"] = attrs.get("href", "")
        elif name == "code" and attrs.get("class", "").startswith("language-"):
            entity["_language"] = attrs["class"][len("language-") :]
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id", "")
        stack.append((name, pos16, entity))
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"),
    "||": ("spoiler", "Spoiler"),
    "[": ("text_link", "TextUrl"),
}


def _reserved(char: str) -> _ApiError:
    return _entity_error(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _mdv2_until(src: str, start: int, closer: str) -> tuple[str, int]:
    """Read an escaped literal run up to ``closer``; returns (text, index after closer)."""
    buf: list[str] = []
    i = start
    while i < len(src):
        if src[i] == "\\" and i + 1 < len(src):
            buf.append(src[i + 1])
            i += 2
        elif src.startswith(closer, i):
            return "".join(buf), i + len(closer)
        else:
            buf.append(src[i])
            i += 1
    return "".join(buf), -1


def _parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into plain text and entities (unescaped reserved chars -> 400)."""
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, int]] = []  # marker, utf-16 start, byte offset
    entities: list[dict[str, Any]] = []
    quote_start: int | None = None
    i, n = 0, len(src)
    line_start = True

    def emit(chunk: str) -> None:
        nonlocal pos16
        out.append(chunk)
        pos16 += _u16(chunk)

    while i < n:
        c = src[i]
        at_line_start, line_start = line_start, False
        if c == "\\":
            if i + 1 < n and 0 < ord(src[i + 1]) < 127:
                emit(src[i + 1])
                i += 2
            else:
                emit(c)
                i += 1
        elif c == "`":
            pre = src.startswith("```", i)
            body, nxt = _mdv2_until(src, i + (3 if pre else 1), "```" if pre else "`")
            if nxt < 0:
                kind = "Pre" if pre else "Code"
                raise _entity_error(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(src, i)}"
                )
            entity: dict[str, Any] = {"type": "pre" if pre else "code"}
            if pre and "\n" in body:
                first, rest = body.split("\n", 1)
                if first and " " not in first:
                    entity["language"] = first
                    body = rest
            if body:
                entities.append({**entity, "offset": pos16, "length": _u16(body)})
                emit(body)
            i = nxt
        elif c == ">" and at_line_start:
            if quote_start is None:
                quote_start = pos16
            i += 1
        elif c in "*_~|":
            marker = c
            if c == "_" and src.startswith("__", i):
                marker = "__"
            elif c == "|":
                if not src.startswith("||", i):
                    raise _reserved(c)
                marker = "||"
            idx = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][0] == marker), -1)
            if idx >= 0:
                _, start, _ = stack.pop(idx)
                if pos16 > start:
                    entity_type = _MDV2_NAMES[marker][0]
                    entities.append(
                        {"type": entity_type, "offset": start, "length": pos16 - start}
                    )
            else:
                stack.append((marker, pos16, _byte_offset(src, i)))
            i += len(marker)
        elif c == "[":
            stack.append(("[", pos16, _byte_offset(src, i)))
            i += 1
        elif c == "]" and stack and stack[-1][0] == "[":
            if not src.startswith("(", i + 1):
                raise _reserved("]")
            url, nxt = _mdv2_until(src, i + 2, ")")
            if nxt < 0:
                raise _entity_error(
                    f"Can't find end of a URL at byte offset {_byte_offset(src, i + 1)}"
                )
            _, start, _ = stack.pop()
            if pos16 > start:
                entities.append(
                    {"type": "text_link", "offset": start, "length": pos16 - start, "url": url}
                )
            i = nxt
        elif c in _MDV2_RESERVED:
            raise _reserved(c)
        else:
            if c == "\n":
                line_start = True
                if quote_start is not None and not src.startswith(">", i + 1):
                    if pos16 > quote_start:
                        entities.append(
                            {
                                "type": "blockquote",
                                "offset": quote_start,
                                "length": pos16 - quote_start,
                            }
                        )
                    quote_start = None
            emit(c)
            i += 1
    if stack:
        marker, _, offset = stack[-1]
        name = _MDV2_NAMES[marker][1]
        raise _entity_error(f"Can't find end of {name} entity at byte offset {offset}")
    if quote_start is not None and pos16 > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": pos16 - quote_start}
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def _parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown into plain text and entities (unclosed entity -> 400)."""
    out: list[str] = []
    pos16 = 0
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    types = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}

    def unclosed(at: int) -> _ApiError:
        offset = _byte_offset(src, at)
        return _entity_error(f"Can't find end of the entity starting at byte offset {offset}")

    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            chunk, i = src[i + 1], i + 2
        elif c in "*_`":
            marker = "```" if src.startswith("```", i) else c
            end = src.find(marker, i + len(marker))
            if end < 0:
                raise unclosed(i)
            chunk = src[i + len(marker) : end]
            if chunk:
                entities.append({"type": types[marker], "offset": pos16, "length": _u16(chunk)})
            i = end + len(marker)
        elif c == "[":
            lm = _MD_LINK.match(src, i)
            if lm is None:
                raise unclosed(i)
            chunk = lm.group(1)
            if chunk:
                entities.append(
                    {
                        "type": "text_link",
                        "offset": pos16,
                        "length": _u16(chunk),
                        "url": lm.group(2),
                    }
                )
            i = lm.end()
        else:
            chunk, i = c, i + 1
        out.append(chunk)
        pos16 += _u16(chunk)
    return "".join(out), entities


def _format(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise _bad(f"unsupported parse_mode {parse_mode}")


# --------------------------------------------------------------------------- request helpers


def _json_param(params: dict[str, str], name: str) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise _bad(f"can't parse {name} JSON object") from exc


def _bool_param(params: dict[str, str], name: str) -> bool:
    return params.get(name, "").lower() in ("true", "1")


def _int_param(params: dict[str, str], name: str, default: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        if default is None:
            raise _bad(f"{name} is empty")
        return default
    try:
        return int(float(raw))
    except ValueError as exc:
        raise _bad(f"invalid {name} specified") from exc


def _chat_id(params: dict[str, str]) -> int:
    raw = params.get("chat_id")
    if raw is None or raw == "":
        raise _bad("chat_id is empty")
    try:
        return int(raw)
    except ValueError as exc:
        raise _bad("chat not found") from exc


def _parse_markup(params: dict[str, str]) -> dict[str, Any] | None:
    raw = params.get("reply_markup")
    if raw is None or raw == "":
        return None
    try:
        markup = json.loads(raw)
    except ValueError as exc:
        raise _bad("can't parse reply keyboard markup JSON object") from exc
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    keyboard = markup.get("inline_keyboard")
    if keyboard is not None:
        if not isinstance(keyboard, list) or not all(isinstance(r, list) for r in keyboard):
            raise _bad(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        if sum(len(row) for row in keyboard) > _MAX_INLINE_BUTTONS or len(raw) > _MAX_MARKUP:
            raise _bad("reply markup is too long")
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad("can't parse inline keyboard button: Text must be non-empty")
                if len(button) < 2:
                    raise _bad("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= _MAX_CALLBACK_DATA:
                    raise _bad("BUTTON_DATA_INVALID")
    return markup


def _buttons(markup: dict[str, Any] | None) -> list[list[tuple[str, str]]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    return [
        [(str(b["text"]), str(b.get("callback_data", b.get("url", "")))) for b in row]
        for row in markup["inline_keyboard"]
    ]


def _ok(result: Any) -> web.Response:
    body = json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()
    return web.Response(body=body, content_type="application/json")


def _error(err: _ApiError) -> web.Response:
    payload: dict[str, Any] = {
        "ok": False,
        "error_code": err.status,
        "description": err.description,
    }
    if err.status == 429 and err.retry_after is not None:
        payload["parameters"] = {"retry_after": err.retry_after}
    body = json.dumps(payload, ensure_ascii=False).encode()
    return web.Response(status=err.status, body=body, content_type="application/json")


_Handler = Callable[[int, dict[str, str], dict[str, _Upload]], Awaitable[Any]]

_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_WRITE_METHODS = _SEND_METHODS | {
    "sendChatAction",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
}


# --------------------------------------------------------------------------- the server


class FakeTelegramServer:
    """An in-process fake of the Telegram Bot API, served over real HTTP by aiohttp."""

    def __init__(self, *, bot_username: str = "dvc_test_bot") -> None:
        self.bot_username = bot_username
        self.sent: list[SentMessage] = []
        self.answered_callbacks: list[dict[str, Any]] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self.blocked_chats: set[int] = set()
        self.refused_tokens: set[str] = set()  # answered 401, like a token revoked at @BotFather
        self.latency = 0.0
        # Client port -> its writes being answered now (only while `latency` delays them).
        self.sends_in_flight: collections.Counter[int] = collections.Counter()
        self.enforce_flood_limits = False
        self.flood_violations = 0
        self.webhook_url = ""
        self.webhook_secret = ""  # setWebhook's secret_token, sent back in a header
        self.webhook_max_connections = 40
        self.webhook_retry_delay = 0.5  # seconds before a failed push is tried again
        self.webhook_timeout = 60.0  # seconds a push waits for the answer
        self.pushes: list[PushAttempt] = []
        self.handed_at: dict[int, float] = {}  # update_id -> first getUpdates/push (monotonic)
        self.commands: dict[str, list[dict[str, Any]]] = {}

        self._runner: web.AppRunner | None = None
        self._port = 0
        self._stopping = False
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._update_event = asyncio.Event()
        self._sent_event = asyncio.Event()
        self._by_chat: dict[int, list[SentMessage]] = collections.defaultdict(list)
        self._next_message_id: dict[int, int] = collections.defaultdict(lambda: 1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_bot_message: dict[int, int] = {}
        self._user_messages: set[tuple[int, int]] = set()
        self._users: dict[int, dict[str, Any]] = {}
        self._callback_ids: set[str] = set()
        self._next_callback = 1
        self._failures: list[_Failure] = []
        self._random_failures: tuple[float, float, random.Random] | None = None
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._flood_global: collections.deque[float] = collections.deque()
        self._flood_chats: dict[int, tuple[float, float]] = {}
        self._pusher: asyncio.Task[None] | None = None
        self._push_tasks: set[asyncio.Task[None]] = set()
        self._pushing: set[int] = set()
        self._push_again_at: dict[int, float] = {}
        self._push_event = asyncio.Event()
        handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
        }
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Base URL for ``ApplicationBuilder().base_url(...)`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self._require_port()}/bot"

    @property
    def base_file_url(self) -> str:
        """Base URL for ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self._require_port()}/file/bot"

    def _require_port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeTelegramServer is not started")
        return self._port

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._stopping = False
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """Release pending long polls and shut the server down."""
        self._stopping = True
        await self._stop_pushing()
        self._wake_updates()
        self._wake_sent()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- acting as users

    def _user(self, user_id: int, first_name: str | None = None) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None or (first_name is not None and user["first_name"] != first_name):
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or "Người dùng",
                "language_code": "vi",
            }
            self._users[user_id] = user
        return user

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            first_name = self._users.get(chat_id, {}).get("first_name", "Người dùng")
            return {"id": chat_id, "type": "private", "first_name": first_name}
        kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": kind, "title": f"Nhóm {chat_id}"}

    def user_sends_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Người dùng",
        chat_id: int | None = None,
    ) -> int:
        """Enqueue a text message from a user; returns its update_id."""
        chat = user_id if chat_id is None else chat_id
        message_id = self._new_message_id(chat)
        self._user_messages.add((chat, message_id))
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._user(user_id, first_name),
            "chat": self._chat(chat),
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(command)}]
        return self.enqueue_raw_update({"message": message})

    def user_presses_button(
        self,
        user_id: int,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
    ) -> str:
        """Enqueue a button press on a bot message (default: the chat's latest); returns its id."""
        chat = user_id if chat_id is None else chat_id
        mid = self._last_bot_message.get(chat) if message_id is None else message_id
        message = self._messages.get((chat, mid)) if mid is not None else None
        if message is None:
            raise AssertionError(f"no bot message {mid} in chat {chat} to press a button on")
        query_id = str(4_000_000_000_000 + self._next_callback)
        self._next_callback += 1
        query = {
            "id": query_id,
            "from": self._user(user_id),
            "chat_instance": str(-abs(chat) * 7919),
            "message": copy.deepcopy(message),
            "data": data,
        }
        self.enqueue_raw_update({"callback_query": query})
        return query_id

    def enqueue_raw_update(self, update: dict[str, Any]) -> int:
        """Enqueue an update as-is (assigning update_id if missing); returns its update_id.

        Like Telegram, an update whose id is below an already acknowledged offset is never
        delivered; use a new update_id to simulate a redelivered payload.
        """
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        update_id = int(update["update_id"])
        self._next_update_id = max(self._next_update_id, update_id + 1)
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_ids.add(str(query["id"]))
        bisect.insort(self._updates, update, key=lambda u: int(u["update_id"]))
        self._wake_updates()
        return update_id

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet acknowledged by an offset."""
        return len(self._updates)

    # ----------------------------------------------------------------- what the bot did

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Everything sent/edited in ``chat_id``, in order."""
        return list(self._by_chat.get(chat_id, ()))

    def bot_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Current state (Bot API Message JSON) of a bot message, or None if unknown/deleted."""
        message = self._messages.get((chat_id, message_id))
        return copy.deepcopy(message) if message is not None else None

    async def wait_for(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the fixture's public API
    ) -> list[SentMessage]:
        """Wait until at least ``count`` messages were sent to ``chat_id`` and return them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._by_chat.get(chat_id, ())) < count:
            remaining = deadline - loop.time()
            if remaining <= 0 or self._stopping:
                got = self.messages_to(chat_id)
                lines = "\n".join(f"  {m.method}: {m.text!r} {m.button_labels}" for m in got)
                raise AssertionError(
                    f"expected {count} message(s) to chat {chat_id} within {timeout}s, "
                    f"got {len(got)}:\n{lines or '  (none)'}\n"
                    f"({len(self.sent)} sent in total; calls: {dict(self.calls)})"
                )
            event = self._sent_event
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                pass
        return self.messages_to(chat_id)

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        count: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (optionally for one chat) fail."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._failures.append(_Failure(method, status, retry_after, description, count, chat_id))

    def fail_randomly(self, *, flood: float, server: float, seed: int = 7) -> None:
        """From now on, a share of the sends fail like Telegram does under load: `flood` of
        them with 429 (retry after 1 s) and `server` with 502; a failed send delivers nothing."""
        self._random_failures = (flood, server, random.Random(seed))

    def _random_failure(self, method: str) -> _ApiError | None:
        if self._random_failures is None or method not in _SEND_METHODS:
            return None
        flood, server, rng = self._random_failures
        draw = rng.random()
        if draw < flood:
            return _ApiError(429, "Too Many Requests: retry after 1", 1)
        if draw < flood + server:
            return _ApiError(502, "Bad Gateway")
        return None

    def _injected_failure(self, method: str, params: dict[str, str]) -> _ApiError | None:
        for failure in self._failures:
            if failure.method.lower() != method.lower():
                continue
            if failure.chat_id is not None and params.get("chat_id") != str(failure.chat_id):
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            description = failure.description
            if description is None:
                if failure.status == 429:
                    description = f"Too Many Requests: retry after {failure.retry_after}"
                else:
                    try:
                        description = HTTPStatus(failure.status).phrase
                    except ValueError:
                        description = f"Error {failure.status}"
            return _ApiError(failure.status, description, failure.retry_after)
        return None

    def _check_flood(self, chat_id: int) -> None:
        now = time.monotonic()
        window = self._flood_global
        while window and now - window[0] >= 1.0:
            window.popleft()
        tokens, stamp = self._flood_chats.get(chat_id, (_FLOOD_CHAT_BURST, now))
        tokens = min(_FLOOD_CHAT_BURST, tokens + (now - stamp) * _FLOOD_CHAT_RATE)
        per_chat_limited = chat_id > 0 and tokens < 1.0
        if len(window) >= _FLOOD_GLOBAL_PER_SEC or per_chat_limited:
            self.flood_violations += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", 1)
        window.append(now)
        if chat_id > 0:
            self._flood_chats[chat_id] = (tokens - 1.0, now)

    # ----------------------------------------------------------------- HTTP plumbing

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, str], dict[str, _Upload]]:
        params: dict[str, str] = dict(request.query)
        files: dict[str, _Upload] = {}
        if not request.can_read_body:
            return params, files
        content_type = request.content_type
        if content_type.startswith("multipart/"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    files[part.name] = _Upload(part.filename, bytes(await part.read()))
                else:
                    params[part.name] = await part.text()
        elif content_type == "application/json":
            data = await request.json()
            if isinstance(data, dict):
                for key, value in data.items():
                    params[key] = value if isinstance(value, str) else json.dumps(value)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    params[key] = value
                elif isinstance(value, bytes | bytearray):
                    params[key] = bytes(value).decode()
                else:
                    files[key] = _Upload(value.filename, value.file.read())
        return params, files

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        entry = self._handlers.get(method.lower())
        self.calls[entry[0] if entry else method] += 1
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            return _error(_ApiError(404, "Not Found"))
        if token in self.refused_tokens:
            return _error(_ApiError(401, "Unauthorized"))
        if entry is None:
            return _error(_ApiError(404, "Not Found: method not found"))
        name, handler = entry
        try:
            params, files = await self._read_params(request)
            if name in _WRITE_METHODS and self.latency > 0:
                await self._delay(request)
            failure = self._injected_failure(name, params) or self._random_failure(name)
            if failure is not None:
                raise failure
            if name in _WRITE_METHODS:
                chat_id = _chat_id(params)
                if chat_id in self.blocked_chats:
                    if chat_id > 0:
                        raise _ApiError(403, "Forbidden: bot was blocked by the user")
                    raise _ApiError(403, "Forbidden: bot was kicked from the group chat")
                if name in _SEND_METHODS and self.enforce_flood_limits:
                    self._check_flood(chat_id)
            result = await handler(int(bot_id), params, files)
        except _ApiError as err:
            return _error(err)
        return _ok(result)

    async def _delay(self, request: web.Request) -> None:
        """The injected latency of a write; meanwhile the client's port counts as sending."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        port = int(peer[1]) if peer else 0
        self.sends_in_flight[port] += 1
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.sends_in_flight[port] -= 1

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type="application/octet-stream")

    def _wake_updates(self) -> None:
        self._update_event.set()
        self._update_event = asyncio.Event()
        self._push_event.set()

    def _wake_sent(self) -> None:
        self._sent_event.set()
        self._sent_event = asyncio.Event()

    # ----------------------------------------------------------------- bot-side helpers

    def _bot_user(self, bot_id: int) -> dict[str, Any]:
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": "DVC Test Bot",
            "username": self.bot_username,
        }

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _record(self, entry: SentMessage) -> None:
        self.sent.append(entry)
        self._by_chat[entry.chat_id].append(entry)
        self._wake_sent()

    def _new_bot_message(self, bot_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
        message_id = self._new_message_id(chat_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._bot_user(bot_id),
            "chat": self._chat(chat_id),
            "date": int(time.time()),
        }
        message.update({k: v for k, v in fields.items() if v is not None})
        self._messages[(chat_id, message_id)] = message
        self._last_bot_message[chat_id] = message_id
        return message

    def _formatted(
        self, params: dict[str, str], key: str, entities_key: str, limit: int, required: bool
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        raw = params.get(key)
        if raw is None or raw == "":
            if required:
                raise _bad("message text is empty")
            return None, None
        explicit = _json_param(params, entities_key)
        if explicit is not None:
            text, entities = raw, list(explicit)
        else:
            text, entities = _format(raw, params.get("parse_mode"))
        if required and not text.strip():
            raise _bad("message text is empty")
        if _u16(text) > limit:
            raise _bad("message is too long" if required else "message caption is too long")
        return text, entities or None

    def _store_file(self, kind: str, data: bytes) -> _StoredFile:
        number = len(self._files) + 1
        stored = _StoredFile(
            file_id=f"fake-{kind}-{number}",
            unique_id=f"fake-u-{number}",
            path=f"{kind}s/file_{number}",
            data=data,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.path] = stored
        return stored

    def _media(
        self, kind: str, params: dict[str, str], files: dict[str, _Upload]
    ) -> tuple[_StoredFile | None, str, str | None]:
        """Resolve an uploaded file or a file_id/URL string; returns (file, file_id, filename)."""
        value = params.get(kind)
        upload = files.get(kind)
        if upload is None and value and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            stored = self._store_file(kind, upload.data)
            return stored, stored.file_id, upload.filename
        if not value:
            raise _bad(f"there is no {kind} in the request")
        return self._files.get(value), value, None

    # ----------------------------------------------------------------- API methods

    async def _true(self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]) -> Any:
        return True

    async def _get_me(self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]) -> Any:
        return {
            **self._bot_user(bot_id),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _ack(self, offset: int) -> None:
        if offset > 0:
            cut = bisect.bisect_left(self._updates, offset, key=lambda u: int(u["update_id"]))
            del self._updates[:cut]
        elif offset < 0:
            del self._updates[: max(0, len(self._updates) + offset)]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        if not allowed:
            return self._updates[:limit]
        batch: list[dict[str, Any]] = []
        for update in self._updates:
            if any(kind in update for kind in allowed):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    async def _get_updates(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        if self.webhook_url:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = _int_param(params, "offset", 0)
        limit = min(100, max(1, _int_param(params, "limit", 100)))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = _json_param(params, "allowed_updates")
        if allowed is not None:
            self._allowed_updates = [str(kind) for kind in allowed if kind in _UPDATE_TYPES]
        self._ack(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self._stopping or remaining <= 0:
                handed = time.monotonic()
                for update in batch:
                    self.handed_at.setdefault(int(update["update_id"]), handed)
                return batch
            event = self._update_event
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                pass

    async def _delete_webhook(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        await self._stop_pushing()
        self.webhook_url = ""
        self.webhook_secret = ""
        if _bool_param(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        url = params.get("url", "")
        secret = params.get("secret_token", "")
        if secret and not _SECRET_TOKEN.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        connections = _int_param(params, "max_connections", 40)
        if not 1 <= connections <= 100:
            raise _bad("max_connections must be between 1 and 100")
        allowed = _json_param(params, "allowed_updates")
        await self._stop_pushing()
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_max_connections = connections
        if allowed is not None:
            self._allowed_updates = [str(kind) for kind in allowed if kind in _UPDATE_TYPES]
        if _bool_param(params, "drop_pending_updates"):
            self._updates.clear()
        if url:
            self._pusher = asyncio.create_task(self._push_loop())
        return True

    async def _get_webhook_info(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            failed = next((push for push in reversed(self.pushes) if not push.ok), None)
            if failed is not None:
                info["last_error_date"] = int(time.time())
                info["last_error_message"] = failed.error or f"Wrong response: {failed.status}"
        return info

    # ----------------------------------------------------------------- pushing to a webhook

    async def _push_loop(self) -> None:
        """Push the queued updates, up to max_connections at a time, each until answered 2xx."""
        limit = self.webhook_max_connections
        # A new connection per push: a push fails only if the process that took it died, never
        # because an idle kept-alive connection led to it, so failed pushes count what was lost.
        connector = aiohttp.TCPConnector(limit=limit, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            while True:
                self._push_event.clear()
                for update in self._to_push(limit - len(self._pushing)):
                    update_id = int(update["update_id"])
                    self._pushing.add(update_id)
                    task = asyncio.create_task(self._push(session, update))
                    self._push_tasks.add(task)
                    task.add_done_callback(self._push_tasks.discard)
                try:
                    async with asyncio.timeout(self._next_retry_in()):
                        await self._push_event.wait()
                except TimeoutError:
                    pass

    def _to_push(self, room: int) -> list[dict[str, Any]]:
        """Queued updates of the allowed kinds, not in flight nor waiting to be tried again."""
        now = time.monotonic()
        allowed = self._allowed_updates
        ready: list[dict[str, Any]] = []
        for update in self._updates:
            if len(ready) >= room:
                break
            update_id = int(update["update_id"])
            if update_id in self._pushing or self._push_again_at.get(update_id, 0.0) > now:
                continue
            if not allowed or any(kind in update for kind in allowed):
                ready.append(update)
        return ready

    def _next_retry_in(self) -> float | None:
        """Seconds until the next failed push may be tried again (None: nothing waits)."""
        waiting = [
            moment
            for update_id, moment in self._push_again_at.items()
            if update_id not in self._pushing
        ]
        return max(0.0, min(waiting) - time.monotonic()) if waiting else None

    async def _push(self, session: aiohttp.ClientSession, update: dict[str, Any]) -> None:
        """POST one update; a 2xx answer removes it from the queue, anything else retries it."""
        update_id = int(update["update_id"])
        started = time.monotonic()
        self.handed_at.setdefault(update_id, started)
        headers = {_SECRET_HEADER: self.webhook_secret} if self.webhook_secret else {}
        status: int | None = None
        error: str | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
            async with session.post(
                self.webhook_url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                status = response.status
        except TimeoutError:
            error = "timeout"
        except aiohttp.ClientError as exc:
            error = type(exc).__name__
        finally:
            self._pushing.discard(update_id)
            self._push_event.set()
        attempt = PushAttempt(update_id, status, error, started, time.monotonic())
        self.pushes.append(attempt)
        if attempt.ok:
            self._push_again_at.pop(update_id, None)
            self._drop_update(update_id)
        else:
            self._push_again_at[update_id] = time.monotonic() + self.webhook_retry_delay

    def _drop_update(self, update_id: int) -> None:
        """The update was delivered: it leaves the queue."""
        at = bisect.bisect_left(self._updates, update_id, key=lambda u: int(u["update_id"]))
        if at < len(self._updates) and int(self._updates[at]["update_id"]) == update_id:
            del self._updates[at]

    async def _stop_pushing(self) -> None:
        """Stop the pushing; updates whose push was cut off stay queued."""
        tasks = [task for task in (self._pusher, *self._push_tasks) if task is not None]
        self._pusher = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._pushing.clear()
        self._push_again_at.clear()

    def pushes_of(self, update_id: int) -> list[PushAttempt]:
        """Every push attempt of one update, in order."""
        return [push for push in self.pushes if push.update_id == update_id]

    @staticmethod
    def _commands_key(params: dict[str, str]) -> str:
        scope = _json_param(params, "scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code", "")], sort_keys=True)

    async def _set_my_commands(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        commands = _json_param(params, "commands")
        if not isinstance(commands, list):
            raise _bad("commands must be an array")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("command description must be non-empty")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _get_my_commands(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _delete_my_commands(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _send_message(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        chat_id = _chat_id(params)
        text, entities = self._formatted(params, "text", "entities", _MAX_TEXT, True)
        markup = _parse_markup(params)
        inline = markup if markup and "inline_keyboard" in markup else None
        message = self._new_bot_message(
            bot_id, chat_id, text=text, entities=entities, reply_markup=inline
        )
        self._record(
            SentMessage(
                method="sendMessage",
                chat_id=chat_id,
                message_id=message["message_id"],
                text=text,
                reply_markup=markup,
                buttons=_buttons(markup),
                parse_mode=params.get("parse_mode"),
                raw_text=params.get("text"),
                params=params,
            )
        )
        return message

    async def _send_file(
        self,
        kind: str,
        method: str,
        bot_id: int,
        params: dict[str, str],
        files: dict[str, _Upload],
    ) -> Any:
        chat_id = _chat_id(params)
        stored, file_id, filename = self._media(kind, params, files)
        caption, entities = self._formatted(
            params, "caption", "caption_entities", _MAX_CAPTION, False
        )
        markup = _parse_markup(params)
        inline = markup if markup and "inline_keyboard" in markup else None
        data = stored.data if stored is not None else None
        unique_id = stored.unique_id if stored is not None else f"u-{file_id}"
        media: Any
        if kind == "photo":
            media = [
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": 320,
                    "height": 240,
                    "file_size": len(data or b""),
                }
            ]
        else:
            media = {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": filename or "document",
                "file_size": len(data or b""),
            }
        message = self._new_bot_message(
            bot_id,
            chat_id,
            caption=caption,
            caption_entities=entities,
            reply_markup=inline,
            **{kind: media},
        )
        self._record(
            SentMessage(
                method=method,
                chat_id=chat_id,
                message_id=message["message_id"],
                text=caption,
                reply_markup=markup,
                buttons=_buttons(markup),
                photo=data if kind == "photo" else None,
                document=data if kind == "document" else None,
                filename=filename,
                parse_mode=params.get("parse_mode"),
                raw_text=params.get("caption"),
                file_id=file_id,
                params=params,
            )
        )
        return message

    async def _send_photo(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        return await self._send_file("photo", "sendPhoto", bot_id, params, files)

    async def _send_document(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        return await self._send_file("document", "sendDocument", bot_id, params, files)

    async def _send_chat_action(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        _chat_id(params)
        if not params.get("action"):
            raise _bad("wrong parameter action in request")
        return True

    def _editable(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by the fake server")
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            if (chat_id, message_id) in self._user_messages:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return chat_id, message

    async def _edit_message_text(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        chat_id, message = self._editable(params)
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = self._formatted(params, "text", "entities", _MAX_TEXT, True)
        markup = _parse_markup(params)
        inline = markup if markup and "inline_keyboard" in markup else None
        if (
            message.get("text") == text
            and message.get("entities") == entities
            and message.get("reply_markup") == inline
        ):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = text
        message["edit_date"] = int(time.time())
        for key, value in (("entities", entities), ("reply_markup", inline)):
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        self._record(
            SentMessage(
                method="editMessageText",
                chat_id=chat_id,
                message_id=message["message_id"],
                text=text,
                reply_markup=markup,
                buttons=_buttons(markup),
                edited_message_id=message["message_id"],
                parse_mode=params.get("parse_mode"),
                raw_text=params.get("text"),
                params=params,
            )
        )
        return message

    async def _edit_message_reply_markup(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        _, message = self._editable(params)
        markup = _parse_markup(params)
        inline = markup if markup and "inline_keyboard" in markup else None
        if message.get("reply_markup") == inline:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        if inline is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = inline
        message["edit_date"] = int(time.time())
        return message

    async def _delete_message(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id")
        if (chat_id, message_id) in self._user_messages:
            self._user_messages.discard((chat_id, message_id))
            return True
        if self._messages.pop((chat_id, message_id), None) is None:
            raise _bad("message to delete not found")
        if self._last_bot_message.get(chat_id) == message_id:
            remaining = [mid for (cid, mid) in self._messages if cid == chat_id]
            if remaining:
                self._last_bot_message[chat_id] = max(remaining)
            else:
                del self._last_bot_message[chat_id]
        return True

    async def _answer_callback_query(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        query_id = params.get("callback_query_id", "")
        if query_id not in self._callback_ids:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        record: dict[str, Any] = dict(params)
        record.setdefault("text", None)
        record["show_alert"] = _bool_param(params, "show_alert")
        if "cache_time" in params:
            record["cache_time"] = _int_param(params, "cache_time")
        self.answered_callbacks.append(record)
        return True

    async def _get_file(
        self, bot_id: int, params: dict[str, str], files: dict[str, _Upload]
    ) -> Any:
        stored = self._files.get(params.get("file_id", ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }
