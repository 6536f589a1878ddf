"""The one JSONL reader: suites, public benchmark files and `riskbench judge` input all
read one record per non-blank line, and a bad line is one clear error naming it. And the
one compact JSON writer of hot paths (request bodies, stored transcripts)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from riskbench.errors import UsageError

_orjson_dumps: Callable[[Any], bytes] | None
_orjson_loads: Callable[[str | bytes], Any] | None
try:  # the `fast` extra: several times quicker than the stdlib's encoder and decoder
    from orjson import dumps as _orjson_dumps
    from orjson import loads as _orjson_loads
except ImportError:  # pragma: no cover - exercised where orjson is not installed
    _orjson_dumps = _orjson_loads = None


def dumps(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON. orjson when installed; the stdlib for anything
    orjson refuses (integers over 64 bits, non-string keys, lone surrogates)."""
    if _orjson_dumps is not None:
        try:
            return _orjson_dumps(value)
        except TypeError:
            pass
    # ASCII escapes: a lone surrogate (a model may send "\\ud800") stays encodable
    return json.dumps(value, separators=(",", ":")).encode()


def loads(text: str | bytes) -> Any:
    """JSON text as Python values: orjson when installed, the stdlib for what orjson
    refuses (NaN and Infinity, which the stdlib writes)."""
    if _orjson_loads is not None:
        try:
            return _orjson_loads(text)
        except ValueError:
            pass
    return json.loads(text)


def jsonl_records(lines: Iterable[str], name: object, shape: str | None = "a JSON object "
                  "per line") -> Iterator[tuple[str, Any]]:
    """(where, record) per non-blank line, `where` being 'name:line'. With `shape`, a
    record that is not a JSON object is an error saying what was expected; without, the
    caller checks each record itself."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}: not valid JSON ({exc.msg}); fix the line") from None
        if shape is not None and not isinstance(record, dict):
            raise UsageError(f"{where}: expected {shape}")
        yield where, record
