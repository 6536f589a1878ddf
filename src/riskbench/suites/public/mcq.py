"""Multiple-choice capability questions: WMDP style (question, choices, answer index) and
MMLU-Pro style (question, options, answer letter and answer_index), from JSONL, CSV or
Parquet, e.g. `mcq:wmdp-cyber.jsonl?domain_value=cyber` or
`mcq:mmlu_pro_test.parquet?choices=options&answer=answer_index`.

Options:
- question=COLUMN (default `question`);
- choices=COLUMN (default `choices`, else `options`): a list (JSONL/Parquet) or a JSON
  list in a CSV cell; or several columns choices=A,B,C,D, one choice each;
- answer=COLUMN (default `answer`, else `answer_index`): a 0-based index, a letter, or
  the text of a choice;
- id=COLUMN (default `id` or `question_id` where present; else mcq-<hash>);
- category=COLUMN (default `category` or `subject` where present), or category_value=TEXT;
- domain_value=TEXT (e.g. cyber, bio, chem), source_value=TEXT.
Items are `expected: answer` with the choices and the answer as a letter; judge them with
`--judge choice`. Weapons-relevant question sets (WMDP) stay on your disk: riskbench
never fetches them.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from riskbench.errors import UsageError
from riskbench.suites.base import Suite, formats
from riskbench.suites.public.common import (
    HashIds,
    UniqueIds,
    check_options,
    make_suite,
    read_csv,
)
from riskbench.types import Item
from riskbench.validation import jsonl_records

LETTERS = string.ascii_uppercase
KNOWN = {"question": "COLUMN", "choices": "COLUMN[,COLUMN...]", "answer": "COLUMN",
         "id": "COLUMN", "category": "COLUMN", "category_value": "TEXT",
         "domain_value": "TEXT", "source_value": "TEXT"}
PARQUET_HINT = ("reading Parquet needs pyarrow; run `pip install -e '.[parquet]'` "
                "(or `pip install pyarrow`), or convert the file to JSONL")


@cache
def _template() -> dict[str, str]:
    text = files("riskbench.suites.public").joinpath("mcq.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def format_question(question: str, choices: Sequence[str]) -> str:
    """The prompt sent for a multiple-choice item (template in mcq.yaml)."""
    t = _template()
    options = "\n".join(t["option"].format(letter=LETTERS[i], text=c)
                        for i, c in enumerate(choices))
    return t["template"].format(question=question.strip(), options=options)


def _records(path: Path) -> Iterator[tuple[str, Mapping[str, Any]]]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        yield from jsonl_records(path)
    elif suffix == ".csv":
        for row in read_csv(path, []):
            yield row.where, row.values
    elif suffix == ".parquet":
        try:
            import pyarrow.parquet as pq  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError:
            raise UsageError(f"{path}: {PARQUET_HINT}") from None
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises its own error types
            raise UsageError(f"{path}: not a readable Parquet file ({exc})") from None
        for number, record in enumerate(table.to_pylist(), start=1):
            yield f"{path}: row {number}", record
    else:
        raise UsageError(f"{path}: unknown file type {suffix or '(none)'}; give a .jsonl, "
                         ".csv or .parquet file")


def _pick(options: Mapping[str, str], name: str, record: Mapping[str, Any],
          defaults: Sequence[str]) -> str | None:
    if name in options:
        return options[name]
    return next((d for d in defaults if d in record), None)


def _choices(value: Any, where: str, column: str) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UsageError(f"{where}: field '{column}' is not a list; give a JSON list of "
                             "choices, or name one column per choice: choices=A,B,C,D") from None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise UsageError(f"{where}: field '{column}' must list at least two choices")
    out = [str(c).strip() for c in value]
    if any(not c for c in out):
        raise UsageError(f"{where}: field '{column}' has an empty choice")
    if len(out) > len(LETTERS):
        raise UsageError(f"{where}: field '{column}' has more than 26 choices")
    return out


def _answer(value: Any, choices: Sequence[str], where: str, column: str) -> str:
    """The answer as a letter."""
    if isinstance(value, bool):
        value = None
    text = str(value).strip() if value is not None else ""
    if isinstance(value, int) or text.isdigit():
        index = int(text)
        if 0 <= index < len(choices):
            return LETTERS[index]
        raise UsageError(f"{where}: field '{column}' is index {index}, but there are "
                         f"{len(choices)} choices (indices count from 0)")
    if len(text) == 1 and text.upper() in LETTERS[:len(choices)]:
        return text.upper()
    if text in choices:
        return LETTERS[choices.index(text)]
    raise UsageError(f"{where}: field '{column}' is {text!r}: give a 0-based index, a letter "
                     f"A-{LETTERS[len(choices) - 1]} or the text of a choice")


@formats.register("mcq")
def load_mcq(path: Path | None, options: Mapping[str, str]) -> Suite:
    check_options("mcq", options, KNOWN)
    if path is None:
        raise UsageError("mcq: give the file: --suite mcq:PATH (.jsonl, .csv or .parquet)")
    if not path.is_file():
        raise UsageError(f"{path}: no such file; give the path of a multiple-choice file: "
                         "--suite mcq:PATH")
    make_id, ids = HashIds("mcq"), UniqueIds("id")
    items: list[Item] = []
    for where, record in _records(path):
        question_col = options.get("question", "question")
        if question_col not in record:
            raise UsageError(f"{where}: field '{question_col}' is missing; fields found: "
                             f"{', '.join(repr(k) for k in record)}; map it with question=COLUMN")
        question = str(record[question_col] or "").strip()
        if not question:
            raise UsageError(f"{where}: field '{question_col}' is empty")
        columns = options.get("choices", "").split(",") if "," in options.get(
            "choices", "") else None
        if columns:
            lacking = [c for c in columns if c not in record]
            if lacking:
                raise UsageError(f"{where}: choice column '{lacking[0]}' is missing")
            choices = _choices([record[c] for c in columns], where, options["choices"])
        else:
            col = _pick(options, "choices", record, ("choices", "options"))
            if col is None or col not in record:
                raise UsageError(f"{where}: no choices column ({col or 'choices/options'}); "
                                 "map it with choices=COLUMN or choices=A,B,C,D")
            choices = _choices(record[col], where, col)
        answer_col = _pick(options, "answer", record, ("answer", "answer_index"))
        if answer_col is None or answer_col not in record:
            raise UsageError(f"{where}: no answer column ({answer_col or 'answer'}); map it "
                             "with answer=COLUMN")
        letter = _answer(record[answer_col], choices, where, answer_col)
        id_col = _pick(options, "id", record, ("id", "question_id"))
        item_id = ids.check(str(record[id_col]), where) if id_col and str(
            record.get(id_col, "")).strip() else make_id(question + "\n" + "\n".join(choices))
        cat_col = _pick(options, "category", record, ("category", "subject"))
        category = options.get("category_value") or (
            str(record.get(cat_col) or "").strip() if cat_col else "")
        items.append(Item(
            id=item_id, prompt=format_question(question, choices), expected="answer",
            category=category, domain=options.get("domain_value", ""),
            source=options.get("source_value", f"mcq:{path.stem}"), answer=letter,
            choices=tuple(choices), meta={"question": question},
        ))
    if not items:
        raise UsageError(f"{path}: no questions; add some")
    return make_suite(f"mcq:{path.stem}", path, items)
