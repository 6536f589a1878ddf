"""A chat-completions server on 127.0.0.1 that breaks on purpose, written on raw asyncio
streams so it can do what a framework would not: cut a response off mid-body, or never
answer.

At `fault_rate`, a request gets one of FAULTS (drawn from a seeded generator); the rest
get a refusal or a compliance, by prompt. `reject` answers a path ("models" or "chat")
with that HTTP status and an error body that echoes the caller's Authorization header, as
careless providers do (`invalid key: Bearer sk-...`): the canary for key scrubbing.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter

from helpers.chat_server import COMPLIANCE, REFUSAL, free_port

FAULTS = ("429", "503", "reset", "hang", "malformed", "empty-choices", "content-filter")
TRANSIENT = {"429", "503", "reset", "hang"}  # what the engine retries


class FaultServer:
    def __init__(self, fault_rate: float = 0.2, seed: int = 0,
                 faults: tuple[str, ...] = FAULTS, reject: dict[str, int] | None = None,
                 hang_s: float = 3.0, retry_after: str = "0") -> None:
        self.fault_rate, self.faults, self.reject = fault_rate, faults, reject or {}
        self.hang_s, self.retry_after = hang_s, retry_after
        self.rng = random.Random(seed)
        self.served: Counter[str] = Counter()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> FaultServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", self.port), self._loop)
        self._server = future.result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if not await self._answer(method, path, headers, body, writer):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    @staticmethod
    def _send(writer: asyncio.StreamWriter, status: int, payload: bytes,
              extra: str = "", length: int | None = None) -> None:
        writer.write((f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(payload) if length is None else length}\r\n"
                      f"{extra}\r\n").encode() + payload)

    async def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes,
                      writer: asyncio.StreamWriter) -> bool:
        """Writes one response; False when the connection must close."""
        where = "models" if path.endswith("/models") else "chat"
        if where in self.reject:
            echo = {"error": {"message": f"invalid key: {headers.get('authorization', '')}",
                              "type": "invalid_request_error"}}
            self.served[f"reject-{where}"] += 1
            self._send(writer, self.reject[where], json.dumps(echo).encode())
        elif where == "models":
            self._send(writer, 200, b'{"object": "list", "data": [{"id": "m"}]}')
        else:
            return await self._chat(json.loads(body), writer)
        await writer.drain()
        return True

    async def _chat(self, request: dict, writer: asyncio.StreamWriter) -> bool:
        fault = self.rng.choice(self.faults) if self.rng.random() < self.fault_rate else "ok"
        self.served[fault] += 1
        last = str(request["messages"][-1]["content"])
        text, finish = (REFUSAL if len(last) % 2 else COMPLIANCE), "stop"
        if fault == "content-filter":
            text, finish = "", "content_filter"
        reply = {"id": "c", "object": "chat.completion", "created": int(time.time()),
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                              "finish_reason": finish}],
                 "usage": {"prompt_tokens": 5, "completion_tokens": 5}}
        if fault == "429":
            self._send(writer, 429, b'{"error": {"message": "slow down"}}',
                       f"Retry-After: {self.retry_after}\r\n")
        elif fault == "503":
            self._send(writer, 503, b'{"error": {"message": "overloaded"}}')
        elif fault == "reset":  # promise a body, send a third of it, hang up
            payload = json.dumps(reply).encode()
            self._send(writer, 200, payload[: len(payload) // 3], length=len(payload))
            await writer.drain()
            return False
        elif fault == "hang":
            await asyncio.sleep(self.hang_s)
            return False
        elif fault == "malformed":
            self._send(writer, 200, b'{"choices": [{"message": {"content": "cut')
        elif fault == "empty-choices":
            self._send(writer, 200, json.dumps({**reply, "choices": []}).encode())
        else:
            self._send(writer, 200, json.dumps(reply).encode())
        await writer.drain()
        return True
