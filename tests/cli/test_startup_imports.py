"""`riskbench runs` only reads the store: it must not import the model stack (torch,
transformers) or the providers' HTTP and YAML code, which is what kept it over 1 s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import cli_env

NOT_FOR_RUNS = ("torch", "transformers", "httpx", "yaml", "riskbench.models.chat_completions",
                "riskbench.models.local", "riskbench.models.image_generation",
                "riskbench.engine", "riskbench.judges", "riskbench.report")


def imported(tmp_path: Path, *args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "riskbench.cli", *args],
                            cwd=tmp_path, env=cli_env(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def test_runs_imports_no_model_stack(tmp_path: Path) -> None:
    from riskbench import store

    db = f"sqlite:///{tmp_path / 'r.db'}"
    store.connect(db)  # an existing store, as `runs` usually sees: creating one migrates
    modules = imported(tmp_path, "runs", "--db", db)
    assert "riskbench.store" in modules and "riskbench.models.keys" in modules  # it ran
    loaded = sorted(m for m in modules if m.split(".")[0] in ("torch", "transformers")
                    or any(m == n or m.startswith(n + ".") for n in NOT_FOR_RUNS))
    assert loaded == []


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
