"""python-telegram-bot's requests to the Bot API made with aiohttp: `[telegram] http_client =
"aiohttp"`, the default.

PTB lets any HTTP client make its requests (telegram.request.BaseRequest) and still reads every
answer itself: status codes, Telegram's errors and the 429's wait mean exactly what they mean
with PTB's own HTTPXRequest. What changes is the cost of a request: on bench/throughput.py our
channel alone sends its replies 3 to 3.7 times as fast as a plain echo bot on httpx (about 1.0
on httpx). It costs memory: aiohttp is 4 to 7 MB more resident beside the httpx that PTB always
loads, which `dvcbot run` makes room for by dropping docstrings (bot/memory.py); a very small
server may choose httpx.

The token is part of every URL, so an error never carries aiohttp's message (which may quote
the URL): only the kind of failure.
"""

from __future__ import annotations

import os
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
_JSON_HEADERS = {**_HEADERS, "Content-Type": "application/json"}

# PTB's HTTPXRequest defaults, in seconds (None: wait as long as it takes).
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0
CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0


def verification() -> ssl.SSLContext | bool:
    """How servers are verified: True is aiohttp's own context, made when it is imported, on
    the system's certificates; a slim server image may have none, and then certifi's are used.
    Never a second store beside aiohttp's (each costs about 1 MB)."""
    paths = ssl.get_default_verify_paths()
    if (paths.cafile and os.path.isfile(paths.cafile)) or (
        paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath)
    ):
        return True
    return ssl.create_default_context(cafile=certifi.where())


_VERIFICATION = verification()


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, NO_PROXY, ...), as httpx read it
    when its client was made. aiohttp only reads it per request, with ~/.netrc, on a thread."""
    parts = urlsplit(url)
    if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


class AiohttpRequest(BaseRequest):
    """Bot API requests over one aiohttp session with at most `connection_pool_size`
    connections, through `proxy` if any; opened by initialize(), closed by shutdown() (PTB
    calls both)."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        proxy: str | None = None,
        read_timeout: float | None = READ_TIMEOUT,
        pool_timeout: float | None = POOL_TIMEOUT,
    ) -> None:
        self._pool_size = connection_pool_size
        self._proxy = proxy
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ssl=_VERIFICATION)
            self._session = aiohttp.ClientSession(connector=connector, proxy=self._proxy)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request; (status, body) of the answer, whatever its status."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT),
            _given(connect_timeout, CONNECT_TIMEOUT),
            _given(pool_timeout, self._pool_timeout),
        )
        try:
            async with self._session.request(
                method,
                url,
                data=_body(request_data),
                headers=_JSON_HEADERS if request_data is not None and not files else _HEADERS,
                timeout=timeout,
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Pool or connect timeout: the request was not sent.") from error
        except TimeoutError as error:  # aiohttp's read timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error

    @staticmethod
    def _timeout(
        read: float | None, write: float | None, connect: float | None, pool: float | None
    ) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts from PTB's four. aiohttp has no write timeout: a request as a
        whole gets the sum of all four, so a stalled upload still ends."""
        parts = (read, write, connect, pool)
        total = None if None in parts else sum(part for part in parts if part is not None)
        waiting = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(
            total=total, connect=waiting, sock_connect=connect, sock_read=read
        )


def _given(value: Any, default: float | None) -> float | None:
    """A timeout PTB passed (None: no limit), or the default when it passed none."""
    return default if value is BaseRequest.DEFAULT_NONE else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """The parameters as JSON, or as a multipart form when files go with them.

    The Bot API reads a JSON body as it reads a form: a string value as the parameter, any
    other value as its JSON text. PTB has made each parameter a string already (a keyboard is
    its JSON), so the body is the same request; encoding it as a form cost a third of sending
    a reply (aiohttp percent-encodes it byte by byte in Python).
    """
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_payload
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
