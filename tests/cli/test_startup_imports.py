"""`riskbench runs` only reads the store: it must not import the model stack (torch,
transformers), the providers' HTTP and YAML code, the other commands' modules (the root
loads a command's module when that command runs, `cli.lazy`), the pipeline or the later
stages, SQLAlchemy or pydantic on a current SQLite store, or the package metadata for a
version it does not print: what kept it over 1 s. `riskbench --help` imports no command
module."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import cli_env

NOT_FOR_RUNS = ("torch", "transformers", "httpx", "yaml", "riskbench.models.chat_completions",
                "riskbench.models.local", "riskbench.models.image_generation",
                "riskbench.engine", "riskbench.judges", "riskbench.report",
                # what the eager root imported for every command (issue 18)
                "riskbench.pipeline", "riskbench.metrics", "riskbench.suites",
                "riskbench.attacks", "riskbench.web", "riskbench.version", "riskbench.cli.run",
                "riskbench.cli.campaign", "riskbench.cli.judge", "riskbench.cli.lists",
                "riskbench.cli.monitor", "riskbench.cli.compliance", "riskbench.cli.progress",
                "sqlalchemy.dialects.postgresql", "alembic", "jinja2", "numpy",
                # a current SQLite store is listed through the stdlib driver, plain option
                # values need no pydantic (cli.lazy.PlainValue), nothing reads metadata
                "sqlalchemy", "riskbench.store.database", "riskbench.store.schema",
                "riskbench.store.runs", "pydantic", "pydantic_core", "typer._adapters",
                "importlib.metadata")
# what `riskbench --help` need not import to list the commands (cli.summaries)
NOT_FOR_HELP = ("riskbench.cli.run", "riskbench.cli.campaign", "riskbench.cli.judge",
                "riskbench.cli.lists", "riskbench.cli.monitor", "riskbench.cli.compliance",
                "riskbench.cli.runs", "riskbench.store", "riskbench.pipeline", "sqlalchemy",
                "pydantic", "importlib.metadata")


# `python -m riskbench.cli ARGS`, printing at exit every module the command imported
# (sys.modules: -X importtime does not see importlib.import_module, the lazy root's loader)
_RUN_AND_LIST = ("import atexit, runpy, sys\n"
                 "atexit.register(lambda: sys.stderr.write('\\nMODULES '\n"
                 "                                         + ' '.join(sys.modules)))\n"
                 "sys.argv = ['riskbench', *sys.argv[1:]]\n"
                 "runpy.run_module('riskbench.cli', run_name='__main__')\n")


def imported(tmp_path: Path, *args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", _RUN_AND_LIST, *args], cwd=tmp_path,
                            env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(result.stderr.rsplit("\nMODULES ", 1)[1].split())


def test_runs_imports_no_model_stack(tmp_path: Path) -> None:
    from riskbench import store

    db = f"sqlite:///{tmp_path / 'r.db'}"
    store.connect(db)  # an existing store, as `runs` usually sees: creating one migrates
    for args in (("runs", "--db", db), ("runs", "--db", db, "--json"),
                 ("runs", "--db", db, "--limit", "3")):
        modules = imported(tmp_path, *args)
        assert {"riskbench.store.listing", "riskbench.cli.runs", "rich.table"} <= modules
        # typer's own coercion takes a value given as text (so pydantic, and its metadata)
        given = ("pydantic", "pydantic_core", "typer._adapters", "importlib.metadata")
        assert ("typer._adapters" in modules) == ("--limit" in args)
        loaded = sorted(m for m in modules if m.split(".")[0] in ("torch", "transformers")
                        or any(m == n or m.startswith(n + ".") for n in NOT_FOR_RUNS
                               if "--limit" not in args or n not in given))
        assert loaded == [], args


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    modules = imported(tmp_path, "--help")
    assert {"riskbench.cli.summaries", "typer.rich_utils"} <= modules  # it ran
    assert sorted(m for m in modules
                  if any(m == n or m.startswith(n + ".") for n in NOT_FOR_HELP)) == []


def test_the_providers_still_register_on_first_use() -> None:
    code = ("import sys; from riskbench.models import get_model; "
            "assert 'riskbench.models.chat_completions' not in sys.modules; "
            "from riskbench.models import providers; "
            "print(' '.join(sorted(providers.names())))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert {"local", "hf", "openai", "openai-compatible", "scripted"} <= set(
        result.stdout.split())


def test_help_lists_every_command_and_each_one_loads(tmp_path: Path) -> None:
    """The lazy root still lists every command in `riskbench --help`, in its order, and
    each name resolves to its module's command (a wrong table entry fails here)."""
    from riskbench.cli import COMMANDS

    env = {**cli_env(tmp_path), "COLUMNS": "200"}
    shown = subprocess.run([sys.executable, "-m", "riskbench.cli", "--help"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    listed = [line.split()[1] for line in shown.stdout.splitlines()
              if line.startswith("│ ") and len(line.split()) > 2 and line.split()[1] in COMMANDS]
    assert listed == list(COMMANDS)
    for name in COMMANDS:
        one = subprocess.run([sys.executable, "-m", "riskbench.cli", name, "--help"],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert one.returncode == 0 and f"riskbench {name}" in one.stdout, (name, one.stderr)


def test_the_collector_is_given_back_after_a_command(tmp_path: Path) -> None:
    """Start-up pauses the cyclic collector and freezes what it imported (`cli.lazy`);
    after `main` returns, in-process callers (tests, notebooks) have it as before, and a
    process whose program is `main` (the `riskbench` script imports it into __main__)
    keeps start-up frozen to its exit."""
    code = ("import gc, sys\nimport riskbench.cli as cli\n"
            "assert gc.isenabled()\n"
            "try:\n    cli.main(['runs', '--db', sys.argv[1]])\nexcept SystemExit as e:\n"
            "    assert e.code == 0, e.code\n"
            "print(gc.isenabled(), gc.get_freeze_count())\n"
            "gc.disable()\n"
            "try:\n    cli.main(['runs', '--db', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(gc.isenabled(), gc.get_freeze_count())\n"
            "gc.enable()\nfrom riskbench.cli import main\n"
            "try:\n    main(['runs', '--db', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(gc.isenabled(), min(gc.get_freeze_count(), 1))\n")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    result = subprocess.run([sys.executable, "-c", code, db], cwd=tmp_path,
                            env=cli_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    states = re.findall(r"^(?:True|False) \d+$", result.stdout, re.MULTILINE)
    assert states == ["True 0", "False 0", "True 1"]
