"""Pictures and files the bot made, kept on disk by their content, and signed links to them.

A reply's picture (a guide's steps, a chart) or file (a workbook) is written once under its
content hash, so every worker on the machine can read it back: to send a reply again after a
crash, or to serve it by link to a channel that cannot upload (Zalo). A link names only the
hash, an expiry and an HMAC of both under a secret the workers share, so it cannot be guessed,
altered or used after it expires, and says nothing about anyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

Kind = Literal["media", "files"]
MEDIA_ID = re.compile(r"^[0-9a-f]{32}$")
SIGNATURE_HEX = 32
EXPIRES = re.compile(r"[0-9]{1,12}")  # seconds since 1970; bounded, so int() stays cheap
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # every commune's zone, unless told otherwise


@dataclass(frozen=True, slots=True)
class Stored:
    """What a signed link points at, and until when it works."""

    media_id: str
    filename: str
    expires: datetime


@dataclass(frozen=True, slots=True)
class Link:
    """A signed link and when it stops working."""

    url: str
    expires: datetime


class MediaStore:
    """Content-addressed files under `directory`, and links to them under `public_url`."""

    def __init__(
        self,
        directory: Path,
        secret: bytes,
        *,
        public_url: str | None = None,
        link_lifetime: timedelta = timedelta(hours=72),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        zone: tzinfo = VIETNAM,
    ) -> None:
        self.directory = directory
        self.secret = secret
        self.public_url = public_url
        self.link_lifetime = link_lifetime
        self.clock = clock
        self.zone = zone  # the commune's: where people read until when a link works

    def put(self, content: bytes) -> str:
        """Keep `content` (once, however often it is put) and return its id."""
        media_id = hashlib.sha256(content).hexdigest()[:32]
        path = self._path(media_id)
        if not path.exists():
            write_whole(path, content)
        return media_id

    def get(self, media_id: str) -> bytes | None:
        if not MEDIA_ID.match(media_id):
            return None
        try:
            return self._path(media_id).read_bytes()
        except FileNotFoundError:
            return None

    def link(self, kind: Kind, media_id: str, filename: str) -> str | None:
        """A signed, expiring link to a stored picture or file; None without a public URL."""
        signed = self.signed_link(kind, media_id, filename)
        return signed.url if signed is not None else None

    def signed_link(self, kind: Kind, media_id: str, filename: str) -> Link | None:
        """The link, with its expiry; None without a public URL."""
        if self.public_url is None:
            return None
        expires = int((self.clock() + self.link_lifetime).timestamp())
        name = SAFE_NAME.sub("-", filename).strip("-.") or "tep"
        signature = self._sign(kind, media_id, expires, name)
        url = f"{self.public_url}/{kind}/{media_id}-{expires}-{signature}/{name}"
        return Link(url, datetime.fromtimestamp(expires, UTC))

    def resolve(self, kind: Kind, token: str, filename: str) -> Stored | None:
        """What a link's path points at, if its signature holds and it has not expired."""
        parts = token.split("-")
        # Links are ASCII; anything else (a typed "²", a stray accent) could not be compared.
        if len(parts) != 3 or not (token + filename).isascii() or not EXPIRES.fullmatch(parts[1]):
            return None
        media_id, expires, signature = parts[0], int(parts[1]), parts[2]
        expected = self._sign(kind, media_id, expires, filename)
        if not hmac.compare_digest(signature, expected):
            return None
        if expires < self.clock().timestamp() or not MEDIA_ID.match(media_id):
            return None
        return Stored(media_id, filename, datetime.fromtimestamp(expires, UTC))

    def _sign(self, kind: Kind, media_id: str, expires: int, filename: str) -> str:
        message = f"{kind}:{media_id}:{expires}:{filename}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()[:SIGNATURE_HEX]

    def _path(self, media_id: str) -> Path:
        return self.directory / media_id[:2] / media_id


def shared_secret(path: Path) -> bytes:
    """The secret that signs links, made once and shared by every worker through `path`."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w") as file:
        file.write(secrets.token_hex(32))
    try:
        os.link(temporary, path)  # whole or not at all, and only the first process's wins
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)
    return bytes.fromhex(path.read_text().strip())


def write_whole(path: Path, content: bytes) -> None:
    """Write `content` to `path` so that a reader (another worker) finds the whole file or
    none: written beside it under a temporary name, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
