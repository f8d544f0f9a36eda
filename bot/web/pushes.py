"""What every messenger's webhook checks before it reads a push: the secret header (in
constant time, before anything is read: 403), the body's size (413) and that it is JSON (400)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger(__name__)


async def checked_body(
    request: Request, secret: SecretStr, header: str, limit: int
) -> bytes | Response:
    """The body of a push carrying the right secret, or the response refusing it."""
    given = request.headers.get(header, "")
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        return Response(status_code=403)
    body = await limited_body(request, limit)
    if body is None:
        return Response(status_code=413)
    return body


def parsed_json(body: bytes, source: str) -> Any | Response:
    """The body as JSON, or a 400 (logged without its contents)."""
    try:
        return json.loads(body)
    except ValueError:
        log.warning("%s webhook: a body that is not JSON was refused", source)
        return Response(status_code=400)


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
