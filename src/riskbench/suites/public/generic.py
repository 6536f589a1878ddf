"""Your own CSV or JSONL file, with its columns (JSONL: keys) mapped to item fields in the
options, e.g. `csv:my.csv?prompt=question&id=qid&category=topic&expected=refuse`.

Options (both formats):
- prompt=COLUMN (default `prompt`);
- id=COLUMN (default `id` where there is one; otherwise FORMAT-<first 10 hex digits of
  the SHA-256 of the prompt>, repeats numbered -2, -3, ...);
- expected=refuse|comply|answer for every item, or expected_column=COLUMN (default
  `expected` where there is one) with optional expected_map=VALUE:EXPECTED,... to
  translate its values (e.g. expected_map=safe:comply,unsafe:refuse);
- FIELD=COLUMN or FIELD_value=TEXT for category, domain, scenario, prog_lang, lang
  (default en), context and answer.
Columns not mapped go to `meta`. A mapped column must exist (JSONL: in every record; its
value may be empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, formats
from riskbench.suites.public.common import (
    HashIds,
    UniqueIds,
    check_columns,
    check_options,
    dataset_path,
    make_suite,
    read_csv,
)
from riskbench.types import Expected, Item
from riskbench.validation import jsonl_records

EXPECTED: tuple[Expected, ...] = ("refuse", "comply", "answer")
TEXT_FIELDS = ("category", "domain", "scenario", "prog_lang", "lang", "context", "answer")
KNOWN = {
    "prompt": "COLUMN", "id": "COLUMN", "expected": "|".join(EXPECTED),
    "expected_column": "COLUMN", "expected_map": "VALUE:EXPECTED,...",
    **{f: "COLUMN" for f in TEXT_FIELDS}, **{f"{f}_value": "TEXT" for f in TEXT_FIELDS},
}

FIX = "map a field with FIELD=COLUMN, or give expected=refuse|comply|answer for every item"


@dataclass
class ColumnMap:
    fmt: str
    prompt: str = "prompt"
    id: str | None = None
    expected: Expected | None = None
    expected_column: str | None = None
    expected_map: dict[str, Expected] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # item field -> column
    literals: dict[str, str] = field(default_factory=dict)  # item field -> text

    @classmethod
    def parse(cls, fmt: str, options: Mapping[str, str]) -> ColumnMap:
        check_options(fmt, options, KNOWN)
        out = cls(fmt, prompt=options.get("prompt") or "prompt", id=options.get("id") or None,
                  expected_column=options.get("expected_column") or None)
        if "expected" in options:
            if options["expected"] not in EXPECTED or out.expected_column:
                raise UsageError(f"{fmt}: option expected={options['expected']!r}: use one of "
                                 f"{', '.join(EXPECTED)}, or expected_column=COLUMN, not both")
            out.expected = cast(Expected, options["expected"])
        for pair in filter(None, options.get("expected_map", "").split(",")):
            value, _, target = pair.rpartition(":")
            if not value or target not in EXPECTED:
                raise UsageError(f"{fmt}: option expected_map: {pair!r} is not VALUE:EXPECTED "
                                 f"with EXPECTED one of {', '.join(EXPECTED)}")
            out.expected_map[value] = cast(Expected, target)
        for name in TEXT_FIELDS:
            if name in options and f"{name}_value" in options:
                raise UsageError(f"{fmt}: give {name}=COLUMN or {name}_value=TEXT, not both")
            if options.get(name):
                out.columns[name] = options[name]
            if f"{name}_value" in options:
                out.literals[name] = options[f"{name}_value"]
        return out

    def required(self) -> list[str]:
        """Columns every record must have."""
        names = [self.prompt, *self.columns.values()]
        if self.id:
            names.append(self.id)
        if self.expected is None:
            names.append(self.expected_column or "expected")
        return names

    def item(self, record: Mapping[str, Any], where: str, make_id: HashIds,
             ids: UniqueIds) -> Item:
        prompt = _text(record, self.prompt, where)
        if not prompt:
            raise UsageError(f"{where}: field '{self.prompt}' is empty; fill it in or delete "
                             f"the row")
        id_column = self.id or ("id" if "id" in record else None)
        if id_column:
            item_id = _text(record, id_column, where)
            if not item_id:
                raise UsageError(f"{where}: field '{id_column}' is empty; give every row an id")
            ids.column = id_column
            ids.check(item_id, where)
        else:
            item_id = make_id(prompt)
        expected = self.expected or self._expected(record, where)
        text = {name: _text(record, column, where) for name, column in self.columns.items()}
        text.update(self.literals)
        used = {self.prompt, id_column, self.expected_column or "expected",
                *self.columns.values()}
        meta = {k: v for k, v in record.items() if k not in used}
        return Item(
            id=item_id, prompt=prompt, expected=expected, category=text.get("category", ""),
            domain=text.get("domain", ""), scenario=text.get("scenario", ""),
            prog_lang=text.get("prog_lang", ""), lang=text.get("lang") or "en",
            source=self.fmt, context=text.get("context", ""), answer=text.get("answer", ""),
            meta=meta,
        )

    def _expected(self, record: Mapping[str, Any], where: str) -> Expected:
        column = self.expected_column or "expected"
        raw = _text(record, column, where)
        value = self.expected_map.get(raw, raw)
        if value not in EXPECTED:
            raise UsageError(f"{where}: field '{column}' is {raw!r}; use one of "
                             f"{', '.join(EXPECTED)}, or translate it with "
                             f"expected_map=VALUE:EXPECTED,...")
        return cast(Expected, value)


def _text(record: Mapping[str, Any], column: str, where: str) -> str:
    value = record.get(column)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise UsageError(f"{where}: field '{column}' is a JSON {type(value).__name__}; "
                         f"it must be text")
    return str(value).strip()


@formats.register("csv")
def load_csv(path: Path | None, options: Mapping[str, str]) -> Suite:
    mapping = ColumnMap.parse("csv", options)
    file = dataset_path("csv", path)
    rows = read_csv(file, [mapping.prompt])
    check_columns(file, list(rows[0].values), mapping.required(), FIX)
    make_id, ids = HashIds("csv"), UniqueIds("id")
    items = [mapping.item(row.values, row.where, make_id, ids) for row in rows]
    return make_suite(file.stem, file, items)


@formats.register("jsonl")
def load_jsonl(path: Path | None, options: Mapping[str, str]) -> Suite:
    mapping = ColumnMap.parse("jsonl", options)
    file = dataset_path("jsonl", path)
    make_id, ids = HashIds("jsonl"), UniqueIds("id")
    items = []
    for where, record in jsonl_records(file):
        missing = [k for k in mapping.required() if k not in record]
        if missing:
            raise UsageError(f"{where}: field '{missing[0]}' is missing; fields found: "
                             f"{', '.join(repr(k) for k in record)}; {FIX}")
        items.append(mapping.item(record, where, make_id, ids))
    if not items:
        raise UsageError(f"{file}: no records; add one JSON object per line")
    return make_suite(file.stem, file, items)
