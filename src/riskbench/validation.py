"""Checks of user input at the edge, each failing with one UsageError line that names the
problem and the fix (the CLI exits 2): text files that are not UTF-8, numbers out of
range or not finite, output paths that cannot be written. Output paths are checked
before any work starts, so a run is never finished only to lose its reports."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from riskbench import jsonl
from riskbench.errors import UsageError


def read_text(path: Path) -> str:
    """The file as text; a byte that is not UTF-8 is reported with its line."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder; give a file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UsageError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None


def jsonl_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) per non-blank line of a JSONL file; a bad line is one clear error."""
    return jsonl.jsonl_records(read_text(path).split("\n"), path)


def number(option: str, value: float | None, *, low: float | None = None,
           high: float | None = None, unset_ok: bool = True) -> None:
    """`value` finite and within [low, high] (None allowed when `unset_ok`)."""
    if value is None:
        if not unset_ok:
            raise UsageError(f"{option} is required")
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{option} must be a finite number (got {value})")
    if low is not None and value < low:
        raise UsageError(f"{option} must be at least {low:g} (got {value:g})")
    if high is not None and value > high:
        raise UsageError(f"{option} must be at most {high:g} (got {value:g})")


def writable_folder(option: str, path: Path) -> None:
    """`path` is, or can be made, a folder this process can write into (checked by
    writing and removing a probe file). Folders made for the check are removed again, so
    a run refused later for another reason leaves nothing behind."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path}: is a file; give a folder")
    made = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".riskbench-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write there ({exc.strerror}); "
                         "give a writable folder") from None
    finally:
        for folder in made:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()


def writable_file(option: str, path: Path) -> None:
    """`path` can be (over)written: not a folder, its folder writable."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name")
    writable_folder(option, path.parent if str(path.parent) else Path("."))
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path}: the file is read-only; give another name")
