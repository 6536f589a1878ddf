"""Edge checks: each bad input is one UsageError naming problem and fix, before any work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from riskbench.errors import UsageError
from riskbench.suites.files import load_suite_file
from riskbench.validation import number, read_text, writable_file, writable_folder


@pytest.mark.parametrize("name", ["s.jsonl", "s.yaml"])
def test_binary_suite_is_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b'{"id": "a", "prompt": "x"}\n\xff\xfe\x00binary\n')
    with pytest.raises(UsageError, match=r":2: not UTF-8 text; save the file as UTF-8"):
        load_suite_file(path)


@pytest.mark.parametrize("meta", ['"text"', "[1, 2]", "3"])
def test_meta_that_is_not_an_object_is_one_line(tmp_path: Path, meta: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(f'{{"id": "a", "prompt": "x", "meta": {meta}}}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"s.jsonl:1: field 'meta' must be an object"):
        load_suite_file(path)


def test_read_text_names_folders(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder"):
        read_text(tmp_path)


@pytest.mark.parametrize(("value", "message"), [
    (-1, "at least 1"), (0, "at least 1"), (float("nan"), "finite"),
    (float("inf"), "finite"), (70000, "at most 65535")])
def test_numbers_out_of_range(value: float, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        number("--port", value, low=1, high=65535)
    number("--port", 8000, low=1, high=65535)
    number("--rpm", None, low=1)


def test_unwritable_folder_is_found_before_work(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write there"):
        writable_folder("--out", Path("/proc/riskbench-reports"))  # refused even to root
    if os.geteuid() == 0:
        return  # root writes into read-only folders
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="cannot write there"):
            writable_folder("--out", locked / "reports")
    finally:
        locked.chmod(0o700)


def test_output_paths_that_are_files_or_folders(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is a file; give a folder"):
        writable_folder("--out", tmp_path / "f")
    with pytest.raises(UsageError, match="cannot write there"):
        writable_folder("--out", tmp_path / "f" / "sub")  # a file where a folder must be
    with pytest.raises(UsageError, match="is a folder; give a file name"):
        writable_file("-o", tmp_path)
    writable_file("-o", tmp_path / "new" / "out.jsonl")
    assert not (tmp_path / "new").exists()  # checked, and nothing left behind
    (tmp_path / "kept").mkdir()
    writable_folder("--out", tmp_path / "kept")
    assert (tmp_path / "kept").is_dir() and not list((tmp_path / "kept").iterdir())
