"""The one JSONL reader: suites, public benchmark files and `riskbench judge` input all
read one record per non-blank line, and a bad line is one clear error naming it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from riskbench.errors import UsageError


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
