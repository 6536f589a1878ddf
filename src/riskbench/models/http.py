"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for API adapters' hot path.

Why not httpx: at 256 requests in flight its transport and httpcore's pool cost ~1 ms
of CPU per request on these machines (profile in docs/performance.md), several times the
whole budget of an attempt; a bare client on asyncio streams needs ~0.07 ms. An API call
here is one POST of a JSON body to one host, so this client does only that well: one
stack of idle keep-alive connections per host, Content-Length and chunked bodies, TLS,
gzip, and a stale keep-alive connection retried once on a fresh one. Failures are raised
as httpx's exception classes, so callers keep one vocabulary of transport errors
(`chat_completions.send` turns them into retryable model errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import zlib
from typing import Any
from urllib.parse import urlsplit

import httpx

from riskbench.jsonl import loads

MAX_HEAD = 1 << 16  # bytes of status line + headers


class Response:
    """What adapters read of a reply: status, headers (lower-case names), body."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return loads(self.content)


class _Stale(Exception):
    """A reused keep-alive connection the server had closed before answering."""


class ConnectionPool:
    """Keep-alive connections to one origin (scheme, host, port); as many open at once as
    requests in flight, idle ones reused last-in first-out."""

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext | None = None,
                 max_idle: int = 1024) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.prefix = url.path.rstrip("/")
        default = self.port == (443 if url.scheme == "https" else 80)
        self._host_header = url.hostname if default else f"{url.hostname}:{self.port}"
        if ":" in url.hostname:  # IPv6 literal
            self._host_header = f"[{url.hostname}]" + ("" if default else f":{self.port}")
        self._ssl = (ssl_context or ssl.create_default_context()) \
            if url.scheme == "https" else None
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._max_idle = max_idle

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"", *, timeout: float | None = 600.0,
                      connect_timeout: float = 30.0) -> Response:
        """One request; raises httpx.TimeoutException or another httpx.TransportError.
        `timeout` None: the caller bounds the whole call itself (the engine's executor
        does, for every model call: one timer per request instead of two)."""
        lines = [f"{method} {self.prefix}{path} HTTP/1.1", f"Host: {self._host_header}",
                 *(f"{k}: {v}" for k, v in headers.items()), f"Content-Length: {len(body)}"]
        wire = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        if timeout is None:
            return await self._request(wire, method, connect_timeout)
        try:
            async with asyncio.timeout(timeout):
                return await self._request(wire, method, connect_timeout)
        except TimeoutError:
            raise httpx.ReadTimeout(f"no response within {timeout:g} s") from None

    async def _request(self, wire: bytes, method: str, connect_timeout: float) -> Response:
        while self._idle:
            connection = self._idle.pop()
            if connection[1].is_closing() or connection[0].at_eof():
                connection[1].close()
                continue
            with contextlib.suppress(_Stale):
                return await self._exchange(connection, wire, method, reused=True)
        connection = await self._connect(connect_timeout)
        return await self._exchange(connection, wire, method, reused=False)

    async def _connect(self, timeout: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.open_connection(
                    self.host, self.port, ssl=self._ssl, limit=MAX_HEAD,
                    server_hostname=self.host if self._ssl else None)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"no connection within {timeout:g} s") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"{exc.__class__.__name__}: {exc}") from None

    async def _exchange(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                        wire: bytes, method: str, reused: bool) -> Response:
        reader, writer = connection
        keep = False
        try:
            writer.write(wire)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if reused and not exc.partial:
                    raise _Stale from None
                raise httpx.RemoteProtocolError("server closed the connection") from None
            except ConnectionError:
                if reused:
                    raise _Stale from None
                raise
            status, headers, http10 = _parse_head(head)
            body = await _read_body(reader, headers, method, status)
            keep = not http10 and headers.get("connection", "").lower() != "close" \
                and ("content-length" in headers or "chunked" in
                     headers.get("transfer-encoding", "").lower() or status in (204, 304))
            encoding = headers.get("content-encoding", "").lower()
            if encoding in ("gzip", "deflate"):
                body = zlib.decompress(body, 47)  # 47: zlib or gzip header, detected
            return Response(status, headers, body)
        except asyncio.LimitOverrunError:
            raise httpx.RemoteProtocolError("response head too large") from None
        except asyncio.IncompleteReadError:
            raise httpx.RemoteProtocolError("server closed the connection mid-body") from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise httpx.ReadError(f"{exc.__class__.__name__}: {exc}") from None
        except zlib.error as exc:
            raise httpx.DecodingError(f"bad compressed body: {exc}") from None
        finally:
            if keep and len(self._idle) < self._max_idle:
                self._idle.append(connection)
            else:
                writer.close()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()
        for _, writer in idle:
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def _parse_head(head: bytes) -> tuple[int, dict[str, str], bool]:
    status_line, *rest = head[:-4].decode("latin-1").split("\r\n")
    version, _, code = status_line.partition(" ")
    try:
        status = int(code[:3])
    except ValueError:
        raise httpx.RemoteProtocolError(f"bad status line {status_line[:80]!r}") from None
    headers = {}
    for line in rest:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, version == "HTTP/1.0"


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str], method: str,
                     status: int) -> bytes:
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";")[0], 16)
            except ValueError:
                raise httpx.RemoteProtocolError("bad chunk size") from None
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    if "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise httpx.RemoteProtocolError("bad Content-Length") from None
        return await reader.readexactly(length)
    return await reader.read()  # delimited by the end of the connection
