"""POST /zalo: Zalo pushes each event here, with the webhook's secret in a header.

The secret is checked in constant time before anything is read (403 otherwise); the body is
size-limited; an empty body (Zalo's health probe) is answered 200; wrapped `{ok, result}` and
flat `{event_name, message}` bodies are both read. Events are deduplicated by message id.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bot.web.pushes import checked_body, parsed_json

SECRET_HEADER = "X-Bot-Api-Secret-Token"


async def webhook(request: Request) -> Response:
    """One event from Zalo."""
    served = request.app.state.served
    channel = served.zalo
    secret = served.app.settings.zalo.webhook_secret
    if channel is None or secret is None:
        return Response(status_code=404)
    body = await checked_body(
        request, secret, SECRET_HEADER, served.app.settings.web.max_body_bytes
    )
    if isinstance(body, Response):
        return body
    if not body.strip():  # Zalo's health probe
        return Response(status_code=200)
    data = parsed_json(body, "zalo")
    if isinstance(data, Response):
        return data
    if isinstance(data, dict):
        await channel.receive(data)
    return Response(status_code=200)
