"""POST /zalo: Zalo pushes each event here, with the webhook's secret in a header.

The secret is checked in constant time before anything is read (403 otherwise); the body is
size-limited; an empty body (Zalo's health probe) is answered 200; wrapped `{ok, result}` and
flat `{event_name, message}` bodies are both read. Events are deduplicated by message id.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import Response

from bot.web.telegram import limited_body

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"


async def webhook(request: Request) -> Response:
    """One event from Zalo."""
    served = request.app.state.served
    channel = served.zalo
    secret = served.app.settings.zalo.webhook_secret
    if channel is None or secret is None:
        return Response(status_code=404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        return Response(status_code=403)
    body = await limited_body(request, served.app.settings.web.max_body_bytes)
    if body is None:
        return Response(status_code=413)
    if not body.strip():
        return Response(status_code=200)
    try:
        data = json.loads(body)
    except ValueError:
        log.warning("zalo webhook: a body that is not JSON was refused")
        return Response(status_code=400)
    if isinstance(data, dict):
        await channel.receive(data)
    return Response(status_code=200)
