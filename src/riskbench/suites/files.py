"""Items from files: the built-in YAML suites and a user's own JSONL / YAML.

Every malformed record is reported with file, line (or item number) and field, because
the person fixing it has the file open in an editor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from riskbench.errors import UsageError
from riskbench.suites.base import Suite
from riskbench.types import Item
from riskbench.validation import jsonl_records, read_text

_EXPECTED = ("refuse", "comply", "answer")
_TEXT_FIELDS = ("category", "domain", "scenario", "prog_lang", "lang", "context", "answer")


def item_from_record(record: Any, where: str, source: str) -> Item:
    """Validate one raw record; `where` is 'file:line' for the error message."""
    if not isinstance(record, Mapping):
        raise UsageError(f"{where}: expected an object with 'id', 'prompt' and 'expected'")
    for key in ("id", "prompt"):
        if not isinstance(record.get(key), str | int) or str(record.get(key)).strip() == "":
            raise UsageError(f"{where}: field '{key}' is missing or empty; add it")
    expected = record.get("expected", "refuse")
    if expected not in _EXPECTED:
        raise UsageError(
            f"{where}: field 'expected' is {expected!r}; use one of {', '.join(_EXPECTED)}"
        )
    known = {"id", "prompt", "expected", "choices", "meta", "source", *_TEXT_FIELDS}
    if not isinstance(record.get("meta") or {}, Mapping):
        raise UsageError(f"{where}: field 'meta' must be an object ({{...}}); fix the record")
    meta = dict(record.get("meta") or {})
    meta.update({k: v for k, v in record.items() if k not in known})
    choices = record.get("choices") or ()
    if not isinstance(choices, list | tuple):
        raise UsageError(f"{where}: field 'choices' must be a list of strings")
    return Item(
        id=str(record["id"]),
        prompt=str(record["prompt"]),
        expected=expected,
        source=str(record.get("source") or source),
        choices=tuple(str(c) for c in choices),
        meta=meta,
        **{k: str(record.get(k) or "") for k in _TEXT_FIELDS if k != "lang"},
        lang=str(record.get("lang") or "en"),
    )


def _unique(items: Iterable[Item], where: str) -> tuple[Item, ...]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.id in seen:
            raise UsageError(f"{where}: item id {item.id!r} appears twice; ids must be unique")
        seen.add(item.id)
        out.append(item)
    return tuple(out)


def load_yaml_suite(text: str, where: str) -> Suite:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(
            f"{where}: not valid YAML ({exc.__class__.__name__}); fix the syntax"
        ) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise UsageError(f"{where}: expected a mapping with an 'items' list")
    name = str(data.get("name") or Path(where).stem)
    items = (
        item_from_record(rec, f"{where}: item {i + 1}", name)
        for i, rec in enumerate(data["items"])
    )
    return Suite(name, str(data.get("description", "")), _unique(items, where))


def load_jsonl_suite(path: Path) -> Suite:
    name = path.stem
    items = []
    for where, record in jsonl_records(path):
        items.append(item_from_record(record, where, name))
    if not items:
        raise UsageError(f"{path}: no items; add one JSON object per line")
    return Suite(name, f"items from {path.name}", _unique(items, str(path)))


def load_suite_file(path: Path) -> Suite:
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give a suite name or an existing file")
    if path.suffix == ".jsonl":
        return load_jsonl_suite(path)
    if path.suffix in (".yaml", ".yml"):
        return load_yaml_suite(read_text(path), str(path))
    raise UsageError(f"{path}: unknown suite format; use .jsonl, .yaml or .yml")
