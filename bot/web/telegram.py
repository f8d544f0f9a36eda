"""POST /telegram: Telegram pushes each update here, with the webhook's secret in a header.

The secret is checked in constant time before anything is read (403 otherwise, nothing
processed); the body is size-limited; the answer comes after the update is committed and its
replies were sent (or kept in the outbox to be sent), so Telegram's retry on a failed answer
never loses an update, and the dispatcher's idempotency key makes a retried one count once.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.web.pushes import checked_body, parsed_json

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def webhook(request: Request) -> Response:
    """One update from Telegram."""
    served = request.app.state.served
    channel = served.telegram
    secret = served.app.settings.telegram.webhook_secret
    if channel is None or secret is None:
        return Response(status_code=404)
    body = await checked_body(
        request, secret, SECRET_HEADER, served.app.settings.web.max_body_bytes
    )
    if isinstance(body, Response):
        return body
    data = parsed_json(body, "telegram")
    if isinstance(data, Response):
        return data
    await channel.receive(data)
    return Response(status_code=200)
