"""What `riskbench` start-up skips must not change what it prints: the root's `--help`
listed from the commands' summaries (`cli.summaries`) is byte for byte the listing made
from the commands themselves, the summaries file is current, and an option value
coerced without pydantic (`cli.lazy.PlainValue`) is what typer's own coercion gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import cli_env
from riskbench.cli import COMMANDS, lazy, summaries

# `python -m riskbench.cli ARGS`, the listing made from the loaded commands when FULL
_HELP = ("import runpy, sys\n"
         "if sys.argv[1] == 'FULL':\n"
         "    import riskbench.cli.summaries as s\n"
         "    s.load = lambda: {}\n"
         "sys.argv = ['riskbench', *sys.argv[2:]]\n"
         "runpy.run_module('riskbench.cli', run_name='__main__')\n")


def _shown(tmp_path: Path, how: str, env: dict[str, str], *args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-c", _HELP, how, *args], cwd=tmp_path,
                          env={**cli_env(tmp_path), **env}, capture_output=True, text=True,
                          timeout=120)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("env", [{"COLUMNS": "80"}, {"COLUMNS": "200"}, {"COLUMNS": "52"},
                                 {"TYPER_USE_RICH": "0"}])
def test_root_help_from_summaries_is_the_listing_of_the_commands(tmp_path: Path,
                                                                  env: dict[str, str]) -> None:
    fast = _shown(tmp_path, "FAST", env, "--help")
    full = _shown(tmp_path, "FULL", env, "--help")
    assert fast[0] == 0 and "runs" in fast[1] and "judge-eval" in fast[1]
    assert fast == full


def test_the_summaries_file_is_current() -> None:
    assert summaries.load() == summaries.made(COMMANDS)["commands"], (
        "src/riskbench/cli/commands.json is stale: run `python -m riskbench.cli.summaries`")


def test_a_summaries_file_older_than_the_sources_is_not_used(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert summaries.load()
    monkeypatch.setattr(summaries, "sources_hash", lambda: "0" * 64)
    assert summaries.load() == {}


def _params(command: Any, ctx: Any) -> list[Any]:
    found = [*command.params, command.get_help_option(ctx)]
    for sub in getattr(command, "commands", {}).values():
        found += _params(sub, sub.context_class(sub))
    return [p for p in found if p is not None]


SAMPLES: list[Any] = [None, "", "x", " 10 ", "10", "-3", "1.5", "abc", "true", "0", "ü",
                      b"raw", 0, 7, -3, 2.5, 0.0, True, False, ("a",), ["1"]]


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # typer's errors: the same class and message
        return type(exc).__name__, str(exc)
    return type(result).__name__, result


def test_plain_values_are_coerced_as_typer_coerces_them() -> None:
    coercion = pytest.importorskip("typer._coercion")
    seen = 0
    for name, spec in COMMANDS.items():
        command = lazy.command_from(spec, name)
        for param in _params(command, command.context_class(command)):
            if not isinstance(param._runtime_param, lazy.PlainValue):
                continue
            seen += 1
            ctx = command.context_class(command)
            full = coercion.build_runtime_param(param.type_descriptor)
            for value in [*SAMPLES, param.default]:
                if callable(value):
                    continue
                assert _outcome(param._runtime_param, value, param, ctx) == \
                    _outcome(full, value, param, ctx), (name, param.name, value)
    assert seen > 50  # --db, --limit, --json, --help, ... of every command
