"""Our own small async client of the Zalo Bot Platform API, on httpx.

Every call is POST JSON to `{base_url}/bot{token}/{method}`; an answer is good only when its
JSON says `ok` (HTTP 200 with `ok: false` happens). An idle getUpdates answers HTTP 408, which
is not an error. The token is in the URL path, so no URL, request or httpx error ever leaves
this module: failures are raised as ZaloError without the token, `from None`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from bot.core.delivery import DeliveryError, FailureKind

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
IDLE = 408  # getUpdates found nothing within its timeout
QUOTA_EXCEEDED = 429
TOKEN_REFUSED = 401


@dataclass
class ZaloError(Exception):
    """A failed call: Zalo's error code (or the HTTP status) and its description."""

    code: int
    description: str

    def __str__(self) -> str:
        return f"Zalo error {self.code}: {self.description}"

    def as_delivery_error(self) -> DeliveryError:
        """What the outbox should do about it: a quota or a server error waits, the rest not."""
        if self.code == QUOTA_EXCEEDED:
            return DeliveryError(FailureKind.RETRY_AFTER, str(self), retry_after=3600)
        if self.code >= 500 or self.code in (0, IDLE):
            return DeliveryError(FailureKind.TRANSIENT, str(self))
        if self.code == TOKEN_REFUSED:
            return DeliveryError(FailureKind.TRANSIENT, str(self))  # the channel stops; rows wait
        return DeliveryError(FailureKind.REJECTED, str(self))


class ZaloClient:
    """The documented methods of the Zalo Bot API."""

    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 15) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}"
        self._timeout = timeout
        self._http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, *, wait: float | None = None, **params: Any) -> Any:
        """One method's `result`; ZaloError (without the token) if it failed. `wait`: how long
        to wait for the answer, when longer than usual (a long poll)."""
        timeout = httpx.Timeout(self._timeout, read=wait or self._timeout)
        try:
            answer = await self._http.post(f"{self._url}/{method}", json=params, timeout=timeout)
        except httpx.HTTPError as error:
            raise ZaloError(0, f"{method}: {type(error).__name__}") from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if answer.is_success and body.get("ok") is True:
            return body.get("result")
        code = body.get("error_code") or answer.status_code
        description = str(body.get("description") or answer.reason_phrase)[:200]
        raise ZaloError(int(code), f"{method}: {description}") from None

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_update(self, seconds: int = 30) -> dict[str, Any] | None:
        """The next update (one per call), or None when none came within `seconds`."""
        try:
            result = await self.call("getUpdates", wait=seconds + 10, timeout=seconds)
        except ZaloError as error:
            if error.code == IDLE:
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def send_message(self, chat_id: str, text: str) -> None:
        await self.call("sendMessage", chat_id=chat_id, text=text)

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> None:
        params: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        await self.call("sendPhoto", **params)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", chat_id=chat_id, action=action)

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", url=url, secret_token=secret_token)

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """Where updates are pushed; None when no webhook is set (Zalo answers 404 then)."""
        try:
            result = await self.call("getWebhookInfo")
        except ZaloError as error:
            if error.code == 404:
                return None
            raise
        return result if isinstance(result, dict) else None
