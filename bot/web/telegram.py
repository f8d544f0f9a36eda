"""POST /telegram: Telegram pushes each update here, with the webhook's secret in a header.

The secret is checked in constant time before anything is read (403 otherwise, nothing
processed); the body is size-limited; the answer comes after the update is committed and its
replies were sent (or kept in the outbox to be sent), so Telegram's retry on a failed answer
never loses an update, and the dispatcher's idempotency key makes a retried one count once.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def webhook(request: Request) -> Response:
    """One update from Telegram."""
    served = request.app.state.served
    channel = served.telegram
    secret = served.app.settings.telegram.webhook_secret
    if channel is None or secret is None:
        return Response(status_code=404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        return Response(status_code=403)
    body = await limited_body(request, served.app.settings.web.max_body_bytes)
    if body is None:
        return Response(status_code=413)
    try:
        data = json.loads(body)
    except ValueError:
        log.warning("webhook: a body that is not JSON was refused")
        return Response(status_code=400)
    await channel.receive(data)
    return Response(status_code=200)


async def limited_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None once it grows past `limit` bytes (not read any further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)
