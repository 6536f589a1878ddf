"""Response cache: a rerun of the same request costs nothing.

Keyed on (model spec, messages, sampling parameters, sample index), so k samples of one
case stay k distinct answers. A small SQLite file of its own, apart from the results
store, because it is per machine while the store may be a shared team database.
Only successful generations are cached; errors are always retried.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from riskbench.types import (
    Generation,
    Message,
    ToolCall,
    ToolCallMessage,
    ToolResultMessage,
    message_images,
    stable_hash,
)


def default_cache_path() -> Path:
    env = os.environ.get("RISKBENCH_CACHE")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "riskbench" / "responses.sqlite"


def cache_key(
    spec: str, messages: Sequence[Message], max_tokens: int, temperature: float, seed: int,
    sample: int,
) -> str:
    return stable_hash(
        # images and tool fields enter the key only when present, so text-only keys are
        # unchanged
        [spec, [[m.role, m.content, *message_images(m), *_tool_fields(m)] for m in messages],
         max_tokens,
         temperature, seed, sample],
        length=40,
    )


def _tool_fields(message: Message) -> list[Any]:
    if isinstance(message, ToolCallMessage):
        return [[c.id, c.name, c.arguments] for c in message.tool_calls]
    if isinstance(message, ToolResultMessage):
        return [message.tool_call_id, message.name, message.error]
    return []


class ResponseCache:
    def __init__(self, path: Path, flush_every: int = 256) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        self._pending: dict[str, str] = {}
        self._flush_every = flush_every

    def get(self, key: str) -> Generation | None:
        raw = self._pending.get(key)
        if raw is None:
            row = self._db.execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
            raw = row[0] if row else None
        if not raw:
            return None
        data = json.loads(raw)
        calls = tuple(ToolCall(**c) for c in data.pop("tool_calls", ()))
        return Generation(**data, tool_calls=calls)

    def put(self, key: str, generation: Generation) -> None:
        self._pending[key] = json.dumps(
            {"text": generation.text, "prompt_tokens": generation.prompt_tokens,
             "completion_tokens": generation.completion_tokens,
             "finish_reason": generation.finish_reason}
            | ({"tool_calls": [asdict(c) for c in generation.tool_calls]}
               if generation.tool_calls else {})
        )
        if len(self._pending) >= self._flush_every:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)",
                    self._pending.items(),
                )
            self._pending.clear()

    def close(self) -> None:
        self.flush()
        self._db.close()
