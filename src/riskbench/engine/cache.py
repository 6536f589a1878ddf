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
from pathlib import Path

from riskbench.types import Generation, Message, message_images, stable_hash


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
        # images enter the key only when present, so text-only keys are unchanged
        [spec, [[m.role, m.content, *message_images(m)] for m in messages], max_tokens,
         temperature, seed, sample],
        length=40,
    )


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
        return Generation(**json.loads(raw)) if raw else None

    def put(self, key: str, generation: Generation) -> None:
        self._pending[key] = json.dumps(
            {"text": generation.text, "prompt_tokens": generation.prompt_tokens,
             "completion_tokens": generation.completion_tokens,
             "finish_reason": generation.finish_reason}
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
