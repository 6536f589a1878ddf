"""The lean HTTP/1.1 client against a real socket server on 127.0.0.1 speaking the framings
real servers use: Content-Length, chunked (nginx's echo module), gzip, Connection: close,
and a keep-alive connection the server closed while it sat idle."""

import asyncio
import gzip

import httpx
import pytest

from riskbench.models.http import ConnectionPool

BODY = b'{"ok": true}'
REPLIES = {
    b"/length": b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n" + BODY,
    b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"5\r\n{\"ok\"\r\n7\r\n: true}\r\n0\r\n\r\n",
    b"/gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
              + str(len(gzip.compress(BODY))).encode() + b"\r\n\r\n" + gzip.compress(BODY),
    b"/close": b"HTTP/1.1 503 Busy\r\nConnection: close\r\nRetry-After: 2\r\n\r\n" + BODY,
}


async def serve(connections: list[int], close_after_one: bool) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            path = head.split(b" ")[1].removeprefix(b"/v1")  # the base URL's path
            writer.write(REPLIES[path])
            await writer.drain()
            if path == b"/close" or close_after_one:
                break
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def run(close_after_one: bool = False) -> tuple[list[tuple[int, bytes, str]], int]:
    connections: list[int] = []

    async def go() -> list[tuple[int, bytes, str]]:
        server = await serve(connections, close_after_one)
        port = server.sockets[0].getsockname()[1]
        pool = ConnectionPool(f"http://127.0.0.1:{port}/v1")
        got = []
        for path in ("/length", "/chunked", "/gzip", "/length", "/close", "/length"):
            reply = await pool.request("POST", path, {"Content-Type": "application/json"},
                                       b"{}", timeout=5)
            got.append((reply.status_code, reply.content, reply.headers.get("retry-after", "")))
            await asyncio.sleep(0.05)  # the server's close (if any) lands while idle
        await pool.aclose()
        server.close()
        await server.wait_closed()
        return got

    return asyncio.run(go()), len(connections)


def test_every_framing_reads_the_whole_body_and_keeps_the_connection() -> None:
    got, connections = run()
    assert [g[1] for g in got if g[0] == 200] == [BODY] * 5
    assert got[4] == (503, BODY, "2")
    assert connections == 2  # one keep-alive connection until the server's Connection: close


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    got, connections = run(close_after_one=True)
    assert [g[0] for g in got] == [200, 200, 200, 200, 503, 200]
    assert connections == 6


def test_unreachable_server_is_an_httpx_connect_error() -> None:
    async def go() -> None:
        pool = ConnectionPool("http://127.0.0.1:9/v1")
        await pool.request("POST", "/x", {}, b"", timeout=2, connect_timeout=2)

    with pytest.raises(httpx.TransportError):
        asyncio.run(go())
