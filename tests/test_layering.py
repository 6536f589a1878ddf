"""The folder tree is the pipeline of DESIGN.md, and no stage imports a later one.

Every `import` under src/riskbench/ (lazy ones inside functions too) is parsed with `ast`:
an import from an earlier stage into a later one fails, and so does any import of
`pipeline/` or `cli/` from a stage. `models/` feeds the engine from the side (DESIGN.md's
diagram): it imports neither suites nor attacks, and attacks never import models, so it
sits between attacks and engine here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "riskbench"

# Shared vocabulary every stage may use; they import only each other.
BASE = ("types", "taxonomy", "errors", "registry", "atomic", "jsonl", "version", "images",
        "escaping", "validation", "cachedir")
STAGES = ("suites", "attacks", "models", "engine", "judges", "store", "metrics", "report",
          "web", "pipeline", "cli")
RANK = {**dict.fromkeys(BASE, 0), **{name: n for n, name in enumerate(STAGES, start=1)}}
TOP = ("pipeline", "cli")  # may import every stage; no stage imports them


def stage_of(path: Path) -> str:
    """The stage a file under src/riskbench/ belongs to: its top folder, or its module name
    for a top-level file; the package root counts as the pipeline it re-exports."""
    parts = path.relative_to(SRC).with_suffix("").parts
    return "pipeline" if parts == ("__init__",) else parts[0]


def imported_stages(source: str, package: str) -> list[tuple[int, str]]:
    """(line, stage) of every riskbench module a source imports. `package` is the dotted
    package of the file, for relative imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names = [f"{module}.{alias.name}" if module == "riskbench" else module
                     for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "riskbench" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


def violations(stage: str, source: str, package: str = "riskbench") -> list[str]:
    out = []
    for line, target in imported_stages(source, package):
        if target not in RANK:
            out.append(f"line {line}: riskbench.{target} is in no stage; add it to "
                       "tests/test_layering.py and docs/architecture.md")
        elif target in TOP and stage not in TOP:
            out.append(f"line {line}: {stage} imports {target}; only pipeline/ and cli/ "
                       "see everything")
        elif stage == "pipeline" and target == "cli":
            out.append(f"line {line}: pipeline imports cli; the CLI sits over the API")
        elif RANK[target] > RANK[stage] and stage not in TOP:
            out.append(f"line {line}: {stage} imports the later stage {target}")
    return out


def test_every_file_is_in_a_stage_and_imports_no_later_stage() -> None:
    problems = []
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 100  # the whole package was found
    for path in files:
        stage = stage_of(path)
        if stage not in RANK:
            problems.append(f"{path.relative_to(SRC)}: not in a stage of the pipeline")
            continue
        package = ".".join(("riskbench", *path.relative_to(SRC).parent.parts))
        problems += [f"{path.relative_to(SRC)}: {p}"
                     for p in violations(stage, path.read_text("utf-8"), package)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("stage", "source", "bad"), [
    ("store", "from riskbench.report import content", True),
    ("judges", "def f():\n    from riskbench.store import connect\n", True),  # lazy too
    ("metrics", "from riskbench import pipeline", True),
    ("web", "import riskbench.cli", True),
    ("attacks", "from riskbench.models import get_model", True),
    ("pipeline", "from riskbench.cli import main", True),
    ("suites", "from riskbench import nosuchthing", True),
    ("report", "from riskbench.metrics import RunScores", False),
    ("engine", "from riskbench.models.base import Model", False),
    ("cli", "from riskbench import pipeline, web", False),
    ("taxonomy", "from riskbench.registry import Registry", False),
])
def test_the_checker_catches_an_upstream_import(stage: str, source: str, bad: bool) -> None:
    assert bool(violations(stage, source)) is bad


def test_relative_imports_resolve_to_their_stage() -> None:
    assert imported_stages("from ..report import html", "riskbench.store") == [(1, "report")]
    assert violations("store", "from ..report import html", "riskbench.store")
