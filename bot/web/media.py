"""GET /media/{token}/{filename} and /files/{token}/{filename}: what a signed link points at.

Channels that cannot upload (Zalo) send a picture or a workbook as a link made by
bot/core/media.py. A link whose signature does not hold, that has expired, or whose content
this machine does not have gets an empty 404, the same for each, so nothing can be learned by
trying; there is nothing to list. The answer may be cached by the person's own browser until
the link expires, never by a shared proxy.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.core.media import Kind, MediaStore, Stored

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".xlsx": XLSX,
    ".csv": "text/csv",
    ".pdf": "application/pdf",
}
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


async def picture(request: Request) -> Response:
    """A generated picture: a guide's steps, a chart."""
    return await _serve(request, "media")


async def file(request: Request) -> Response:
    """A generated file, downloaded: a workbook."""
    return await _serve(request, "files")


async def _serve(request: Request, kind: Kind) -> Response:
    """The bytes a valid link points at, or an empty 404."""
    media: MediaStore = request.app.state.served.app.services.media
    stored = media.resolve(kind, request.path_params["token"], request.path_params["filename"])
    if stored is None:
        return Response(status_code=404)
    content = await run_in_threadpool(media.get, stored.media_id)
    if content is None:
        return Response(status_code=404)
    return Response(
        content, media_type=content_type(stored.filename), headers=headers(kind, stored, media)
    )


def content_type(filename: str) -> str:
    """The content type a stored name's extension says (the name was signed with the link)."""
    return CONTENT_TYPES.get(PurePosixPath(filename).suffix.lower(), "application/octet-stream")


def headers(kind: Kind, stored: Stored, media: MediaStore) -> dict[str, str]:
    """Private caching until the link expires; a file is downloaded under its name."""
    seconds = max(0, int((stored.expires - media.clock()).total_seconds()))
    found = {**SAFE_HEADERS, "Cache-Control": f"private, max-age={seconds}"}
    if kind == "files":
        # The name is [A-Za-z0-9._-] only (MediaStore.link), so quoting it is enough.
        found["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    return found
