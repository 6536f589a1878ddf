"""Plumbing shared by the public-format loaders: finding the file (the user's path, or the
published copy fetched once into the data cache), reading CSV and JSON with line numbers,
options, ids, and errors that name file, line and field.

CSV line numbers are physical lines as an editor shows them, the header being line 1; a
record whose quoted field spans several lines is reported at the line where it starts.
JSON records are reported as `item N`, counting from 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import yaml

from riskbench.errors import UsageError
from riskbench.suites.base import Suite
from riskbench.types import Item
from riskbench.validation import read_text

# format -> {url, file, license}; tests point a url at a local server.
SOURCES: dict[str, dict[str, str]] = yaml.safe_load(
    files("riskbench.suites.public").joinpath("sources.yaml").read_text(encoding="utf-8")
)
DOWNLOAD_TIMEOUT_S = 60.0


def cache_dir() -> Path:
    env = os.environ.get("RISKBENCH_DATA_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "riskbench" / "datasets"


def dataset_path(fmt: str, path: Path | None, fix: str = "") -> Path:
    """The user's file, or (no path given) the upstream file, downloaded on first use.
    `fix` is how the user gives a local copy instead (default `--suite FMT:PATH`): a suite
    built from this file names its own spelling."""
    fix = fix or f"--suite {fmt}:PATH"
    if path is not None:
        if not path.is_file():
            raise UsageError(f"{path}: no such file; give the path of a {fmt} file: "
                             f"--suite {fmt}:PATH")
        return path
    source = SOURCES.get(fmt)
    if not source:
        raise UsageError(f"{fmt}: no file given and no published copy to fetch; "
                         f"give one: {fix}")
    target = cache_dir() / fmt / source["file"]
    if not target.is_file():
        _download(fmt, source["url"], target, f"give a local path: {fix}")
    return target


def _download(fmt: str, url: str, target: Path, hint: str) -> None:
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with httpx.stream("GET", url, follow_redirects=True,
                          timeout=DOWNLOAD_TIMEOUT_S) as response:
            if response.status_code != 200:
                raise UsageError(f"cannot download {fmt} from {url} "
                                 f"(HTTP {response.status_code}); {hint}")
            with part.open("wb") as fh:
                for chunk in response.iter_bytes():
                    fh.write(chunk)
        part.replace(target)
    except httpx.HTTPError as exc:
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise UsageError(f"cannot download {fmt} from {url} ({reason}); {hint}") from None
    except OSError as exc:
        raise UsageError(f"cannot write {target} ({exc.strerror}); set RISKBENCH_DATA_CACHE "
                         f"to a writable folder or {hint}") from None
    finally:
        part.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Row:
    where: str  # "file:line"
    values: Mapping[str, str]

    def get(self, column: str, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            raise UsageError(f"{self.where}: field '{column}' is empty; "
                             f"fill it in or delete the row")
        return value


def read_csv(path: Path, required: Sequence[str]) -> list[Row]:
    """Rows of a CSV file with a header; checks the columns and the field counts."""
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not any(header):
            raise UsageError(f"{path}:1: no CSV header; the first line must name the "
                             f"columns ({', '.join(required)})")
        check_columns(path, header, required)
        end = reader.line_num
        for record in reader:
            start, end = end + 1, reader.line_num
            if not record:  # blank line
                continue
            if len(record) != len(header):
                raise UsageError(
                    f"{path}:{start}: {len(record)} fields where the header has "
                    f"{len(header)}; quote values that contain commas"
                )
            rows.append(Row(f"{path}:{start}", dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        raise UsageError(
            f"{path}:{reader.line_num}: not valid CSV ({exc}); fix the quoting"
        ) from None
    if not rows:
        raise UsageError(f"{path}: no rows after the header; add some")
    return rows


def check_columns(
    path: Path, found: Sequence[str], required: Iterable[str], fix: str = ""
) -> None:
    dup = sorted({name for name in found if name and list(found).count(name) > 1})
    if dup:
        raise UsageError(f"{path}:1: column '{dup[0]}' appears twice; rename one")
    missing = [name for name in required if name not in found]
    if missing:
        raise UsageError(
            f"{path}:1: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}; found columns: "
            f"{', '.join(repr(f) for f in found)}{'; ' + fix if fix else ''}"
        )


def read_json_list(path: Path) -> list[Any]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); "
                         f"fix the syntax") from None
    if not isinstance(data, list) or not data:
        raise UsageError(f"{path}: expected a non-empty JSON list of objects")
    return data


def check_options(fmt: str, options: Mapping[str, str], known: Mapping[str, str]) -> None:
    """`known`: option name -> what it takes, for the message."""
    for name in options:
        if name not in known:
            listed = ", ".join(f"{k}={v}" for k, v in known.items()) or "none"
            raise UsageError(f"{fmt}: unknown option '{name}'; known options: {listed}")


def choice_option(
    fmt: str, options: Mapping[str, str], name: str, choices: Sequence[str]
) -> set[str] | None:
    """A filter option: one value or several separated by commas; None when absent."""
    if name not in options:
        return None
    picked = {v.strip() for v in options[name].split(",") if v.strip()}
    if not picked or not picked <= set(choices):
        raise UsageError(f"{fmt}: option {name}={options[name]!r}: use one or more of "
                         f"{', '.join(choices)}, separated by commas")
    return picked


class UniqueIds:
    """Ids read from a column: a repeated one is an error naming both lines."""

    def __init__(self, column: str) -> None:
        self.column = column
        self.seen: dict[str, str] = {}

    def check(self, value: str, where: str) -> str:
        if value in self.seen:
            raise UsageError(f"{where}: field '{self.column}' is {value!r}, already used at "
                             f"{self.seen[value]}; ids must be unique")
        self.seen[value] = where
        return value


class HashIds:
    """Ids made from content: PREFIX-[GROUP-]<first 10 hex digits of the SHA-256 of the
    UTF-8 text>, so that they survive reordering and insertions upstream. An exact repeat
    of an id gets -2, -3, ... in file order."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counts: dict[str, int] = {}

    def __call__(self, text: str, group: str = "") -> str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        base = f"{self.prefix}-{group}-{digest}" if group else f"{self.prefix}-{digest}"
        n = self.counts[base] = self.counts.get(base, 0) + 1
        return base if n == 1 else f"{base}-{n}"


def make_suite(fmt: str, path: Path, items: list[Item], note: str = "") -> Suite:
    if not items:
        raise UsageError(f"{path}: no items left{' after ' + note if note else ''}; "
                         f"check the options")
    extra = f" ({note})" if note else ""
    return Suite(fmt, f"{fmt} items from {path.name}{extra}", tuple(items))


