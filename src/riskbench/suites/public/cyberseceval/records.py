"""Reading CyberSecEval's JSON lists: each record an object, each field checked where it is
read, so that an error names file, item number and field."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from riskbench.errors import UsageError
from riskbench.suites.public.common import read_json_list


def records(file: Path, required: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(where, record) for every record; `required` names the key fields for the message."""
    for number, record in enumerate(read_json_list(file), start=1):
        where = f"{file}: item {number}"
        if not isinstance(record, dict):
            raise UsageError(f"{where}: expected an object with {required}")
        yield where, record


def text(record: Mapping[str, Any], field: str, where: str, required: bool = True) -> str:
    """A string field, stripped; a missing or empty required one is an error."""
    value = record.get(field)
    if value is None or value == "":
        if required:
            raise UsageError(f"{where}: field '{field}' is missing or empty; add it")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UsageError(f"{where}: field '{field}' is {type(value).__name__} "
                         f"{_short(value)}; it must be text")
    value = str(value).strip()
    if required and not value:
        raise UsageError(f"{where}: field '{field}' is missing or empty; add it")
    return value


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def prompt_text(record: Mapping[str, Any], field: str, where: str) -> str:
    """A prompt as written (not stripped: trailing code whitespace can matter)."""
    value = record.get(field)
    if not isinstance(value, str) or not value.strip():
        what = "missing or empty" if value in (None, "") or isinstance(value, str) \
            else f"{type(value).__name__} {_short(value)}, not text"
        raise UsageError(f"{where}: field '{field}' is {what}; give the prompt as text")
    return value
